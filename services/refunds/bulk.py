"""Bulk refunds from a CSV/XLSX: order (its order ID or provider order ID), amount or `full`, reason,
optional note. Validated and previewed like payouts (findings by line and column); applying it
asks for each line's refund through `services.refunds.commands.request_refund`, so every line is checked
again under its order's lock, and approval and limits apply exactly as for one refund."""

from __future__ import annotations

from decimal import Decimal

from data.queries.order_search import find_order
from services.refunds import commands as refunds
from services.core.access import Actor
from services.core.approvals import refund_needs_approval
from services.core.context import Services
from services.files.bulk import BulkPreview, BulkResult, finish, parse_amount, read_table
from services.core.errors import InputError, PayDeskError
from services.core.money import plain_amount
from services.core.refusals import require

ALIASES = {
    # Binance's own column names are accepted too: merchants paste exports from its portal.
    "merchanttradeno": "order", "prepayid": "order", "order": "order", "orderid": "order",
    "providerorderid": "order",
    "amount": "amount", "refundamount": "amount",
    "reason": "reason", "refundreason": "reason",
    "note": "note", "comment": "note",
}
_REASON_SPELLINGS = {code.replace("_", ""): code for code in refunds.REASONS} | {
    "CUSTOMER": "REQUESTED_BY_CUSTOMER", "CUSTOMERREQUEST": "REQUESTED_BY_CUSTOMER",
    "FRAUD": "FRAUDULENT"}
TEMPLATE = "order_id,amount,reason,note\r\nORDER123,12.50,requested_by_customer,\r\n"


def _reason(text: str) -> str | None:
    key = text.strip().upper().replace(" ", "").replace("_", "").replace("-", "")
    return _REASON_SPELLINGS.get(key)


def preview(services: Services, actor: Actor, data: bytes,
            file_name: str | None = None, *, sheet: str | None = None) -> BulkPreview:
    require(services, actor, "refund.request")
    _, out, rows = read_table(data, file_name, ALIASES, (("order",), ("amount",), ("reason",)),
                              sheet=sheet)
    planned: dict[int, dict[str, object]] = {}
    asked: dict[int, tuple[Decimal, int]] = {}  # order id -> (amount held by earlier lines, n)
    # A line the reader refused (a control character, a cell too long) is refused whatever
    # else it holds, and its values are never looked up: PostgreSQL refuses a NUL even as a
    # query parameter, which failed the whole preview.
    refused_by_reader = set(out.bad_lines)
    with services.uow() as uow:
        for line, values in rows:
            if line in refused_by_reader:
                continue
            ref, amount_text = values.get("order", ""), values.get("amount", "")
            reason = _reason(values.get("reason", ""))
            note = values.get("note", "") or None
            if not ref:
                out.error(line, "order", ref, "missing_order",
                          "write the order's ID or its provider order ID")
                continue
            order = find_order(uow.session, ref)
            if order is None:
                out.error(line, "order", ref, "unknown_order",
                          "no order with this order ID or provider order ID")
                continue
            if reason is None:
                out.error(line, "reason", values.get("reason", ""), "bad_reason",
                          "use duplicate, fraudulent, requested_by_customer or other")
            elif reason == "OTHER" and not note:
                out.error(line, "note", "", "note_needed", "reason 'other' needs a note")
            position = refunds.position_of(services, uow, order)
            if position.refusal:
                out.error(line, "order", ref, "not_refundable", position.refusal)
                continue
            earlier, lines_before = asked.get(position.order_id, (Decimal(0), 0))
            left = position.refundable - earlier
            attempts_left = (None if position.attempts_left is None
                             else position.attempts_left - lines_before)
            if attempts_left is not None and attempts_left <= 0:
                out.error(line, "order", ref, "too_many_attempts",
                          f"earlier lines use up the {position.max_attempts} refunds "
                          f"{position.provider_title} allows for this order")
                continue
            if position.max_in_flight is not None and lines_before >= position.max_in_flight:
                out.error(line, "order", ref, "too_many_in_flight",
                          f"{position.provider_title} takes at most {position.max_in_flight} "
                          "refund(s) of a payment at a time and earlier lines already refund "
                          "this order; merge the lines")
                continue
            full = amount_text.strip().lower() == "full"
            amount, code, message = ((left, "", "") if full
                                     else parse_amount(amount_text, order.currency))
            if amount is None:
                out.error(line, "amount", amount_text, code,
                          f"{message} (or write full to refund everything left)")
                continue
            if amount <= 0:
                out.error(line, "amount", amount_text, "not_positive",
                          "nothing left to refund" if full else "the amount must be above 0")
                continue
            if amount > left:
                out.error(line, "amount", amount_text, "above_refundable",
                          f"only {plain_amount(left)} {order.currency} is still refundable"
                          + (" after the earlier lines of this file" if earlier else ""))
                continue
            if attempts_left == 1 and not full and amount != left:
                out.error(line, "amount", amount_text, "last_attempt",
                          f"this is the order's last refund attempt: the provider refunds the "
                          f"whole remaining {plain_amount(left)}; write full")
                continue
            if lines_before:
                out.warning(line, "order", ref, "repeated_order",
                            f"this order appears on {lines_before} earlier line(s) too")
            # The threshold applies to what the order gives back in all (see refunds).
            if refund_needs_approval(services.settings,
                                     position.refunded + position.in_progress + earlier + amount,
                                     order.currency):
                out.warning(line, "amount", amount_text, "needs_approval",
                            "with this order's other refunds it is above the approval threshold: "
                            "an approver must release it")
            asked[position.order_id] = (earlier + amount, lines_before + 1)
            planned[line] = {"order": order.merchant_order_id, "amount": amount,
                             "currency": order.currency, "reason": reason, "note": note,
                             "full": full, "refundable_before": left}
    return finish(out, rows, planned)


def apply(services: Services, actor: Actor, checked: BulkPreview, *,
          request_token: str | None = None) -> list[BulkResult]:
    """Request every previewed line; a line refused now (someone refunded meanwhile) says why
    and the others still go.

    With `request_token` (one per uploaded file), applying the same file again returns the
    refunds made the first time instead of refunding twice: each line's token is the file's
    token plus its line number."""
    require(services, actor, "refund.request")
    _line_token(request_token, 0)  # a token too long is refused before any line goes out
    results = []
    for item in checked.lines:
        plan = item.planned
        try:
            outcome = refunds.request_refund(
                services, actor, order_ref=str(plan["order"]),
                amount=None if plan["full"] else plan["amount"],  # type: ignore[arg-type]
                full=bool(plan["full"]),
                reason=str(plan["reason"]), note=plan["note"],  # type: ignore[arg-type]
                accept_whole_remainder=bool(plan["full"]),
                request_token=_line_token(request_token, item.line))
            results.append(BulkResult(item.line, str(plan["order"]), outcome.status,
                                      outcome.message))
        except PayDeskError as error:
            results.append(BulkResult(item.line, str(plan["order"]), "REFUSED", str(error)))
    return results


def _line_token(token: str | None, line: int) -> str | None:
    text = (token or "").strip()
    if not text:
        return None
    suffix = f":{line:06d}"
    if len(text) + len(suffix) > refunds.TOKEN_MAX:
        raise InputError(f"keep the request token under {refunds.TOKEN_MAX - len(suffix)} "
                         "characters", field="request_token")
    return text + suffix
