"""Direct debit: contracts INITIAL -> CONTRACT_SIGNED -> TERMINATED | EXPIRED, pre-debit
notices and debits (``pay/apply``), which settle into an order queried like any other."""

from __future__ import annotations

from typing import Any

from . import validate as v
from .gateway import ApiFail
from .orders import FUNDING, _notification
from .state import Contract, Debit, DebitNotice, Order
from .world import World

SCENARIOS = frozenset(
    {
        "General_Ecommerce_Platform",
        "General_Travel",
        "Car_Rental",
        "Car_Parking",
        "Lease",
        "Catering",
        "Digital_Media",
        "Membership",
        "Utility",
        "Repayment",
        "Investment",
        "Ticket",
        "Mobile_Communication",
        "Virtual_Goods",
        "Others",
    }
)
CURRENCIES = frozenset({"USDT", "USDC"})
MAX_CONTRACT_MS = 1095 * 24 * 3600 * 1000


def create_contract(world: World, params: dict[str, Any], path: str) -> dict[str, Any]:
    code = v.text(params, "merchantContractCode", max_len=32, alnum=True)
    service = v.text(params, "serviceName", max_len=32)
    scenario = v.choice(params, "scenarioCode", SCENARIOS)
    limit = v.amount(params, "singleUpperLimit")
    currency = v.choice(params, "currency", CURRENCIES)
    periodic = v.boolean(params, "periodic")
    account = v.text(params, "merchantAccountNo", max_len=64, need=False)
    now = world.now()
    cycle_type = cycle_value = first = None
    if periodic:
        cycle_type = v.choice(params, "cycleType", {"MONTH", "DAY"})
        cycle_value = v.integer(params, "cycleValue")
        if cycle_type == "MONTH" and not 1 <= cycle_value <= 24:  # type: ignore[operator]
            raise ApiFail("400102", "cycleValue for MONTH must be 1 to 24")
        if cycle_type == "DAY" and cycle_value <= 7:  # type: ignore[operator]
            raise ApiFail("400102", "cycleValue for DAY must be more than 7")
        first = v.integer(params, "firstDeductTime")
        if first <= now:  # type: ignore[operator]
            raise ApiFail("400102", "firstDeductTime must be in the future")
    expire = v.integer(params, "requestExpireTime", need=False) or (
        now + world.timings.default_contract_sign_window_s * 1000
    )
    end = v.integer(params, "contractEndTime", need=False) or now + MAX_CONTRACT_MS
    if expire <= now or not now < end <= now + MAX_CONTRACT_MS:
        raise ApiFail("400102", "requestExpireTime/contractEndTime out of range")
    if code in world.contracts:
        raise ApiFail("400102", "merchantContractCode was already used")
    contract = Contract(
        pre_contract_id=world.ids.next("pre_contract"),
        merchant_contract_code=code,  # type: ignore[arg-type]
        service_name=service,  # type: ignore[arg-type]
        scenario_code=scenario,
        single_limit=limit,  # type: ignore[arg-type]
        currency=currency,
        periodic=periodic,
        request_expire_ms=expire,
        contract_end_ms=end,
        created_ms=now,
        origin_path=path,
        merchant_account_no=account,
        cycle_type=cycle_type,
        cycle_value=cycle_value,
        first_deduct_ms=first,
        webhook_url=params.get("webhookUrl"),
    )
    world.contracts[contract.merchant_contract_code] = contract
    world.scheduler.at(expire, lambda at: _signing_window_closed(world, contract, at))
    world.log("contract_created", merchantContractCode=code)
    return {
        "merchantId": int(world.merchant_id),
        "preContractId": int(contract.pre_contract_id),
        "contractEndTime": end,
        "requestExpireTime": expire,
        "qrContent": f"https://app.binance.com/qr/dd{contract.pre_contract_id}",
        "qrcodeLink": world.link("qr", f"{contract.pre_contract_id}.png"),
        "deeplink": f"bnc://app.binance.com/payment/directdebit?preContractId="
        f"{contract.pre_contract_id}",
        "checkoutUrl": world.link("contracts", contract.pre_contract_id),
    }


def _contract_data(contract: Contract) -> dict[str, Any]:
    data = {
        "merchantContractCode": contract.merchant_contract_code,
        "contractId": int(contract.contract_id) if contract.contract_id else None,
        "contractIdStr": contract.contract_id,
        "preContractId": contract.pre_contract_id,
        "serviceName": contract.service_name,
        "openUserId": contract.open_user_id,
        "merchantAccountNo": contract.merchant_account_no,
        "singleUpperLimit": v.amount_number(contract.single_limit),
        "currency": contract.currency,
        "contractEndTime": contract.contract_end_ms,
        "contractTerminationWay": contract.termination_way,
        "contractTerminationTime": contract.termination_ms,
    }
    return {k: val for k, val in data.items() if val is not None}


def _change(world: World, contract: Contract, status: str, at: int, way: str | None) -> None:
    contract.status = status
    if way is not None:
        contract.termination_way = way
        contract.termination_ms = at
    world.log(
        "contract_" + status.lower(), at, merchantContractCode=contract.merchant_contract_code
    )
    biz_id = contract.contract_id or contract.pre_contract_id
    world.emit(
        "DIRECT_DEBIT_CT",
        biz_id,
        status,
        _contract_data(contract),
        at_ms=at,
        webhook_url=contract.webhook_url,
        origin_path=contract.origin_path,
    )


def sign(world: World, contract: Contract, payer_id: str | None = None) -> Contract:
    """The customer accepts the contract in the app."""
    if contract.status != "INITIAL":
        raise ApiFail("400204", f"Contract cannot be signed in status {contract.status}")
    now = world.now()
    contract.contract_id = world.ids.next("contract")
    contract.open_user_id = payer_id or world.ids.next("user")
    world.contract_by_id[contract.contract_id] = contract.merchant_contract_code
    _change(world, contract, "CONTRACT_SIGNED", now, None)
    world.scheduler.at(contract.contract_end_ms, lambda at: _end_reached(world, contract, at))
    return contract


def _signing_window_closed(world: World, contract: Contract, at: int) -> None:
    if contract.status == "INITIAL":
        _change(world, contract, "CONTRACT_EXPIRED", at, "1")


def _end_reached(world: World, contract: Contract, at: int) -> None:
    if contract.status == "CONTRACT_SIGNED":
        _change(world, contract, "CONTRACT_EXPIRED", at, "1")


def _find(world: World, params: dict[str, Any]) -> Contract:
    v.one_of(params, "merchantContractCode", "contractId")
    contract = world.contract(params.get("merchantContractCode"), params.get("contractId"))
    if contract is None:
        raise ApiFail("406207", "Contract not found")
    return contract


def query_contract(world: World, params: dict[str, Any], path: str) -> dict[str, Any]:
    contract = _find(world, params)
    return {"bizStatus": contract.status, **_contract_data(contract)}


def terminate_contract(world: World, params: dict[str, Any], path: str) -> bool:
    contract = _find(world, params)
    v.text(params, "terminationNotes", max_len=256, need=False)
    if contract.status == "INITIAL":
        raise ApiFail("406212", "Contract is not signed")
    if contract.status != "CONTRACT_SIGNED":
        raise ApiFail("400204", f"Contract cannot be terminated in status {contract.status}")
    _change(world, contract, "CONTRACT_TERMINATED", world.now(), "3")
    return True


def _signed_contract(world: World, params: dict[str, Any]) -> Contract:
    if params.get("tradeMode") != "DIRECT_DEBIT":
        raise ApiFail("400102", "tradeMode must be DIRECT_DEBIT")
    biz_id = v.integer(params, "bizId")
    contract = world.contract(None, biz_id)
    if contract is None:
        raise ApiFail("406207", "Contract not found")
    if contract.status != "CONTRACT_SIGNED":
        raise ApiFail("406212", f"Contract is not signed (status {contract.status})")
    return contract


def pay_notify(world: World, params: dict[str, Any], path: str) -> dict[str, Any]:
    request_id = v.text(params, "merchantRequestId", max_len=32, alnum=True)
    contract = _signed_contract(world, params)
    estimated = v.amount(params, "estimatedAmount")
    currency = v.choice(params, "currency", {"USDT"})
    if not contract.periodic:
        raise ApiFail("400102", "Pre-debit notices are for periodic contracts only")
    if estimated > contract.single_limit:  # type: ignore[operator]
        raise ApiFail("400102", "estimatedAmount exceeds the contract singleUpperLimit")
    now = world.now()
    notice = DebitNotice(
        world.ids.next("notice"),
        request_id,
        contract.contract_id,  # type: ignore[arg-type]
        estimated,
        currency,
        now,
    )  # type: ignore[arg-type]
    world.notices[notice.order_id] = notice
    world.log("debit_notice", merchantRequestId=request_id, orderId=notice.order_id)
    return {
        "orderId": int(notice.order_id),
        "merchantRequestId": request_id,
        "transactionTime": now,
    }


def pay_apply(world: World, params: dict[str, Any], path: str) -> dict[str, Any]:
    request_id = v.text(params, "merchantRequestId", max_len=32, alnum=True)
    contract = _signed_contract(world, params)
    amount = v.amount(params, "amount")
    product = v.text(params, "productName", max_len=256)
    currency = params.get("currency") or contract.currency
    if currency != contract.currency:
        raise ApiFail("400102", f"currency must be the contract currency {contract.currency}")
    if amount > contract.single_limit:  # type: ignore[operator]
        raise ApiFail("400102", "amount exceeds the contract singleUpperLimit")
    now = world.now()
    pre = v.integer(params, "preBizId", need=False)
    if pre is not None:
        notice = world.notices.get(str(pre))
        if notice is None or notice.contract_id != contract.contract_id:
            raise ApiFail("400202", "Pre-debit notice not found for this contract")
        if now < notice.created_ms + world.timings.predebit_frozen_s * 1000:
            raise ApiFail("400204", "The pre-debit notice is still in its frozen period")
    if request_id in world.debits or request_id in world.order_by_trade_no:
        raise ApiFail("400102", "merchantRequestId was already used")
    order = Order(
        prepay_id=world.ids.next("prepay"),
        merchant_trade_no=request_id,  # type: ignore[arg-type]
        amount=amount,
        currency=currency,
        created_ms=now,  # type: ignore[arg-type]
        expire_ms=now,
        origin_path=path,
        terminal_type="OTHERS",
        trade_type="DIRECT_DEBIT",
        product_name=product,
        product_type=params.get("productType"),  # type: ignore[arg-type]
        webhook_url=params.get("webhookUrl"),
        status="PENDING",
        payment_in_flight=True,
        open_user_id=contract.open_user_id,
    )
    world.orders[order.prepay_id] = order
    world.order_by_trade_no[order.merchant_trade_no] = order.prepay_id
    debit = Debit(
        world.ids.next("debit"),
        order.prepay_id,
        request_id,  # type: ignore[arg-type]
        contract.contract_id,
        amount,
        currency,
        now,
    )  # type: ignore[arg-type]
    world.debits[request_id] = debit  # type: ignore[index]
    world.scheduler.at(
        now + world.timings.debit_settle_s * 1000, lambda at: _settle_debit(world, debit, order, at)
    )
    world.log("debit_applied", merchantRequestId=request_id, prepayId=order.prepay_id)
    return {
        "orderId": int(debit.order_id),
        "prepayId": order.prepay_id,
        "merchantRequestId": request_id,
        "appliedTime": now,
        "status": debit.status,
    }


def _settle_debit(world: World, debit: Debit, order: Order, at: int) -> None:
    order.payment_in_flight = False
    if order.open_user_id in world.failing_parties:
        debit.status = "FAILED"
        order.status = "ERROR"
        world.log("debit_failed", at, merchantRequestId=debit.merchant_request_id)
        return
    debit.status = "SUCCESS"
    order.status = "PAID"
    order.transact_ms = at
    order.transaction_id = "M_D_" + world.ids.next("transaction")
    world.wallets.move(
        FUNDING,
        order.currency,
        order.amount,
        at,
        kind="DIRECT_DEBIT",
        reference=order.prepay_id,
        merchant_reference=debit.merchant_request_id,
    )
    world.log("debit_succeeded", at, merchantRequestId=debit.merchant_request_id)
    world.emit(
        "PAY",
        order.prepay_id,
        "PAY_SUCCESS",
        _notification(order),
        at_ms=at,
        webhook_url=order.webhook_url,
        origin_path=order.origin_path,
    )
