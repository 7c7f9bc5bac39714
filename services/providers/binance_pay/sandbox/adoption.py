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

from .state import ZERO, Contract, Order
from .world import World

FUNDING = "FUNDING_WALLET"


@dataclass(frozen=True, slots=True)
class OrderSnapshot:
    """What the merchant knows of a paid (or unpaid) order. `refunded` and `refund_attempts`
    cover only refunds the provider had accepted."""

    merchant_trade_no: str
    prepay_id: str
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


OrderLookup = Callable[[str | None, str | None], OrderSnapshot | None]
ContractLookup = Callable[[str | None, str | None], ContractSnapshot | None]

_PAID_STATES = frozenset({"PAID", "REFUNDING", "REFUNDED", "FULL_REFUNDED"})


def adopt_order(world: World, lookup: OrderLookup, prepay_id: str | None,
                merchant_trade_no: str | None) -> Order | None:
    snapshot = lookup(prepay_id, merchant_trade_no)
    if snapshot is None or not snapshot.prepay_id:
        return None
    existing = world.orders.get(snapshot.prepay_id)
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
        prepay_id=snapshot.prepay_id,
        merchant_trade_no=snapshot.merchant_trade_no,
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
        status=snapshot.status,
        open_user_id=snapshot.open_user_id,
        termination_way=snapshot.termination_way,
        termination_ms=snapshot.termination_ms,
    )
    world.contracts[contract.merchant_contract_code] = contract
    if contract.contract_id:
        world.contract_by_id[contract.contract_id] = contract.merchant_contract_code
    world.log("contract_adopted", merchantContractCode=contract.merchant_contract_code)
    return contract
