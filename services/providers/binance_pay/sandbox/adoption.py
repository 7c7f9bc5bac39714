"""Adopting orders and contracts the sandbox never saw.

The sandbox is in memory and starts empty, while the merchant's store may already hold paid
orders and signed contracts (demo data, or a store that outlived a sandbox restart). An injected
lookup answers "do you know this id?" with a neutral snapshot; the sandbox then adopts the object
as if it had always been there, so refunds and debits against it behave like Binance would.

The lookups are plain callables so that this package stays ignorant of the store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from .state import ZERO, Contract, Order, PayoutBatch, PayoutLine, Refund
from .world import World

FUNDING = "FUNDING_WALLET"


@dataclass(frozen=True, slots=True)
class OrderSnapshot:
    """What the merchant knows of a paid (or unpaid) order. `refunded` and `refund_attempts`
    cover only refunds the provider had accepted."""

    merchant_order_id: str
    provider_order_id: str
    amount: Decimal
    currency: str
    status: str  # Binance order status: INITIAL, PENDING, PAID, REFUNDED, FULL_REFUNDED, ...
    refunded: Decimal = ZERO
    refund_attempts: int = 0
    paid_at_ms: int | None = None
    created_at_ms: int | None = None
    payer_id: str | None = None
    product_name: str = ""


@dataclass(frozen=True, slots=True)
class ContractSnapshot:
    merchant_contract_code: str
    status: str  # Binance bizStatus: INITIAL, CONTRACT_SIGNED, CONTRACT_TERMINATED, ...
    service_name: str
    single_limit: Decimal
    currency: str
    contract_id: str | None = None
    pre_contract_id: str | None = None
    scenario_code: str = "Others"
    periodic: bool = False
    cycle_type: str | None = None
    cycle_value: int | None = None
    first_deduct_ms: int | None = None
    open_user_id: str | None = None
    created_at_ms: int | None = None
    request_expire_ms: int | None = None
    contract_end_ms: int | None = None
    termination_way: str | None = None
    termination_ms: int | None = None


@dataclass(frozen=True, slots=True)
class RefundSnapshot:
    """A refund the merchant knows the provider accepted (in flight or done)."""

    refund_request_id: str
    provider_order_id: str
    merchant_order_id: str
    amount: Decimal
    status: str  # REFUND_PENDING (in flight) or REFUND_SUCCESS
    refund_id: str | None = None
    created_at_ms: int | None = None


@dataclass(frozen=True, slots=True)
class PayoutLineSnapshot:
    merchant_send_id: str
    receive_type: str
    receiver: str
    amount: Decimal
    status: str  # PROCESSING, SUCCESS, FAIL, AWAITING_RECEIPT, REFUNDED
    order_id: str | None = None
    claim_deadline_ms: int | None = None
    remark: str | None = None


@dataclass(frozen=True, slots=True)
class PayoutSnapshot:
    """A payout batch the merchant knows the provider took."""

    request_id: str
    batch_name: str
    currency: str
    status: str  # ACCEPTED, PROCESSING, SUCCESS, PART_SUCCESS, FAILED
    lines: tuple[PayoutLineSnapshot, ...]
    created_at_ms: int | None = None


OrderLookup = Callable[[str | None, str | None], OrderSnapshot | None]
ContractLookup = Callable[[str | None, str | None], ContractSnapshot | None]
RefundLookup = Callable[[str], RefundSnapshot | None]
PayoutLookup = Callable[[str], PayoutSnapshot | None]

_PAID_STATES = frozenset({"PAID", "REFUNDING", "REFUNDED", "FULL_REFUNDED"})


def adopt_order(world: World, lookup: OrderLookup, prepay_id: str | None,
                merchant_trade_no: str | None) -> Order | None:
    snapshot = lookup(prepay_id, merchant_trade_no)
    if snapshot is None or not snapshot.provider_order_id:
        return None
    existing = world.orders.get(snapshot.provider_order_id)
    if existing is not None:
        return existing
    now = world.now()
    created = snapshot.created_at_ms or snapshot.paid_at_ms or now
    status = snapshot.status
    if status == "REFUNDING":
        # Whatever was in flight before the restart is unknown here; it settled or it did not.
        status = "FULL_REFUNDED" if snapshot.refunded >= snapshot.amount else (
            "REFUNDED" if snapshot.refunded > 0 else "PAID")
    order = Order(
        prepay_id=snapshot.provider_order_id,
        merchant_trade_no=snapshot.merchant_order_id,
        amount=snapshot.amount,
        currency=snapshot.currency,
        created_ms=created,
        expire_ms=created,
        origin_path="adopted",
        product_name=snapshot.product_name,
        status=status,
        open_user_id=snapshot.payer_id,
        transact_ms=snapshot.paid_at_ms,
        refunded=snapshot.refunded,
        refund_attempts=snapshot.refund_attempts,
    )
    world.orders[order.prepay_id] = order
    world.order_by_trade_no[order.merchant_trade_no] = order.prepay_id
    if status in _PAID_STATES:
        # The payment happened before this sandbox started: its money is in the wallet.
        world.wallets.move(FUNDING, order.currency, order.amount - order.refunded, now,
                           kind="PAYMENT", reference=order.prepay_id,
                           merchant_reference=order.merchant_trade_no)
    world.log("order_adopted", prepayId=order.prepay_id, merchantTradeNo=order.merchant_trade_no)
    return order


#: PayDesk's contract words (what the snapshots carry) in Binance's vocabulary.
_CONTRACT_WORDS = {"SIGNED": "CONTRACT_SIGNED", "TERMINATED": "CONTRACT_TERMINATED",
                   "EXPIRED": "CONTRACT_EXPIRED"}


def adopt_contract(world: World, lookup: ContractLookup, code: str | None,
                   contract_id: str | None) -> Contract | None:
    snapshot = lookup(code, contract_id)
    if snapshot is None:
        return None
    existing = world.contracts.get(snapshot.merchant_contract_code)
    if existing is not None:
        return existing
    now = world.now()
    far = now + 1095 * 24 * 3600 * 1000
    contract = Contract(
        pre_contract_id=snapshot.pre_contract_id or world.ids.next("pre_contract"),
        merchant_contract_code=snapshot.merchant_contract_code,
        service_name=snapshot.service_name,
        scenario_code=snapshot.scenario_code,
        single_limit=snapshot.single_limit,
        currency=snapshot.currency,
        periodic=snapshot.periodic,
        request_expire_ms=snapshot.request_expire_ms or now,
        contract_end_ms=snapshot.contract_end_ms or far,
        created_ms=snapshot.created_at_ms or now,
        origin_path="adopted",
        cycle_type=snapshot.cycle_type,
        cycle_value=snapshot.cycle_value,
        first_deduct_ms=snapshot.first_deduct_ms,
        contract_id=snapshot.contract_id,
        status=_CONTRACT_WORDS.get(snapshot.status, snapshot.status),
        open_user_id=snapshot.open_user_id,
        termination_way=snapshot.termination_way,
        termination_ms=snapshot.termination_ms,
    )
    world.contracts[contract.merchant_contract_code] = contract
    if contract.contract_id:
        world.contract_by_id[contract.contract_id] = contract.merchant_contract_code
    world.log("contract_adopted", merchantContractCode=contract.merchant_contract_code)
    return contract


def adopt_refund(world: World, lookup: RefundLookup, request_id: str) -> Refund | None:
    """A refund accepted before this sandbox started. One still in flight settles a refund
    delay from now, as it would have at Binance; its money already left with the order's."""
    from . import orders  # orders imports nothing of adoption; imported late to stay acyclic

    snapshot = lookup(request_id)
    if snapshot is None:
        return None
    if request_id in world.refunds:
        return world.refunds[request_id]
    order = world.order(snapshot.provider_order_id, snapshot.merchant_order_id)
    if order is None:
        return None
    now = world.now()
    item = Refund(
        refund_id=snapshot.refund_id or world.ids.next("refund"),
        refund_request_id=snapshot.refund_request_id, prepay_id=order.prepay_id,
        amount=snapshot.amount, refunded_after=order.refunded,
        remaining_attempts=max(0, orders.MAX_REFUND_ATTEMPTS - order.refund_attempts),
        commission=ZERO, created_ms=snapshot.created_at_ms or now, origin_path="adopted",
        status="REFUND_SUCCESS" if snapshot.status == "SUCCESS" else "REFUND_PENDING",
    )
    world.refunds[item.refund_request_id] = item
    if item.status == "REFUND_PENDING":
        order.pending_refunds += 1
        order.status = "REFUNDING"
        orders.schedule_refund_settlement(world, order, item, now)
    world.log("refund_adopted", refundRequestId=request_id, status=item.status)
    return item


def adopt_payout(world: World, lookup: PayoutLookup, request_id: str) -> PayoutBatch | None:
    """A batch taken before this sandbox started. Lines still moving settle as new ones would;
    a line awaiting receipt is returned when its claim window closes, unless claimed first."""
    from . import payouts  # imported late: payouts does not know adoption

    snapshot = lookup(request_id)
    if snapshot is None:
        return None
    if request_id in world.payouts:
        return world.payouts[request_id]
    now = world.now()
    lines = [
        PayoutLine(order_id=ln.order_id or world.ids.next("payout_line"),
                   merchant_send_id=ln.merchant_send_id, receive_type=ln.receive_type,
                   receiver=ln.receiver, amount=ln.amount, transfer_method=FUNDING,
                   remark=ln.remark, status=ln.status)
        for ln in snapshot.lines
    ]
    batch = PayoutBatch(
        payout_id=world.ids.next("payout"), request_id=snapshot.request_id,
        batch_name=snapshot.batch_name, currency=snapshot.currency,
        total_amount=sum((ln.amount for ln in lines), ZERO), total_number=len(lines),
        lines=lines, created_ms=snapshot.created_at_ms or now, origin_path="adopted",
        status=snapshot.status,
    )
    world.payouts[batch.request_id] = batch
    for line, known in zip(lines, snapshot.lines, strict=True):
        if line.status in ("PROCESSING", "AWAITING_RECEIPT"):
            # Its money left the wallet before this sandbox started: it waits in frozen.
            key = (FUNDING, batch.currency)
            world.wallets.frozen[key] = world.wallets.get(*key)[1] + line.amount
        if line.status == "AWAITING_RECEIPT":
            payouts.schedule_unclaimed_return(world, batch, line,
                                              max(known.claim_deadline_ms or now, now))
    if any(line.status == "PROCESSING" for line in lines):
        settle = now + world.timings.payout_settle_s * 1000
        world.scheduler.at(settle, lambda at: payouts.settle_processing(world, batch, at))
    world.log("payout_adopted", requestId=request_id, lines=len(lines))
    return batch
