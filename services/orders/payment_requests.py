"""Payment requests: an operator asks a customer to pay through a provider's checkout (the
default provider unless another enabled one is chosen); its currencies and longest expiry are
that provider's capabilities, and every later call goes to the provider that owns the order.

Creating an order and closing one follow the money-movement shape of the design: the intent
(the Order row under a new order ID, or the close request) and its audit entry are
committed first, the provider is called with no transaction open, and the answer is recorded in
a second transaction. A create that times out keeps its row (INITIAL, no provider order ID) and
is resolved with the SAME order ID: by query, and by repeating the identical request, which
Binance answers for the existing order or refuses as a duplicate; it never makes a second order.

Statuses are applied only through services.orders.events, so webhooks, the sync worker and this
module share one set of rules.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlmodel import col, select

from data.models import Order, User
from data.queries.order_search import find_order
from services.core import audit
from services.core.access import Actor
from services.core.context import Services
from services.core.errors import (
    ConflictError,
    NotFoundError,
    NotOfferedError,
)
from services.core.refusals import require
from services.core.row_locks import lock_row
from services.inbound import evidence
from services.orders.events import OPEN, apply_query_result, lock_order
from services.orders.request_form import (  # noqa: F401 (the page and tests import them here)
    EMAIL_MAX,
    EXPIRY_MINUTES_DEFAULT,
    NAME_MAX,
    PAYER_FORM_FIELDS,
    PRODUCT_MAX,
    PaymentRequestInvalid,
    PaymentTerms,
    ValidRequest,
    enabled_payment_providers,
    payment_terms,
    validate,
)
from services.providers.base import CheckoutLinks, CreatedOrder, Payer, SimulatedCustomer
from services.providers.errors import (
    DuplicateRequestError,
    InvalidStatusError,
    ProviderError,
    SandboxRefusal,
)
from services.providers.errors import NotFoundError as ProviderNotFound

#: Order statuses as words in messages people read.
_STATUS_WORDS = {"INITIAL": "not sent yet", "PENDING": "awaiting payment", "PAID": "paid",
                 "CANCELED": "closed", "EXPIRED": "expired", "ERROR": "failed",
                 "REFUNDING": "being refunded", "REFUNDED": "partially refunded",
                 "FULL_REFUNDED": "refunded"}


@dataclass(frozen=True)
class PaymentRequest:
    id: int
    merchant_order_id: str
    provider_order_id: str | None
    amount: Decimal
    currency: str
    product_name: str
    customer_email: str | None
    status: str
    checkout_url: str | None
    deeplink: str | None
    universal_url: str | None
    qr_content: str | None
    created_at: datetime
    expires_at: datetime | None
    paid_at: datetime | None
    closed_at: datetime | None
    created_by: str | None
    #: The provider that owns the order (its name in the registry).
    provider: str | None = None
    customer_first_name: str | None = None
    customer_last_name: str | None = None
    customer_phone: str | None = None
    customer_country: str | None = None

    @property
    def customer_name(self) -> str | None:
        name = " ".join(p for p in (self.customer_first_name, self.customer_last_name) if p)
        return name or None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def confirmed(self) -> bool:
        """False while a timed-out create is not resolved: Binance may or may not have it."""
        return self.provider_order_id is not None


@dataclass(frozen=True)
class RequestOutcome:
    request: PaymentRequest
    kind: str  # success | warning | error
    message: str


def new_merchant_order_id() -> str:
    return "PR" + uuid.uuid4().hex[:30]  # Binance: at most 32 letters and digits


def create_request(services: Services, actor: Actor, *, amount: object, currency: str,
                   product: str, customer_email: str,
                   expiry_minutes: object = EXPIRY_MINUTES_DEFAULT,
                   provider: str | None = None, customer_first_name: str = "",
                   customer_last_name: str = "", customer_phone: str = "",
                   customer_country: str = "") -> RequestOutcome:
    """``provider``: an enabled provider's name; the default provider for None. The payer's
    name, phone and country are asked (and stored) only for a provider whose capabilities
    name them; others ignore them."""
    require(services, actor, "payment_request.create")
    terms = payment_terms(services, provider)
    valid = validate(
        amount=amount, currency=currency, product=product, customer_email=customer_email,
        expiry_minutes=expiry_minutes, terms=terms, customer_first_name=customer_first_name,
        customer_last_name=customer_last_name, customer_phone=customer_phone,
        customer_country=customer_country)
    value, code, name, email, minutes = (valid.amount, valid.currency, valid.product,
                                         valid.customer_email, valid.expiry_minutes)
    now = services.now()
    # Whole seconds: a repeat of the create must carry exactly the same orderExpireTime.
    expires = (now + timedelta(minutes=minutes)).replace(microsecond=0)
    with services.uow() as uow:
        order = Order(merchant_order_id=new_merchant_order_id(), provider=terms.provider,
                      amount=value, currency=code, status="INITIAL", customer_email=email,
                      customer_first_name=valid.customer_first_name,
                      customer_last_name=valid.customer_last_name,
                      customer_phone=valid.customer_phone,
                      customer_country=valid.customer_country,
                      product_name=name, created_by_id=actor.user_id, created_at=now,
                      updated_at=now, expires_at=expires)
        uow.session.add(order)
        uow.session.flush()
        audit.record(uow, actor=actor, action="payment_request.created", target_type="order",
                     target_id=order.id, amount=value, currency=code,
                     idempotency_key=order.merchant_order_id, outcome="pending", at=now,
                     detail={"product": name, "customer_email": email,
                             "expires_at": expires.isoformat(),
                             **({"customer_name": f"{valid.customer_first_name} "
                                                  f"{valid.customer_last_name}",
                                 "customer_phone": valid.customer_phone,
                                 "customer_country": valid.customer_country}
                                if terms.needs_payer else {})})
        uow.commit()
        order_id = order.id
    assert order_id is not None
    return _send_create(services, actor, order_id)


def payer_of(services: Services, order: PaymentRequest) -> Payer | None:
    """Who pays, from the stored row only, for a provider that must be told (None otherwise):
    the first send and every repeat carry the same payer."""
    if not services.capabilities_for(order.provider).needs_payer:
        return None
    return Payer(first_name=order.customer_first_name or "",
                 last_name=order.customer_last_name or "",
                 email=order.customer_email or "", phone_number=order.customer_phone or "",
                 country=order.customer_country or "")


def _create_call(services: Services, order: PaymentRequest) -> CreatedOrder:
    # Built only from the stored row, so every repeat is byte-for-byte the same request.
    return services.provider_for(order.provider).create_order(
        merchant_order_id=order.merchant_order_id, amount=order.amount, currency=order.currency,
        description=order.product_name, goods_name=order.product_name,
        expires_at=order.expires_at, payer=payer_of(services, order))


def _send_create(services: Services, actor: Actor | str, order_id: int) -> RequestOutcome:
    request = _load(services, order_id)
    try:
        created = _create_call(services, request)
    except ProviderError as error:
        _record_call(services, actor, request, "payment_request.sent", error)
        if error.outcome_unknown:
            return resolve_request(services, actor, order_id, after=error)
        if not isinstance(error, DuplicateRequestError):
            _mark_refused(services, order_id)
        return RequestOutcome(_load(services, order_id), "error",
                              f"{_title(services, request)} refused the order: {error}")
    conflict = _record_created(services, actor, order_id, created)
    if conflict:
        return RequestOutcome(_load(services, order_id), "error",
                              f"order {request.merchant_order_id} was created but needs review, "
                              f"do not share it: {conflict}")
    return RequestOutcome(_load(services, order_id), "success",
                          f"order {request.merchant_order_id} created; share the link or QR code")


def resolve_request(services: Services, actor: Actor | str, order_id: int, *,
                    after: ProviderError | None = None) -> RequestOutcome:
    """Settle a create whose answer never came, with the stored order ID only."""
    if isinstance(actor, Actor):
        require(services, actor, "orders.view")
    request = _load(services, order_id)
    title = _title(services, request)
    lead = f"no answer from {title} ({after}); " if after else ""
    try:
        status = services.provider_for(request.provider).get_order(
            merchant_order_id=request.merchant_order_id)
    except ProviderNotFound:
        status = None
    except ProviderError as error:
        return RequestOutcome(request, "warning",
                              f"{lead}checking order {request.merchant_order_id} failed too "
                              f"({error}); it is kept and checked again, never re-created")
    if status is not None:
        with services.uow() as uow:
            apply_query_result(services, uow, order_id, status)
            uow.commit()
        request = _load(services, order_id)
        if not request.is_open or request.checkout_url:
            return RequestOutcome(request, "success",
                                  f"{lead}{title} has order {request.merchant_order_id}")
    # Either the provider never got it, or we hold no links: the identical request with the same
    # order ID returns the existing order's answer or is refused as a duplicate.
    try:
        created = _create_call(services, request)
    except DuplicateRequestError:
        return RequestOutcome(request, "warning",
                              f"{lead}order {request.merchant_order_id} exists at {title} "
                              "but its checkout links were lost; close it and create a new one")
    except ProviderError as error:
        _record_call(services, actor, request, "payment_request.resent", error)
        return RequestOutcome(request, "warning",
                              f"{lead}order {request.merchant_order_id} is not confirmed yet "
                              f"({error}); it is kept and checked again, never re-created")
    conflict = _record_created(services, actor, order_id, created)
    if conflict:
        return RequestOutcome(_load(services, order_id), "error",
                              f"{lead}order {request.merchant_order_id} needs review, do not "
                              f"share it: {conflict}")
    return RequestOutcome(_load(services, order_id), "success",
                          f"{lead}order {request.merchant_order_id} confirmed with the same "
                          "order ID")


def _record_created(services: Services, actor: Actor | str, order_id: int,
                    created: CreatedOrder) -> str | None:
    """Record the provider's answer; returns the review note when the provider echoed another
    amount or currency than we asked (then its links are not kept: nobody shares a checkout for
    a sum we did not ask, and the order waits for a person)."""
    now = services.now()
    with services.uow() as uow:
        order = lock_order(uow, order_id=order_id)
        assert order is not None
        order.provider_order_id = order.provider_order_id or created.provider_order_id
        agrees = evidence.check(
            uow, order, target_type="order", target_id=order_id,
            ours=evidence.Figures(order.amount, order.currency),
            theirs=evidence.Figures(created.amount, created.currency),
            source="create answer", now=now, key=order.merchant_order_id)
        links = created.links if agrees else CheckoutLinks()
        order.checkout_url = links.checkout_url
        order.deeplink = links.deeplink
        order.universal_url = links.universal_url
        order.qr_content = links.qr_content
        # Our own expiry is a hard stop: a provider that keeps the payment open longer (Juicyway
        # answers up to 12 hours) does not lengthen it; one that ends it sooner shortens it.
        if created.expires_at is not None:
            order.expires_at = (created.expires_at if order.expires_at is None
                                else min(order.expires_at, created.expires_at))
        order.updated_at = now
        uow.session.add(order)
        audit.record(uow, actor=actor, action="payment_request.sent", target_type="order",
                     target_id=order_id, amount=order.amount, currency=order.currency,
                     idempotency_key=order.merchant_order_id, provider_code="000000",
                     outcome="created", detail={"provider_order_id": created.provider_order_id},
                     at=now)
        uow.commit()
        return None if agrees else order.review_note


def _record_call(services: Services, actor: Actor | str, request: PaymentRequest, action: str,
                 error: ProviderError) -> None:
    with services.uow() as uow:
        audit.record(uow, actor=actor, action=action, target_type="order",
                     target_id=request.id, amount=request.amount, currency=request.currency,
                     idempotency_key=request.merchant_order_id, provider_code=error.code,
                     outcome="unknown" if error.outcome_unknown else "refused",
                     detail=str(error), at=services.now())
        uow.commit()


def _mark_refused(services: Services, order_id: int) -> None:
    # A definite refusal means Binance holds no order under this id: the row is final.
    with services.uow() as uow:
        order = lock_order(uow, order_id=order_id)
        if order is not None and order.status == "INITIAL" and order.provider_order_id is None:
            order.status = "ERROR"
            order.updated_at = services.now()
            uow.session.add(order)
            uow.commit()


# --- closing -------------------------------------------------------------------------------------


def close_refusal(services: Services, request: PaymentRequest) -> str | None:
    """Why the order's provider cannot close it (None when it can), in words for the page."""
    try:
        services.require(request.provider, "close_payment")
    except (NotOfferedError, NotFoundError) as refused:
        return refused.message
    return None


def close_request(services: Services, actor: Actor, order_ref: str | int) -> RequestOutcome:
    """Close an unpaid order. The provider confirms with a "closed" notice; we also query."""
    require(services, actor, "payment_request.close")
    order_id = _order_id(services, order_ref)
    now = services.now()
    with services.uow() as uow:
        if not lock_row(uow, Order, order_id, now):
            raise NotFoundError(f"order {order_ref} disappeared")
        order = uow.session.exec(select(Order).where(Order.id == order_id)
                                 .execution_options(populate_existing=True)).one()
        if order.status not in OPEN:
            raise ConflictError(f"order {order.merchant_order_id} is "
                                f"{_STATUS_WORDS.get(order.status, order.status.lower())}; only an "
                                "unpaid, open order can be closed")
        # Refused before anything is sent when the owning provider has no close (its payments
        # expire by themselves) or is not enabled here.
        caps = services.require(order.provider, "close_payment")
        audit.record(uow, actor=actor, action="order.close_requested", target_type="order",
                     target_id=order_id, amount=order.amount, currency=order.currency,
                     idempotency_key=order.merchant_order_id, outcome="pending", at=now)
        uow.commit()
    request = _load(services, order_id)
    title = caps.title
    try:
        services.provider_for(request.provider).close_order(
            merchant_order_id=request.merchant_order_id, provider_order_id=request.provider_order_id)
    except ProviderError as error:
        _record_call(services, actor, request, "order.close_sent", error)
        refreshed = refresh_request(services, actor, order_id).request
        if isinstance(error, InvalidStatusError):
            return RequestOutcome(refreshed, "error", f"{title} cannot close this order any "
                                  f"more: it is paid or being paid ({error})")
        if error.outcome_unknown:
            return RequestOutcome(refreshed, "warning", "no answer to the close request: the "
                                  f"order is followed and shows Closed once {title} confirms")
        return RequestOutcome(refreshed, "error", f"{title} refused to close it: {error}")
    with services.uow() as uow:
        order = lock_order(uow, order_id=order_id)
        assert order is not None
        # Some providers say "closed" for closes and expiries alike; closed_at says it was ours.
        order.closed_at = order.closed_at or services.now()
        uow.session.add(order)
        audit.record(uow, actor=actor, action="order.close_sent", target_type="order",
                     target_id=order_id, amount=order.amount, currency=order.currency,
                     idempotency_key=order.merchant_order_id, provider_code="000000",
                     outcome="accepted", at=services.now())
        uow.commit()
    refreshed = refresh_request(services, actor, order_id).request
    return RequestOutcome(refreshed, "success",
                          f"close of order {request.merchant_order_id} accepted by {title}")


# --- reading and following -----------------------------------------------------------------------


def refresh_request(services: Services, actor: Actor | str,
                    order_ref: str | int) -> RequestOutcome:
    """Ask Binance for an open order's status and apply it; final orders are not asked again."""
    if isinstance(actor, Actor):
        require(services, actor, "orders.view")
    order_id = _order_id(services, order_ref)
    request = _load(services, order_id)
    if not request.is_open:
        return RequestOutcome(request, "success", "final")
    if not request.confirmed:
        return resolve_request(services, actor, order_id)
    try:
        status = services.provider_for(request.provider).get_order(
            provider_order_id=request.provider_order_id)
    except ProviderError as error:
        return RequestOutcome(request, "warning", f"status check failed: {error}")
    with services.uow() as uow:
        apply_query_result(services, uow, order_id, status)
        uow.commit()
    return RequestOutcome(_load(services, order_id), "success", "checked")


def simulate_customer_payment(services: Services, actor: Actor, order_ref: str | int) -> str:
    """Sandbox only: the customer pays; the provider reports it the way it reports any payment
    (a notification a few seconds later; a weakly signed one is confirmed by a query first)."""
    require(services, actor, "payment_request.create")
    request = get_request(services, actor, order_ref)
    sandbox = services.sandbox_for(request.provider)
    if sandbox is None:
        raise ConflictError("customers can only be simulated in sandbox mode")
    if not isinstance(sandbox, SimulatedCustomer):
        raise ConflictError(f"the {_title(services, request)} sandbox cannot simulate a "
                            "customer from this page yet")
    try:
        sandbox.customer_pays(merchant_order_id=request.merchant_order_id,
                              provider_order_id=request.provider_order_id)
    except SandboxRefusal as error:
        raise ConflictError(f"the sandbox refused the payment: {error}") from None
    return (f"sandbox customer paid order {request.merchant_order_id}; "
            f"{_title(services, request)} reports it in a few seconds")


def get_request(services: Services, actor: Actor, order_ref: str | int) -> PaymentRequest:
    require(services, actor, "orders.view")
    return _load(services, _order_id(services, order_ref))


def recent_requests(services: Services, actor: Actor, *, limit: int = 20) -> list[PaymentRequest]:
    """Orders created from this page (they carry who asked), newest first."""
    require(services, actor, "orders.view")
    with services.uow() as uow:
        rows = uow.session.exec(
            select(Order, User.username).join(User, col(Order.created_by_id) == User.id)
            # Spelled out so both stores pick the partial index holding only these orders.
            .where(col(Order.created_by_id).is_not(None))
            .order_by(col(Order.created_at).desc(), col(Order.id).desc()).limit(limit)).all()
        return [_view(order, name) for order, name in rows]


def _order_id(services: Services, order_ref: str | int) -> int:
    with services.uow() as uow:
        order = find_order(uow.session, str(order_ref))
        if order is None or order.id is None:
            raise NotFoundError(f"no order with this id, order ID or provider order ID '{order_ref}'")
        return order.id


def _load(services: Services, order_id: int) -> PaymentRequest:
    with services.uow() as uow:
        order = uow.session.get(Order, order_id)
        if order is None:
            raise NotFoundError(f"order {order_id} does not exist")
        user = uow.session.get(User, order.created_by_id) if order.created_by_id else None
        return _view(order, user.username if user else None)


def _view(order: Order, created_by: str | None) -> PaymentRequest:
    assert order.id is not None
    return PaymentRequest(
        id=order.id, merchant_order_id=order.merchant_order_id,
        provider_order_id=order.provider_order_id,
        amount=order.amount, currency=order.currency, product_name=order.product_name,
        customer_email=order.customer_email, status=order.status,
        checkout_url=order.checkout_url, deeplink=order.deeplink,
        universal_url=order.universal_url, qr_content=order.qr_content,
        created_at=order.created_at, expires_at=order.expires_at, paid_at=order.paid_at,
        closed_at=order.closed_at, created_by=created_by, provider=order.provider,
        customer_first_name=order.customer_first_name,
        customer_last_name=order.customer_last_name, customer_phone=order.customer_phone,
        customer_country=order.customer_country)


def _title(services: Services, request: PaymentRequest) -> str:
    """The owning provider's name for people."""
    return services.providers.title(request.provider or services.providers.default_name)
