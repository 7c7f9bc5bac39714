"""Display formatting: the only place that turns numbers into text for people."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from services.core.money import FIAT_DECIMALS, STABLECOINS

STATUS_LABELS: dict[str, str] = {
    "INITIAL": "Created",
    "PENDING": "Awaiting payment",
    "PAID": "Paid",
    "CANCELED": "Closed",
    "EXPIRED": "Expired",
    "ERROR": "Failed",
    "REFUNDING": "Refund in progress",
    "REFUNDED": "Partially refunded",
    "FULL_REFUNDED": "Refunded",
}


def format_amount(amount: Decimal, *, min_places: int = 2) -> str:
    """Thousands separators, every significant decimal kept, at least `min_places` shown."""
    normalized = amount.normalize()
    exponent = normalized.as_tuple().exponent
    places = max(min_places, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    return f"{amount:,.{places}f}"


def format_money(amount: Decimal, currency: str) -> str:
    return f"{format_amount(amount)} {currency}"


def places_per_currency(amounts: Iterable[tuple[Decimal | None, str]], *,
                        min_places: int = 2) -> dict[str, int]:
    """Per currency, the decimals that show every one of its amounts exactly."""
    places: dict[str, int] = {}
    for amount, currency in amounts:
        if amount is None:
            continue
        exponent = amount.normalize().as_tuple().exponent
        needed = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        places[currency] = max(places.get(currency, min_places), needed)
    return places


def money_column(amounts: Iterable[tuple[Decimal | None, str]]) -> list[str]:
    """A table column of amounts with one number of decimals per currency, so the digits of
    32.657 USDT and 19.270 USDT line up; never rounded (the most precise amount sets the places)."""
    pairs = list(amounts)
    places = places_per_currency(pairs)
    return [EMPTY if amount is None else f"{amount:,.{places[currency]}f} {currency}"
            for amount, currency in pairs]


def format_tile_amount(amount: Decimal, currency: str) -> str:
    """A short, rounded figure for a KPI tile; tables and exports carry the exact amount."""
    places = 2 if currency in STABLECOINS or currency in FIAT_DECIMALS else 4
    rounded = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    return f"{rounded:,.{places}f}"


def format_percent(value: Decimal | None, *, places: int = 1) -> str:
    if value is None:
        return "n/a"
    return f"{value * 100:.{places}f}%"


def format_change(value: Decimal | None) -> str | None:
    """A relative change as '+12.3%', or None when there is nothing to compare against."""
    if value is None:
        return None
    return f"{value * 100:+.1f}%"


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


# --- empty cells, times, codes ------------------------------------------------------------------

EMPTY = "—"
# Every date input shows dates as every table and caption writes them (2026-12-02).
DATE_FORMAT = "YYYY-MM-DD"


def or_empty(value: object) -> str:
    """A table cell: the value as text, or an em dash when there is none."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return EMPTY
    return str(value)


def format_time(value: object, *, seconds: bool = False) -> str:
    """A moment already in the display zone (the zone is stated once, in the caption or header)."""
    if value is None:
        return EMPTY
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """'1 batch', '2 batches', '1,200 lines'."""
    return f"{count:,} {noun if count == 1 else (nouns or noun + 's')}"


def the(count: int, noun: str, nouns: str | None = None) -> str:
    """'the line', 'the 3 lines': never 'the 1 lines'."""
    return f"the {noun}" if count == 1 else f"the {plural(count, noun, nouns)}"


def humanize_code(code: str) -> str:
    """PARTIAL_DELIVERY -> 'Partial delivery': the fallback for a code without a label."""
    return code.replace("_", " ").strip().capitalize() if code else EMPTY


# Labels per kind of code; the stored code stays in exports and in the filters' tooltips.
CODE_LABELS: dict[str, dict[str, str]] = {
    "order": STATUS_LABELS,
    "refund": {
        "NEEDS_APPROVAL": "Awaiting approval", "PENDING": "Pending", "UNKNOWN": "Checking",
        "REFUNDING": "In progress", "SUCCESS": "Refunded", "FAIL": "Failed",
        "REJECTED": "Rejected",
    },
    "reason": {
        "DUPLICATE": "Duplicate payment", "FRAUDULENT": "Fraudulent payment",
        "REQUESTED_BY_CUSTOMER": "Requested by the customer", "OTHER": "Other",
    },
    "mandate": {
        "CREATING": "Creating", "UNKNOWN": "Checking", "REFUSED": "Refused",
        "INITIAL": "Awaiting signature", "SIGNED": "Signed", "TERMINATED": "Terminated",
        "EXPIRED": "Expired",
    },
    "debit": {
        "PENDING": "Pending", "UNKNOWN": "Checking", "PROCESSING": "Processing",
        "SUCCESS": "Collected", "FAIL": "Failed",
    },
    "payout_batch": {
        "DRAFT": "Draft", "PENDING_APPROVAL": "Awaiting approval", "APPROVED": "Approved",
        "REJECTED": "Rejected", "DISCARDED": "Discarded", "SENDING": "Sending",
        "UNKNOWN": "Checking", "SEND_FAILED": "Not sent — send again", "ACCEPTED": "Accepted",
        "PROCESSING": "Processing", "SUCCESS": "Paid", "PART_SUCCESS": "Partly paid",
        "FAILED": "Failed", "CANCELED": "Canceled",
    },
    "payout_line": {
        "PENDING": "Pending", "PROCESSING": "Processing", "SUCCESS": "Paid", "FAIL": "Failed",
        "AWAITING_RECEIPT": "Awaiting claim", "REFUNDED": "Returned unclaimed",
    },
    "receive_type": {"BINANCE_ID": "Binance ID", "EMAIL": "Email", "PAY_ID": "Pay ID"},
    "cycle": {"DAY": "day", "MONTH": "month"},
    "provider": {"binance_pay": "Binance Pay", "monetix": "Monetix", "juicyway": "Juicyway"},
    # Binance Pay's goodsType: what the order sells.
    "product_type": {"01": "Physical goods", "02": "Virtual goods"},
}


def code_label(code: object, kind: str) -> str:
    """A readable label for a stored code of the given kind ('refund', 'mandate', ...)."""
    if code is None or code == "":
        return EMPTY
    text = str(code)
    return CODE_LABELS.get(kind, {}).get(text) or humanize_code(text)


def format_cycle(value: object, unit: object) -> str:
    """'every month', 'every 30 days'."""
    noun = CODE_LABELS["cycle"].get(str(unit), str(unit).lower())
    return f"every {noun}" if str(value) == "1" else f"every {value} {noun}s"


# --- audit entries ------------------------------------------------------------------------------

AUDIT_ACTION_LABELS: dict[str, str] = {
    "auth.sign_in": "Signed in", "auth.sign_in_failed": "Sign-in failed",
    "auth.sign_in_refused": "Sign-in refused", "auth.sign_out": "Signed out",
    "auth.lockout": "Locked out", "auth.password_changed": "Password changed",
    "auth.totp_enrolled": "Authenticator app added", "users.add": "User added",
    "audit.export": "Audit log exported", "orders.export": "Orders exported",
    "approval.requested": "Approval requested",
    "order.status": "Order status changed", "order.status_conflict": "Order status conflict",
    "order.close_requested": "Order close requested", "order.close_sent": "Order close sent",
    "payment_request.created": "Payment request created",
    "payment_request.sent": "Payment request sent",
    "refund.requested": "Refund requested", "refund.sent": "Refund sent",
    "refund.synced": "Refund checked", "refund.webhook": "Refund update received",
    "payout.submitted": "Payout submitted", "payout.draft_discarded": "Payout draft discarded",
    "payout.send_started": "Payout sending", "payout.send_failed": "Payout not sent",
    "payout.send_unknown": "Payout send unconfirmed", "payout.batch_status": "Payout status",
    "mandate.create": "Contract requested", "mandate.created": "Contract created",
    "mandate.synced": "Contract checked", "mandate.terminate": "Contract terminated",
    "mandate.webhook": "Contract update received",
    "debit.requested": "Debit requested", "debit.sent": "Debit sent",
    "debit.synced": "Debit checked", "debit.webhook": "Debit update received",
    "debit.notice": "Pre-debit notice",
    "reconciliation.run": "Reconciliation run",
    "reconciliation.resolve": "Break resolved",
    "reconciliation.discard": "Reconciliation run removed",
    "payout.send_blocked": "Payout not sent: wallet short",
    "reconciliation.statement_import": "Statement imported",
    "debit.notice.sent": "Pre-debit notice sent", "mandate.terminated": "Contract terminated",
    "refund.fail_overturned": "Refund failure overturned by the provider",
    "payout.refusal_overturned": "Payout refusal overturned by the provider",
    "payout.send_requested": "Payout send requested",
    "payout.lookup_not_found": "Payout not found at the provider",
    "payout.lookup_failed": "Payout look-up failed",
}


def audit_action_label(action: str) -> str:
    if action in AUDIT_ACTION_LABELS:
        return AUDIT_ACTION_LABELS[action]
    return humanize_code(action.replace(".", " "))


def user_names_from_entries(entries: Iterable[tuple[str | None, str | None]]) -> dict[str, str]:
    """user id -> username from "User added" entries: (target id, stored detail) pairs."""
    names: dict[str, str] = {}
    for target_id, detail in entries:
        try:
            parsed = json.loads(detail or "")
        except ValueError:
            continue
        if target_id and isinstance(parsed, dict) and parsed.get("username"):
            names[str(target_id)] = str(parsed["username"])
    return names


def audit_target_text(target_type: str | None, target_id: str | None,
                      usernames: Mapping[str, str] | None = None) -> str:
    """'user admin' for a user whose name is known, else 'order 12', or a dash."""
    if target_type == "user" and target_id and usernames and target_id in usernames:
        return f"user {usernames[target_id]}"
    return f"{target_type or ''} {target_id or ''}".strip() or EMPTY


_CODE = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
# Detail keys whose yes/no or number reads better as a phrase; None drops the piece (a "no" that
# says nothing: 'duplicate: no').
_DETAIL_PHRASES: dict[str, Callable[[object], str | None]] = {
    "duplicate": lambda v: "a repeat of an earlier request, answered with the first one"
    if v else None,
    "needs_approval": lambda v: "needs a second approver" if v else None,
    "whole_remainder": lambda v: "refunds the whole remainder" if v else None,
    "remaining_attempts": lambda v: f"{plural(int(str(v)), 'refund attempt')} left"
    if str(v).isdigit() else None,
    "refund_id": lambda v: f"provider's refund id {v}" if v else None,
    "reason": lambda v: code_label(v, "reason") if v else None,
    "totp_required": lambda v: "authenticator app required: " + ("yes" if v else "no"),
}


def _detail_value(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "":
        return EMPTY
    if isinstance(value, dict):
        return ", ".join(f"{k} {_detail_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_detail_value(v) for v in value) or EMPTY
    text = str(value)
    return humanize_code(text).lower() if _CODE.match(text) else text


def _detail_piece(key: str, value: object) -> str | None:
    if key in _DETAIL_PHRASES:
        return _DETAIL_PHRASES[key](value)
    if value is None or value == "":
        return None  # 'note: —' says nothing
    return f"{key.replace('_', ' ')}: {_detail_value(value)}"


def audit_detail_text(detail: str | None) -> str:
    """An entry's detail as 'method: password · role: admin'; plain text stays as it is."""
    if not detail:
        return ""
    try:
        parsed = json.loads(detail)
    except ValueError:
        return detail
    if isinstance(parsed, dict):
        return " · ".join(piece for key, value in parsed.items()
                          if (piece := _detail_piece(str(key), value)))
    return _detail_value(parsed)


def provider_code_text(code: str | None) -> str:
    """A provider's answer code in words: Binance Pay's 000000 is its 'accepted'; other codes
    are errors, kept as the number support asks for."""
    if not code:
        return EMPTY
    if code == "000000":
        return "Accepted"
    if _CODE.match(code):
        return humanize_code(code)
    return f"Refused (error {code})"
