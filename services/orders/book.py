"""The order book: search with keyset pages, one order's full story, filters as URL parameters.

Dates and times that people type are local to the configured zone; they become UTC bounds here,
once, so the store and every entry point (page, command line, export) agree on what "the 3rd" is.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from data.queries import day_totals
from data.queries import order_search as q
from data.types import MONEY_SCALE
from services.core.access import Actor
from services.core.context import Services
from services.core.errors import InputError, NotFoundError
from services.core.money import check_magnitude
from services.core.money import parse_amount as parse_money_amount
from services.core.refusals import require
from services.core.search_text import search_text

SortKey = Literal["created_at", "amount"]
SORTS: dict[str, tuple[SortKey, bool]] = {
    "newest": ("created_at", True),
    "oldest": ("created_at", False),
    "amount_desc": ("amount", True),
    "amount_asc": ("amount", False),
}
DEFAULT_SORT = "newest"
PAGE_SIZES = (25, 50, 100, 250)
MAX_PAGE_SIZE = 500
KNOWN_STATUSES = (
    "INITIAL", "PENDING", "PAID", "CANCELED", "EXPIRED", "ERROR",
    "REFUNDING", "REFUNDED", "FULL_REFUNDED",
)


@dataclass(frozen=True)
class OrderFilters:
    """What the user asked for. Dates are calendar days in the configured zone, both included;
    a time narrows the first/last day (`time_to` is exclusive)."""

    statuses: tuple[str, ...] = ()
    currencies: tuple[str, ...] = ()
    providers: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    time_from: time | None = None
    time_to: time | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    text: str | None = None

    def utc_bounds(self, zone: Any) -> tuple[datetime | None, datetime | None]:
        lower = upper = None
        if self.date_from is not None:
            lower = datetime.combine(self.date_from, self.time_from or time.min, zone)
        if self.date_to is not None:
            upper = (
                datetime.combine(self.date_to, self.time_to, zone)
                if self.time_to is not None
                else datetime.combine(self.date_to + timedelta(days=1), time.min, zone)
            )
        return lower, upper

    def criteria(self, zone: Any) -> q.OrderCriteria:
        lower, upper = self.utc_bounds(zone)
        if lower is not None and upper is not None and lower >= upper:
            raise InputError("the start is not before the end; pick a later end", field="created")
        if (self.amount_min is not None and self.amount_max is not None
                and self.amount_min > self.amount_max):
            raise InputError("the minimum amount is above the maximum; swap them", field="amount")
        text = search_text(self.text)
        for value, name in ((self.amount_min, "min amount"), (self.amount_max, "max amount")):
            if value is not None:
                _check_filter_amount(value, name)
        return q.OrderCriteria(
            statuses=self.statuses, currencies=self.currencies, providers=self.providers,
            created_from_utc=lower.astimezone(UTC) if lower else None,
            created_to_utc=upper.astimezone(UTC) if upper else None,
            amount_min=self.amount_min, amount_max=self.amount_max, text=text,
        )


@dataclass(frozen=True)
class OrderRow:
    id: int
    merchant_order_id: str
    provider_order_id: str | None
    transaction_id: str | None
    provider: str
    amount: Decimal
    currency: str
    status: str
    customer_email: str | None
    payer_id: str | None
    product_name: str
    product_type: str | None
    fee: Decimal | None
    refunded_amount: Decimal
    created_at: datetime  # in the configured zone, like every time below
    updated_at: datetime
    expires_at: datetime | None
    paid_at: datetime | None
    closed_at: datetime | None
    review_note: str | None = None  # provider news disagreed with our figures (services.inbound.evidence)
    provider_status: str | None = None  # the provider's own word, as last applied (migration 0013)


@dataclass(frozen=True)
class OrderPage:
    rows: list[OrderRow]
    sort: str
    page_size: int
    timezone: str
    next_token: str | None  # pass as page_after for the following page
    previous_token: str | None  # pass as page_before for the page before


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    kind: str  # order | refund | webhook | audit
    title: str
    detail: str = ""
    outcome: str = "ok"  # ok | failed | pending | info
    # The same facts unjoined, for a screen to format (detail above is the plain-text form).
    amount: Decimal | None = None
    currency: str = ""
    code: str = ""  # the audit action or the refund status behind the title
    reason: str = ""  # a refund's reason code
    parts: tuple[str, ...] = ()  # other readable pieces, in order
    data: str = ""  # an audit entry's stored detail (JSON or text)


@dataclass(frozen=True)
class RefundInfo:
    refund_request_id: str
    amount: Decimal
    currency: str
    status: str
    reason: str
    created_at: datetime
    completed_at: datetime | None
    review_note: str | None = None


@dataclass(frozen=True)
class OrderDetail:
    order: OrderRow
    links: dict[str, str | None]
    refunds: list[RefundInfo]
    timeline: list[TimelineEvent] = field(default_factory=list)
    timezone: str = "UTC"
    #: Who was asked to pay, as the provider was told (name, phone, country), where it was.
    payer: dict[str, str | None] = field(default_factory=dict)


# --- search --------------------------------------------------------------------------------------

_ROW_FIELDS = tuple(OrderRow.__dataclass_fields__)
_TIME_FIELDS = ("created_at", "updated_at", "expires_at", "paid_at", "closed_at")


def _to_row(raw: Any, zone: Any) -> OrderRow:
    values = dict(raw._mapping)
    data = {name: values.get(name) for name in _ROW_FIELDS}
    for name in _TIME_FIELDS:
        if data[name] is not None:
            data[name] = data[name].astimezone(zone)
    return OrderRow(**data)


def _encode(sort: str, key: q.Keyset) -> str:
    value = key.value
    value = value.astimezone(UTC).isoformat() if isinstance(value, datetime) else str(value)
    raw = json.dumps([sort, value, key.id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str, sort: str) -> q.Keyset:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        token_sort, value, row_id = json.loads(raw)
        column = SORTS[token_sort][0]
        parsed = datetime.fromisoformat(value) if column == "created_at" else Decimal(value)
    except (ValueError, KeyError, TypeError, InvalidOperation):
        raise InputError("the page link is damaged; start again from the first page",
                         field="page") from None
    if token_sort != sort:
        raise InputError("the page link belongs to another sort order; start from the first page",
                         field="page")
    return q.Keyset(parsed, int(row_id))


def search_orders(
    services: Services,
    actor: Actor,
    *,
    filters: OrderFilters,
    sort: str = DEFAULT_SORT,
    page_after: str | None = None,
    page_before: str | None = None,
    page_size: int = 50,
) -> OrderPage:
    """One page of matching orders; the first page when neither token is given."""
    require(services, actor, "orders.view")
    if sort not in SORTS:
        raise InputError(f"unknown sort '{sort}'; use one of {', '.join(SORTS)}", field="sort")
    if page_after and page_before:
        raise InputError("ask for the page after or the page before, not both", field="page")
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    column, descending = SORTS[sort]
    zone = services.settings.zone
    criteria = filters.criteria(zone)
    after = _decode(page_after, sort) if page_after else None
    before = _decode(page_before, sort) if page_before else None
    with services.uow() as uow:
        # One extra row tells whether there is anything beyond this page.
        raw = q.page_rows(uow.session, criteria, sort=column, descending=descending,
                          after=after, before=before, limit=page_size + 1)
    more = len(raw) > page_size
    if before is not None:
        raw = raw[1:] if more else raw
        has_next, has_previous = True, more
    else:
        raw = raw[:page_size]
        has_next, has_previous = more, after is not None
    rows = [_to_row(r, zone) for r in raw]
    next_token = previous_token = None
    if rows and has_next:
        next_token = _encode(sort, q.Keyset(getattr(raw[-1], column), rows[-1].id))
    if rows and has_previous:
        previous_token = _encode(sort, q.Keyset(getattr(raw[0], column), rows[0].id))
    return OrderPage(rows, sort, page_size, zone.key, next_token, previous_token)


def count_orders(services: Services, actor: Actor, *, filters: OrderFilters) -> int:
    require(services, actor, "orders.view")
    zone = services.settings.zone
    criteria = filters.criteria(zone)
    whole_days = (filters.time_from in (None, time.min) and filters.time_to is None
                  and criteria.amount_min is None and criteria.amount_max is None
                  and criteria.text is None)
    with services.uow() as uow:
        if whole_days and day_totals.recorded_zone(uow.session) == zone.key:
            # Whole local days by status, currency and provider: the day totals have the count.
            return day_totals.count_orders(
                uow.session, start=filters.date_from, end=filters.date_to,
                statuses=filters.statuses, currencies=filters.currencies,
                providers=filters.providers)
        return q.count_rows(uow.session, criteria)


def filter_choices(services: Services, actor: Actor) -> dict[str, list[str]]:
    """Values present in the store for the status, currency and provider filters."""
    require(services, actor, "orders.view")
    with services.uow() as uow:
        present = {name: q.distinct_values(uow.session, name)
                   for name in ("status", "currency", "provider")}
    present["status"] = sorted(set(present["status"]) | set(KNOWN_STATUSES),
                               key=lambda s: (s not in KNOWN_STATUSES, KNOWN_STATUSES.index(s)
                                              if s in KNOWN_STATUSES else 0, s))
    return present


# --- one order -----------------------------------------------------------------------------------


def get_order_detail(services: Services, actor: Actor, order_ref: str | int) -> OrderDetail:
    """Everything about one order (by id, order ID or provider order ID), with its timeline."""
    require(services, actor, "orders.view")
    zone = services.settings.zone
    with services.uow() as uow:
        order = q.find_order(uow.session, str(order_ref))
        if order is None:
            raise NotFoundError(f"no order with this id, order ID or provider order ID '{order_ref}'")
        refunds = q.refunds_for(uow.session, order.id or 0)
        refund_ids = [r.refund_request_id for r in refunds]
        payer = {"Customer name": " ".join(p for p in (order.customer_first_name,
                                                       order.customer_last_name) if p) or None,
                 "Customer phone": order.customer_phone,
                 "Customer country": order.customer_country}
        webhooks = q.webhooks_for(
            uow.session, [order.provider_order_id or "", order.merchant_order_id, *refund_ids]
        )
        audits = q.audit_for(
            uow.session,
            order_refs=[str(order.id), order.merchant_order_id, order.provider_order_id or ""],
            refund_refs=refund_ids,
        )
        row = OrderRow(**{
            name: (getattr(order, name).astimezone(zone)
                   if name in _TIME_FIELDS and getattr(order, name) is not None
                   else getattr(order, name))
            for name in _ROW_FIELDS
        })
        links = {"Checkout URL": order.checkout_url, "Deeplink": order.deeplink,
                 "Universal link": order.universal_url, "QR content": order.qr_content}
        infos = [RefundInfo(r.refund_request_id, r.amount, r.currency, r.status, r.reason,
                            r.created_at.astimezone(zone),
                            r.completed_at.astimezone(zone) if r.completed_at else None,
                            r.review_note)
                 for r in refunds]
        events = _timeline(row, refunds, webhooks, audits, zone)
    return OrderDetail(row, links, infos, events, zone.key,
                       {k: v for k, v in payer.items() if v})


def _timeline(order: OrderRow, refunds: list[Any], webhooks: list[Any], audits: list[Any],
              zone: Any) -> list[TimelineEvent]:
    money = f"{order.amount:f} {order.currency}"
    paid = {"amount": order.amount, "currency": order.currency}
    events = [TimelineEvent(order.created_at, "order", "Order created",
                            f"{money} · {order.product_name}".rstrip(" ·"), "info", **paid,
                            parts=(order.product_name,) if order.product_name else ())]
    if order.paid_at:
        events.append(TimelineEvent(order.paid_at, "order", "Paid", money, "ok", **paid))
    if order.status == "EXPIRED":
        events.append(TimelineEvent(order.expires_at or order.updated_at, "order", "Expired",
                                    "The customer did not pay before the order expired.", "failed"))
    if order.closed_at or order.status == "CANCELED":
        events.append(TimelineEvent(order.closed_at or order.updated_at, "order", "Closed",
                                    "Closed before payment.", "failed"))
    if order.status == "ERROR":
        events.append(TimelineEvent(order.updated_at, "order", "Failed",
                                    "The provider reported an error for this order.", "failed"))
    for r in refunds:
        amount = f"{r.amount:f} {r.currency}"
        refunded = {"amount": r.amount, "currency": r.currency}
        events.append(TimelineEvent(r.created_at.astimezone(zone), "refund", "Refund requested",
                                    f"{amount} · {r.reason} · {r.refund_request_id}", "pending",
                                    **refunded, reason=r.reason or "",
                                    parts=(r.refund_request_id,)))
        if r.completed_at:
            outcome = "ok" if r.status == "SUCCESS" else "failed"
            detail = amount if outcome == "ok" else (
                f"{amount} · {r.error_code or ''} {r.error_message or ''}")
            errors = () if outcome == "ok" else tuple(
                x for x in (r.error_code, r.error_message) if x)
            events.append(TimelineEvent(r.completed_at.astimezone(zone), "refund",
                                        f"Refund {r.status.lower()}", detail.strip(), outcome,
                                        **refunded, code=r.status, parts=errors))
    for w in webhooks:
        valid = "signature valid" if w.signature_valid else "signature not valid"
        events.append(TimelineEvent(
            w.received_at.astimezone(zone), "webhook", _webhook_title(w.outcome, w.provider_status),
            f"{valid} · {_words(w.outcome) or 'not handled yet'}"
            + (" · repeat of an earlier notice" if w.duplicate_of_id else ""),
            "ok" if w.signature_valid else "failed",
        ))
    for a in audits:
        detail = " · ".join(x for x in (
            f"by {a.actor_name}",
            f"{a.amount:f} {a.currency}" if a.amount is not None else "",
            a.provider_code or "", a.detail or "") if x)
        events.append(TimelineEvent(
            a.at.astimezone(zone), "audit", a.action, detail, _audit_outcome(a.outcome),
            amount=a.amount, currency=a.currency or "", code=a.action,
            parts=tuple(x for x in (f"by {a.actor_name}",
                                    f"provider code {a.provider_code}" if a.provider_code
                                    else "") if x),
            data=a.detail or ""))
    return sorted(events, key=lambda e: e.at)


#: What provider news did here, in words: read from our outcome, the same for every provider
#: (the provider's own codes stay in the webhook log).
_NEWS_TITLES = {"paid": "Payment succeeded", "canceled": "Order closed",
                "expired": "Order expired", "error": "Payment failed",
                "pending": "Customer opened the checkout",
                "refund_success": "Refund succeeded", "refund_fail": "Refund failed",
                "refund_refunding": "Refund under way"}


def _words(code: str | None) -> str:
    return (code or "").replace("_", " ").strip().lower()


def _webhook_title(outcome: str | None, provider_status: str | None) -> str:
    applied = (outcome or "").removeprefix("confirmed:")
    title = _NEWS_TITLES.get(applied)
    if title is None:
        title = f"Provider notice: {_words(provider_status) or 'no status'}"
    return f"{title} (webhook)"


def _audit_outcome(outcome: str) -> str:
    # Audit outcomes are free text ("ok", a provider status, "locked"...): map the clear cases.
    word = outcome.lower()
    if word in ("ok", "success", "paid", "applied", "approved"):
        return "ok"
    if any(bad in word for bad in ("fail", "error", "denied", "reject", "conflict")):
        return "failed"
    return "info"


# --- filters <-> URL query parameters ------------------------------------------------------------


def _stamp(day: date | None, moment: time | None) -> str | None:
    if day is None:
        return None
    return day.isoformat() if moment is None else f"{day.isoformat()}T{moment.strftime('%H:%M')}"


def filters_to_params(filters: OrderFilters) -> dict[str, str]:
    """Only what is set, as short, readable parameters (a shared link should be legible)."""
    params = {
        "status": ",".join(filters.statuses),
        "currency": ",".join(filters.currencies),
        "provider": ",".join(filters.providers),
        "from": _stamp(filters.date_from, filters.time_from),
        "to": _stamp(filters.date_to, filters.time_to),
        "min": None if filters.amount_min is None else f"{filters.amount_min:f}",
        "max": None if filters.amount_max is None else f"{filters.amount_max:f}",
        "q": (filters.text or "").strip(),
    }
    return {k: v for k, v in params.items() if v}


FILTER_PARAMS = ("status", "currency", "provider", "from", "to", "min", "max", "q")


def parse_local_stamp(value: str, name: str) -> tuple[date, time | None]:
    try:
        if "T" in value or " " in value:
            moment = datetime.fromisoformat(value.replace(" ", "T"))
            return moment.date(), moment.time().replace(second=0, microsecond=0)
        return date.fromisoformat(value), None
    except ValueError:
        raise InputError(f"'{value}' is not a date (YYYY-MM-DD) or date and time "
                         "(YYYY-MM-DDTHH:MM)", field=name) from None


def parse_amount(value: str, name: str) -> Decimal:
    """A filter bound, read like every other amount (money.parse_amount, at the store's scale)."""
    return parse_money_amount(value, None, field=name)


def _check_filter_amount(amount: Decimal, name: str) -> None:
    """Amounts PayDesk can store: at most 8 decimals and below the largest recordable amount."""
    check_magnitude(amount, field=name)
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MONEY_SCALE:
        raise InputError(f"{amount:f} has more than {MONEY_SCALE} decimal places; no amount "
                         "is that precise, round it", field=name)


def _codes(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip().upper() for p in value.split(",") if p.strip()))


def filters_from_params(params: Mapping[str, str]) -> tuple[OrderFilters, list[str]]:
    """(filters, problems): a bad parameter is dropped and named; the rest of the view works."""
    problems: list[str] = []
    filters = OrderFilters(
        statuses=_codes(params.get("status", "")),
        currencies=_codes(params.get("currency", "")),
        providers=tuple(p.lower() for p in _codes(params.get("provider", ""))),
    )
    try:
        filters = replace(filters, text=search_text(params.get("q"), field="q"))
    except InputError as error:
        problems.append(str(error))
    for name, date_field, time_field in (("from", "date_from", "time_from"),
                                         ("to", "date_to", "time_to")):
        if params.get(name):
            try:
                day, moment = parse_local_stamp(params[name], name)
                filters = replace(filters, **{date_field: day, time_field: moment})
            except InputError as error:
                problems.append(str(error))
    for name, attr in (("min", "amount_min"), ("max", "amount_max")):
        if params.get(name):
            try:
                filters = replace(filters, **{attr: parse_amount(params[name], name)})
            except InputError as error:
                problems.append(str(error))
    return filters, problems
