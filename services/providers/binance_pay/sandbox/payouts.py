"""Batch payouts: ACCEPTED -> PROCESSING -> SUCCESS | PART_SUCCESS | FAILED.

Lines end SUCCESS or FAIL; an EMAIL receiver without a Binance account stays
AWAITING_RECEIPT and is REFUNDED to the merchant once the receipt window (72 h) passes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import validate as v
from .gateway import ApiFail
from .state import ZERO, PayoutBatch, PayoutLine
from .world import World

MAX_LINES = 500
RECEIVE_TYPES = frozenset({"BINANCE_ID", "EMAIL", "PAY_ID"})
TRANSFER_METHODS = frozenset({"FUNDING_WALLET", "SPOT_WALLET"})
BIZ_SCENES = frozenset(
    {"DIRECT_TRANSFER", "CRYPTO_REWARDS", "SETTLEMENT", "REIMBURSEMENT", "MERCHANT_PAYMENT",
     "OTHERS"}
)
FINAL_LINE = frozenset({"SUCCESS", "FAIL", "REFUNDED"})
DETAIL_FILTERS = frozenset({"ALL", "PROCESSING", "SUCCESS", "FAIL"})


def _lines(params: dict[str, Any], world: World) -> list[PayoutLine]:
    raw = v.required(params, "transferDetailList")
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise ApiFail("400100", "transferDetailList must be a list of objects")
    if len(raw) > MAX_LINES:
        raise ApiFail("400104", f"At most {MAX_LINES} transfers per batch")
    lines: list[PayoutLine] = []
    seen: set[str] = set()
    for item in raw:
        send_id = v.text(item, "merchantSendId", max_len=32, alnum=True)
        if send_id in seen:
            raise ApiFail("400102", f"merchantSendId {send_id} appears twice in the batch")
        seen.add(send_id)  # type: ignore[arg-type]
        lines.append(
            PayoutLine(
                order_id=world.ids.next("payout_line"),
                merchant_send_id=send_id,  # type: ignore[arg-type]
                receive_type=v.choice(item, "receiveType", RECEIVE_TYPES),
                receiver=v.text(item, "receiver", max_len=128),  # type: ignore[arg-type]
                amount=v.amount(item, "transferAmount"),  # type: ignore[arg-type]
                transfer_method=v.choice(item, "transferMethod", TRANSFER_METHODS, need=False)
                or "FUNDING_WALLET",
                remark=v.text(item, "remark", max_len=128, need=False),
            )
        )
    return lines


def transfer(world: World, params: dict[str, Any], path: str) -> dict[str, Any]:
    request_id = v.text(params, "requestId", max_len=32, alnum=True)
    name = v.text(params, "batchName", max_len=32)
    currency = v.currency(params, "currency")
    total = v.amount(params, "totalAmount")
    number = v.integer(params, "totalNumber")
    scene = v.choice(params, "bizScene", BIZ_SCENES, need=False) or "DIRECT_TRANSFER"
    if request_id in world.payouts:
        raise ApiFail("400102", "requestId was already used for another batch")
    lines = _lines(params, world)
    if number != len(lines):
        raise ApiFail("400102", "totalNumber does not match the number of transfers")
    if total != sum((line.amount for line in lines), ZERO):
        raise ApiFail("400102", "totalAmount does not match the sum of the transfers")
    needed: dict[str, Decimal] = {}
    for line in lines:
        needed[line.transfer_method] = needed.get(line.transfer_method, ZERO) + line.amount
    for wallet, amount in needed.items():
        if world.wallets.get(wallet, currency)[0] < amount:  # type: ignore[arg-type]
            raise ApiFail("400304", f"Not enough {currency} in {wallet} for this batch")
    now = world.now()
    batch = PayoutBatch(
        payout_id=world.ids.next("payout"),
        request_id=request_id,  # type: ignore[arg-type]
        batch_name=name,  # type: ignore[arg-type]
        currency=currency,  # type: ignore[arg-type]
        total_amount=total,  # type: ignore[arg-type]
        total_number=number,  # type: ignore[arg-type]
        lines=lines,
        created_ms=now,
        origin_path=path,
        biz_scene=scene,
        webhook_url=params.get("webhookUrl"),
    )
    world.payouts[batch.request_id] = batch
    for line in lines:
        world.wallets.move(line.transfer_method, batch.currency, -line.amount, now,
                           kind="PAYOUT", reference=line.order_id,
                           merchant_reference=f"{batch.request_id}/{line.merchant_send_id}",
                           freeze=True)
    t = world.timings
    world.scheduler.at(now + t.payout_processing_s * 1000, lambda at: _start(world, batch, at))
    world.scheduler.at(now + (t.payout_processing_s + t.payout_settle_s) * 1000,
                       lambda at: _settle(world, batch, at))
    world.log("payout_accepted", requestId=batch.request_id, lines=len(lines))
    return {"requestId": batch.request_id, "status": "ACCEPTED"}


def _start(world: World, batch: PayoutBatch, at: int) -> None:
    batch.status = "PROCESSING"
    world.log("payout_processing", at, requestId=batch.request_id)


def schedule_unclaimed_return(world: World, batch: PayoutBatch, line: PayoutLine,
                              deadline_ms: int) -> None:
    world.scheduler.at(deadline_ms, lambda when: _return_unclaimed(world, batch, line, when))


def settle_processing(world: World, batch: PayoutBatch, at: int) -> None:
    """Settle the lines still processing (an adopted batch: the others are already settled)."""
    _settle(world, batch, at)


def _settle(world: World, batch: PayoutBatch, at: int) -> None:
    for line in batch.lines:
        if line.status != "PROCESSING":
            continue
        if line.receiver in world.failing_parties:
            _finish_line(world, batch, line, "FAIL", at)
        elif line.receive_type == "EMAIL" and line.receiver not in world.registered_receivers:
            line.status = "AWAITING_RECEIPT"
            _notify_line(world, batch, line, at)
            schedule_unclaimed_return(world, batch, line,
                                      at + world.timings.receipt_window_s * 1000)
        elif line.receive_type != "EMAIL" and not line.receiver.isdigit():
            _finish_line(world, batch, line, "FAIL", at)
        else:
            _finish_line(world, batch, line, "SUCCESS", at)
    _update_batch(world, batch, at)


def _finish_line(world: World, batch: PayoutBatch, line: PayoutLine, status: str, at: int):
    line.status = status
    if status == "SUCCESS":
        line.payee_id = world.ids.next("user")
    world.wallets.release(line.transfer_method, batch.currency, line.amount,
                          back_to_available=status != "SUCCESS", now=at,
                          reference=line.order_id,
                          merchant_reference=f"{batch.request_id}/{line.merchant_send_id}")
    if line.receive_type == "EMAIL":
        _notify_line(world, batch, line, at)


def _notify_line(world: World, batch: PayoutBatch, line: PayoutLine, at: int) -> None:
    data = {
        "merchantSendId": line.merchant_send_id,
        "orderId": line.order_id,
        "batchId": batch.request_id,
        "status": line.status,
        "currency": batch.currency,
        "amount": v.amount_number(line.amount),
        "receiveType": line.receive_type,
        "receiver": line.receiver,
    }
    world.emit("PAYOUT_NON_BN", batch.payout_id, line.status, data, at_ms=at,
               webhook_url=batch.webhook_url, origin_path=batch.origin_path)


def _return_unclaimed(world: World, batch: PayoutBatch, line: PayoutLine, at: int) -> None:
    if line.status == "AWAITING_RECEIPT":
        _finish_line(world, batch, line, "REFUNDED", at)
        _update_batch(world, batch, at)


def receiver_registered(world: World, receiver: str, at: int) -> None:
    """An invited email receiver finished sign-up: their waiting transfers complete."""
    world.registered_receivers.add(receiver)
    for batch in world.payouts.values():
        changed = False
        for line in batch.lines:
            if line.receiver == receiver and line.status == "AWAITING_RECEIPT":
                _finish_line(world, batch, line, "SUCCESS", at)
                changed = True
        if changed:
            _update_batch(world, batch, at)


def _update_batch(world: World, batch: PayoutBatch, at: int) -> None:
    statuses = {line.status for line in batch.lines}
    if statuses == {"SUCCESS"}:
        new = "SUCCESS"
    elif statuses == {"FAIL"}:
        new = "FAILED"
    else:
        new = "PART_SUCCESS"
    if new == batch.status:
        return
    batch.status = new
    world.log("payout_batch_status", at, requestId=batch.request_id, batchStatus=new)
    data = {
        "requestId": batch.request_id,
        "batchStatus": new,
        "merchantId": int(world.merchant_id),
        "currency": batch.currency,
        "totalAmount": v.amount_number(batch.total_amount),
        "totalNumber": batch.total_number,
    }
    world.emit("PAYOUT", batch.payout_id, new, data, at_ms=at,
               webhook_url=batch.webhook_url, origin_path=batch.origin_path)


def query(world: World, params: dict[str, Any], path: str) -> dict[str, Any]:
    request_id = v.text(params, "requestId", max_len=32)
    batch = world.payouts.get(request_id)  # type: ignore[arg-type]
    if batch is None and world.adopt_payout is not None:
        batch = world.adopt_payout(str(request_id))
    if batch is None:
        raise ApiFail("400202", "Payout request not found")
    wanted = params.get("detailStatus") or "ALL"
    filters = set(wanted if isinstance(wanted, list) else [wanted])
    if not filters <= DETAIL_FILTERS:
        raise ApiFail("400102", f"detailStatus must be within {sorted(DETAIL_FILTERS)}")
    details = []
    for line in batch.lines:
        if "ALL" not in filters and line.status not in filters:
            continue
        details.append(
            {
                "orderId": line.order_id,
                "merchantSendId": line.merchant_send_id,
                "payerId": int(world.merchant_id),
                "amount": v.amount_number(line.amount),
                "receiveType": line.receive_type,
                "receiver": line.receiver,
                "payeeId": line.payee_id,
                "transferMethod": line.transfer_method,
                "status": line.status,
                "remark": line.remark,
            }
        )
    paid = sum((ln.amount for ln in batch.lines if ln.status == "SUCCESS"), ZERO)
    return {
        "requestId": batch.request_id,
        "batchStatus": batch.status,
        "merchantId": int(world.merchant_id),
        "currency": batch.currency,
        "totalAmount": v.amount_number(batch.total_amount),
        "totalPaidAmount": v.amount_number(paid),
        "totalPayoutFee": v.amount_number(ZERO),
        "totalNumber": batch.total_number,
        "transferDetailList": [{k: x for k, x in d.items() if x is not None} for d in details],
    }
