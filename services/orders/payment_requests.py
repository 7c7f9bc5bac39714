"""Payment requests: an operator asks a customer to pay through a Binance Pay checkout.

Creating an order and closing one follow the money-movement shape of the design: the intent
(the Order row under a new merchantTradeNo, or the close request) and its audit entry are
committed first, the provider is called with no transaction open, and the answer is recorded in
a second transaction. A create that times out keeps its row (INITIAL, no prepayId) and is
resolved with the SAME merchantTradeNo: by query, and by repeating the identical request, which
Binance answers for the existing order or refuses as a duplicate; it never makes a second order.

Statuses are applied only through services.orders.events, so webhooks, the sync worker and this
module share one set of rules.
"""

from __future__ import annotations

import re
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
from services.core.errors import ConflictError, InputError, MoneyError, NotFoundError
from services.core.money import positive_amount
from services.orders.events import OPEN, apply_query_result, lock_order
from services.providers.base import CreatedOrder
from services.providers.errors import SandboxRefusal
from services.providers.errors import DuplicateRequestError, InvalidStatusError, ProviderError
from services.providers.errors import NotFoundError as ProviderNotFound
from services.core.refusals import require
from services.core.row_locks import lock_row

#: What Binance Pay v3 accepts and the product knows (fiat orders would convert to USDT).
CURRENCIES: tuple[str, ...] = ("USDT", "USDC", "FDUSD", "BNB", "BTC", "ETH")
#: Binance closes an unpaid order after at most one hour, so a longer expiry is refused up front.
EXPIRY_MINUTES_MAX = 60
EXPIRY_MINUTES_DEFAULT = 15
PRODUCT_MAX = 256
EMAIL_MAX = 254
#: Order statuses as words in messages people read.
_STATUS_WORDS = {"INITIAL": "not sent yet", "PENDING": "awaiting payment", "PAID": "paid",
                 "CANCELED": "closed", "EXPIRED": "expired", "ERROR": "failed",
                 "REFUNDING": "being refunded", "REFUNDED": "partially refunded",
                 "FULL_REFUNDED": "refunded"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# goodsName refuses backslashes, double quotes and emoji; refusing here names the field.
_BAD_PRODUCT = re.compile(r'[\\"\U00010000-\U0010FFFF]')


class PaymentRequestInvalid(InputError):
    """Every problem with the form at once, by field, so the page can mark each input."""

    def __init__(self, problems: dict[str, str]) -> None:
        first = next(iter(problems))
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()), field=first)
        self.problems = problems

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class PaymentRequest:
    id: int
    merchant_trade_no: str
    prepay_id: str | None
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

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def confirmed(self) -> bool:
        """False while a timed-out create is not resolved: Binance may or may not have it."""
        return self.prepay_id is not None


@dataclass(frozen=True)
class RequestOutcome:
    request: PaymentRequest
    kind: str  # success | warning | error
    message: str


def new_merchant_trade_no() -> str:
    return "PR" + uuid.uuid4().hex[:30]  # Binance: at most 32 letters and digits


def validate(*, amount: object, currency: str, product: str, customer_email: str,
             expiry_minutes: object) -> tuple[Decimal, str, str, str, int]:
    """The form, checked field by field; raises PaymentRequestInvalid naming every bad field."""
    problems: dict[str, str] = {}
    code = (currency or "").strip().upper()
    value: Decimal | None = None
    if code not in CURRENCIES:
        problems["currency"] = f"choose one of {', '.join(CURRENCIES)}"
    else:
        try:
            value = positive_amount("" if amount is None else amount, code)
        except MoneyError as error:
            problems["amount"] = error.message
    name = (product or "").strip()
    if not name:
        problems["product"] = "say what the customer pays for"
    elif len(name) > PRODUCT_MAX:
        problems["product"] = f"keep it under {PRODUCT_MAX} characters"
    elif _BAD_PRODUCT.search(name):
        problems["product"] = "Binance Pay refuses backslashes, double quotes and emoji here"
    email = (customer_email or "").strip()
    if not email:
        problems["customer_email"] = "enter the customer's email address"
    elif len(email) > EMAIL_MAX or not _EMAIL.match(email):
        problems["customer_email"] = f"'{email}' is not an email address"
    minutes = 0
    try:
        minutes = int(str(expiry_minutes).strip())
    except ValueError:
        problems["expiry_minutes"] = "enter whole minutes"
    else:
        if not 1 <= minutes <= EXPIRY_MINUTES_MAX:
            problems["expiry_minutes"] = (f"between 1 and {EXPIRY_MINUTES_MAX} minutes "
                                          "(Binance Pay closes unpaid orders after an hour)")
    if problems:
        raise PaymentRequestInvalid(problems)
    assert value is not None
    return value, code, name, email, minutes


def create_request(services: Services, actor: Actor, *, amount: object, currency: str,
                   product: str, customer_email: str,
                   expiry_minutes: object = EXPIRY_MINUTES_DEFAULT) -> RequestOutcome:
    require(services, actor, "payment_request.create")
    value, code, name, email, minutes = validate(
        amount=amount, currency=currency, product=product, customer_email=customer_email,
        expiry_minutes=expiry_minutes)
    now = services.now()
    # Whole seconds: a repeat of the create must carry exactly the same orderExpireTime.
    expires = (now + timedelta(minutes=minutes)).replace(microsecond=0)
    with services.uow() as uow:
        order = Order(merchant_trade_no=new_merchant_trade_no(), provider=services.provider.name,
                      amount=value, currency=code, status="INITIAL", customer_email=email,
                      product_name=name, created_by_id=actor.user_id, created_at=now,
                      updated_at=now, expires_at=expires)
        uow.session.add(order)
        uow.session.flush()
        audit.record(uow, actor=actor, action="payment_request.created", target_type="order",
                     target_id=order.id, amount=value, currency=code,
                     idempotency_key=order.merchant_trade_no, outcome="pending", at=now,
                     detail={"product": name, "customer_email": email,
                             "expires_at": expires.isoformat()})
        uow.commit()
        order_id = order.id
    assert order_id is not None
    return _send_create(services, actor, order_id)


def _create_call(services: Services, order: PaymentRequest) -> CreatedOrder:
    # Built only from the stored row, so every repeat is byte-for-byte the same request.
    return services.provider.create_order(
        merchant_order_id=order.merchant_trade_no, amount=order.amount, currency=order.currency,
        description=order.product_name, goods_name=order.product_name,
        expires_at=order.expires_at)


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
                              f"Binance Pay refused the order: {error}")
    _record_created(services, actor, order_id, created)
    return RequestOutcome(_load(services, order_id), "success",
                          f"order {request.merchant_trade_no} created; share the link or QR code")


def resolve_request(services: Services, actor: Actor | str, order_id: int, *,
                    after: ProviderError | None = None) -> RequestOutcome:
    """Settle a create whose answer never came, with the stored merchantTradeNo only."""
    if isinstance(actor, Actor):
        require(services, actor, "orders.view")
    request = _load(services, order_id)
    lead = f"no answer from Binance Pay ({after}); " if after else ""
    try:
        status = services.provider.get_order(merchant_order_id=request.merchant_trade_no)
    except ProviderNotFound:
        status = None
    except ProviderError as error:
        return RequestOutcome(request, "warning",
                              f"{lead}checking order {request.merchant_trade_no} failed too "
                              f"({error}); it is kept and checked again, never re-created")
    if status is not None:
        with services.uow() as uow:
            apply_query_result(services, uow, order_id, status)
            uow.commit()
        request = _load(services, order_id)
        if not request.is_open or request.checkout_url:
            return RequestOutcome(request, "success",
                                  f"{lead}Binance Pay has order {request.merchant_trade_no}")
    # Either Binance never got it, or we hold no links: the identical request with the same
    # merchantTradeNo returns the existing order's answer or is refused as a duplicate.
    try:
        created = _create_call(services, request)
    except DuplicateRequestError:
        return RequestOutcome(request, "warning",
                              f"{lead}order {request.merchant_trade_no} exists at Binance Pay "
                              "but its checkout links were lost; close it and create a new one")
    except ProviderError as error:
        _record_call(services, actor, request, "payment_request.resent", error)
        return RequestOutcome(request, "warning",
                              f"{lead}order {request.merchant_trade_no} is not confirmed yet "
                              f"({error}); it is kept and checked again, never re-created")
    _record_created(services, actor, order_id, created)
    return RequestOutcome(_load(services, order_id), "success",
                          f"{lead}order {request.merchant_trade_no} confirmed with the same "
                          "merchantTradeNo")


def _record_created(services: Services, actor: Actor | str, order_id: int,
                    created: CreatedOrder) -> None:
    now = services.now()
    with services.uow() as uow:
        order = lock_order(uow, order_id=order_id)
        assert order is not None
        order.prepay_id = order.prepay_id or created.provider_order_id
        links = created.links
        order.checkout_url = links.checkout_url
        order.deeplink = links.deeplink
        order.universal_url = links.universal_url
        order.qr_content = links.qr_content
        order.expires_at = created.expires_at or order.expires_at
        order.updated_at = now
        uow.session.add(order)
        audit.record(uow, actor=actor, action="payment_request.sent", target_type="order",
                     target_id=order_id, amount=order.amount, currency=order.currency,
                     idempotency_key=order.merchant_trade_no, provider_code="000000",
                     outcome="created", detail={"prepay_id": created.provider_order_id}, at=now)
        uow.commit()


def _record_call(services: Services, actor: Actor | str, request: PaymentRequest, action: str,
                 error: ProviderError) -> None:
    with services.uow() as uow:
        audit.record(uow, actor=actor, action=action, target_type="order",
                     target_id=request.id, amount=request.amount, currency=request.currency,
                     idempotency_key=request.merchant_trade_no, provider_code=error.code,
                     outcome="unknown" if error.outcome_unknown else "refused",
                     detail=str(error), at=services.now())
        uow.commit()


def _mark_refused(services: Services, order_id: int) -> None:
    # A definite refusal means Binance holds no order under this id: the row is final.
    with services.uow() as uow:
        order = lock_order(uow, order_id=order_id)
        if order is not None and order.status == "INITIAL" and order.prepay_id is None:
            order.status = "ERROR"
            order.updated_at = services.now()
            uow.session.add(order)
            uow.commit()


# --- closing -------------------------------------------------------------------------------------


def close_request(services: Services, actor: Actor, order_ref: str | int) -> RequestOutcome:
    """Close an unpaid order. Binance confirms with a PAY_CLOSED webhook; we also query."""
    require(services, actor, "payment_request.close")
    order_id = _order_id(services, order_ref)
    now = services.now()
    with services.uow() as uow:
        if not lock_row(uow, Order, order_id, now):
            raise NotFoundError(f"order {order_ref} disappeared")
        order = uow.session.exec(select(Order).where(Order.id == order_id)
                                 .execution_options(populate_existing=True)).one()
        if order.status not in OPEN:
            raise ConflictError(f"order {order.merchant_trade_no} is "
                                f"{_STATUS_WORDS.get(order.status, order.status.lower())}; only an "
                                "unpaid, open order can be closed")
        if order.provider != services.provider.name:
            raise ConflictError(f"order {order.merchant_trade_no} belongs to {order.provider}")
        audit.record(uow, actor=actor, action="order.close_requested", target_type="order",
                     target_id=order_id, amount=order.amount, currency=order.currency,
                     idempotency_key=order.merchant_trade_no, outcome="pending", at=now)
        uow.commit()
    request = _load(services, order_id)
    try:
        services.provider.close_order(merchant_order_id=request.merchant_trade_no,
                                      provider_order_id=request.prepay_id)
    except ProviderError as error:
        _record_call(services, actor, request, "order.close_sent", error)
        refreshed = refresh_request(services, actor, order_id).request
        if isinstance(error, InvalidStatusError):
            return RequestOutcome(refreshed, "error", "Binance Pay cannot close this order any "
                                  f"more: it is paid or being paid ({error})")
        if error.outcome_unknown:
            return RequestOutcome(refreshed, "warning", "no answer to the close request: the "
                                  "order is followed and shows Closed once Binance confirms")
        return RequestOutcome(refreshed, "error", f"Binance Pay refused to close it: {error}")
    with services.uow() as uow:
        order = lock_order(uow, order_id=order_id)
        assert order is not None
        # Binance sends PAY_CLOSED for closes and expiries alike; closed_at says it was ours.
        order.closed_at = order.closed_at or services.now()
        uow.session.add(order)
        audit.record(uow, actor=actor, action="order.close_sent", target_type="order",
                     target_id=order_id, amount=order.amount, currency=order.currency,
                     idempotency_key=order.merchant_trade_no, provider_code="000000",
                     outcome="accepted", at=services.now())
        uow.commit()
    refreshed = refresh_request(services, actor, order_id).request
    return RequestOutcome(refreshed, "success",
                          f"close of order {request.merchant_trade_no} accepted by Binance Pay")


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
        status = services.provider.get_order(provider_order_id=request.prepay_id)
    except ProviderError as error:
        return RequestOutcome(request, "warning", f"status check failed: {error}")
    with services.uow() as uow:
        apply_query_result(services, uow, order_id, status)
        uow.commit()
    return RequestOutcome(_load(services, order_id), "success", "checked")


def simulate_customer_payment(services: Services, actor: Actor, order_ref: str | int) -> str:
    """Sandbox only: the customer pays; Binance reports PAID a few seconds later."""
    require(services, actor, "payment_request.create")
    request = get_request(services, actor, order_ref)
    if services.sandbox is None:
        raise ConflictError("customers can only be simulated in sandbox mode")
    try:
        services.sandbox.pay_order(prepay_id=request.prepay_id,
                                   merchant_trade_no=request.merchant_trade_no)
    except SandboxRefusal as error:
        raise ConflictError(f"the sandbox refused the payment: {error}") from None
    return f"sandbox customer paid order {request.merchant_trade_no}; settling in a few seconds"


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
            raise NotFoundError(f"no order with id, merchantTradeNo or prepayId '{order_ref}'")
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
        id=order.id, merchant_trade_no=order.merchant_trade_no, prepay_id=order.prepay_id,
        amount=order.amount, currency=order.currency, product_name=order.product_name,
        customer_email=order.customer_email, status=order.status,
        checkout_url=order.checkout_url, deeplink=order.deeplink,
        universal_url=order.universal_url, qr_content=order.qr_content,
        created_at=order.created_at, expires_at=order.expires_at, paid_at=order.paid_at,
        closed_at=order.closed_at, created_by=created_by)
