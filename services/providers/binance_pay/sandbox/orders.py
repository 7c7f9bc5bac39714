"""Orders and refunds: INITIAL/PENDING -> PAID | CANCELED | EXPIRED, then refunds."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Any

from . import validate as v
from .gateway import ApiFail
from .state import ZERO, Order, Refund
from .world import World

TERMINAL_TYPES = frozenset({"APP", "WEB", "WAP", "MINI_PROGRAM", "OTHERS"})
MAX_ORDER_TTL_MS = 3600 * 1000
MAX_REFUND_ATTEMPTS = 10
REFUNDABLE = frozenset({"PAID", "REFUNDING", "REFUNDED"})
FUNDING = "FUNDING_WALLET"


def _common_order(world: World, params: dict[str, Any], path: str) -> tuple[str, str, int]:
    env = v.required(params, "env")
    if not isinstance(env, dict):
        raise ApiFail("400100", "Parameter 'env' must be an object")
    terminal = v.choice(env, "terminalType", TERMINAL_TYPES)
    trade_no = v.text(params, "merchantTradeNo", max_len=32, alnum=True)
    now = world.now()
    expire = v.integer(params, "orderExpireTime", need=False)
    if expire is None:
        expire = now + world.timings.default_order_ttl_s * 1000
    elif not now < expire <= now + MAX_ORDER_TTL_MS:
        raise ApiFail("400102", "orderExpireTime must be in the future and at most 1 hour ahead")
    for name in ("returnUrl", "cancelUrl"):
        v.text(params, name, max_len=256, need=False)
    v.text(params, "passThroughInfo", max_len=512, need=False)
    url = v.text(params, "webhookUrl", max_len=256, need=False)
    if url and not url.startswith(("http://", "https://")):
        raise ApiFail("400102", "webhookUrl must be http(s)")
    return terminal, trade_no, expire  # type: ignore[return-value]


def _new_order(world: World, params: dict[str, Any], path: str, amount, currency, name, **extra):
    terminal, trade_no, expire = _common_order(world, params, path)
    if trade_no in world.order_by_trade_no:
        raise ApiFail("400201", "merchantTradeNo is invalid or duplicated")
    now = world.now()
    order = Order(
        prepay_id=world.ids.next("prepay"),
        merchant_trade_no=trade_no,
        amount=amount,
        currency=currency,
        created_ms=now,
        expire_ms=expire,
        origin_path=path,
        terminal_type=terminal,
        trade_type=terminal,
        product_name=name,
        pass_through=params.get("passThroughInfo"),
        webhook_url=params.get("webhookUrl"),
        **extra,
    )
    world.orders[order.prepay_id] = order
    world.order_by_trade_no[trade_no] = order.prepay_id
    world.scheduler.at(expire, lambda at: _expire(world, order, at))
    world.log("order_created", prepayId=order.prepay_id, merchantTradeNo=trade_no)
    return _create_answer(world, order)


def _create_answer(world: World, order: Order) -> dict[str, Any]:
    data: dict[str, Any] = {
        "currency": order.currency,
        "totalFee": v.amount_text(order.amount),
        "prepayId": order.prepay_id,
        "terminalType": order.terminal_type,
        "expireTime": order.expire_ms,
        "qrcodeLink": world.link("qr", f"{order.prepay_id}.png"),
        "qrContent": f"https://app.binance.com/qr/dplk{order.prepay_id}",
        "checkoutUrl": world.link("checkout", order.prepay_id),
        "deeplink": f"bnc://app.binance.com/payment/secpay?tempToken={order.prepay_id}",
        "universalUrl": f"https://app.binance.com/payment/secpay?prepayId={order.prepay_id}",
    }
    if order.fiat_currency:
        data["fiatCurrency"] = order.fiat_currency
        data["fiatAmount"] = v.amount_text(order.fiat_amount or ZERO)
    return data


def create_v3(world: World, params: dict[str, Any], path: str) -> dict[str, Any]:
    v.text(params, "description", max_len=256)
    goods = v.required(params, "goodsDetails")
    if not isinstance(goods, list) or not all(isinstance(g, dict) for g in goods):
        raise ApiFail("400100", "goodsDetails must be a list of objects")
    for item in goods:
        v.text(item, "goodsName", max_len=256)
    fiat_currency = None
    fiat_amount = None
    if params.get("currency") is not None:
        currency = v.currency(params, "currency")
        amount = v.amount(params, "orderAmount")
    elif params.get("fiatCurrency") is not None:
        fiat_currency = v.text(params, "fiatCurrency", max_len=10)
        fiat_amount = v.amount(params, "fiatAmount")
        rate = world.timings.fx_usd.get(fiat_currency or "")
        if rate is None:
            raise ApiFail("400102", f"fiatCurrency {fiat_currency} is not supported")
        currency = "USDT"
        amount = (fiat_amount * rate).quantize(v.MIN_AMOUNT, rounding=ROUND_DOWN)
    else:
        raise ApiFail("400100", "currency and fiatCurrency cannot both be empty")
    return _new_order(
        world,
        params,
        path,
        amount,
        currency,
        goods[0]["goodsName"],
        fiat_currency=fiat_currency,
        fiat_amount=fiat_amount,
    )


def create_v2(world: World, params: dict[str, Any], path: str) -> dict[str, Any]:
    currency = v.currency(params, "currency")
    amount = v.amount(params, "orderAmount")
    goods = v.required(params, "goods")
    if not isinstance(goods, dict):
        raise ApiFail("400100", "goods must be an object")
    name = v.text(goods, "goodsName", max_len=256)
    return _new_order(world, params, path, amount, currency, name)


def _expire(world: World, order: Order, at: int) -> None:
    if order.status in ("INITIAL", "PENDING") and not order.payment_in_flight:
        order.status = "EXPIRED"
        world.log("order_expired", at, prepayId=order.prepay_id)
        world.emit(
            "PAY",
            order.prepay_id,
            "PAY_CLOSED",
            _notification(order),
            at_ms=at,
            webhook_url=order.webhook_url,
            origin_path=order.origin_path,
        )


def _notification(order: Order) -> dict[str, Any]:
    data: dict[str, Any] = {
        "merchantTradeNo": order.merchant_trade_no,
        "productType": order.product_type or "",
        "productName": order.product_name,
        "transactTime": order.transact_ms,
        "tradeType": order.trade_type,
        "totalFee": v.amount_number(order.amount),
        "currency": order.currency,
        "transactionId": order.transaction_id,
        "openUserId": order.open_user_id,
        "commission": v.amount_number(order.commission),
    }
    if order.pass_through is not None:
        data["passThroughInfo"] = order.pass_through
    if order.transaction_id:
        data["paymentInfo"] = {
            "payerId": order.open_user_id,
            "payMethod": "funding",
            "paymentInstructions": [
                {
                    "currency": order.currency,
                    "amount": v.amount_number(order.amount),
                    "price": Decimal(1),
                }
            ],
            "channel": "DEFAULT",
        }
    return {k: val for k, val in data.items() if val is not None}


def query(world: World, params: dict[str, Any], path: str) -> dict[str, Any]:
    v.one_of(params, "prepayId", "merchantTradeNo")
    order = world.order(params.get("prepayId"), params.get("merchantTradeNo"))
    if order is None:
        raise ApiFail("400202", "Order not found")
    data: dict[str, Any] = {
        "merchantId": int(world.merchant_id),
        "prepayId": order.prepay_id,
        "transactionId": order.transaction_id,
        "merchantTradeNo": order.merchant_trade_no,
        "status": order.status,
        "currency": order.currency,
        "orderAmount": v.amount_text(order.amount),
        "openUserId": order.open_user_id,
        "passThroughInfo": order.pass_through,
        "transactTime": order.transact_ms,
        "createTime": order.created_ms,
    }
    if order.transaction_id:
        data["commission"] = v.amount_text(order.commission)
        data["paymentInfo"] = _notification(order).get("paymentInfo")
    return {k: val for k, val in data.items() if val is not None}


def close(world: World, params: dict[str, Any], path: str) -> bool:
    v.one_of(params, "prepayId", "merchantTradeNo")
    order = world.order(params.get("prepayId"), params.get("merchantTradeNo"))
    if order is None:
        raise ApiFail("400202", "Order not found")
    if order.status not in ("INITIAL", "PENDING") or order.payment_in_flight:
        raise ApiFail("400204", f"Order cannot be closed in status {order.status}")
    now = world.now()
    order.status = "CANCELED"
    world.log("order_closed", prepayId=order.prepay_id)
    world.emit(
        "PAY",
        order.prepay_id,
        "PAY_CLOSED",
        _notification(order),
        at_ms=now + world.timings.close_settle_s * 1000,
        webhook_url=order.webhook_url,
        origin_path=order.origin_path,
    )
    return True


# -- the customer ----------------------------------------------------------------------


def open_checkout(world: World, order: Order) -> None:
    if order.status == "INITIAL":
        order.status = "PENDING"
        world.log("order_opened", prepayId=order.prepay_id)


def pay(world: World, order: Order, payer_id: str | None = None) -> Order:
    """The customer confirms payment; the order turns PAID after the settle delay."""
    if order.status not in ("INITIAL", "PENDING") or order.payment_in_flight:
        raise ApiFail("400204", f"Order cannot be paid in status {order.status}")
    open_checkout(world, order)
    order.payment_in_flight = True
    order.open_user_id = payer_id or world.ids.next("user")
    world.scheduler.at(
        world.now() + world.timings.payment_settle_s * 1000,
        lambda at: settle_payment(world, order, at),
    )
    return order


def settle_payment(world: World, order: Order, at: int) -> None:
    order.payment_in_flight = False
    if order.open_user_id in world.failing_parties:
        order.status = "ERROR"
        world.log("order_payment_failed", at, prepayId=order.prepay_id)
        return
    order.status = "PAID"
    order.transact_ms = at
    order.transaction_id = "M_P_" + world.ids.next("transaction")
    order.commission = (order.amount * world.timings.commission_rate).quantize(
        v.MIN_AMOUNT, rounding=ROUND_DOWN
    )
    ref, mref = order.prepay_id, order.merchant_trade_no
    world.wallets.move(
        FUNDING,
        order.currency,
        order.amount,
        at,
        kind="PAYMENT",
        reference=ref,
        merchant_reference=mref,
    )
    if order.commission:
        world.wallets.move(
            FUNDING,
            order.currency,
            -order.commission,
            at,
            kind="FEE",
            reference=ref,
            merchant_reference=mref,
        )
    world.log("order_paid", at, prepayId=order.prepay_id)
    world.emit(
        "PAY",
        order.prepay_id,
        "PAY_SUCCESS",
        _notification(order),
        at_ms=at,
        webhook_url=order.webhook_url,
        origin_path=order.origin_path,
    )


# -- refunds ---------------------------------------------------------------------------


def refund(world: World, params: dict[str, Any], path: str) -> dict[str, Any]:
    request_id = v.text(params, "refundRequestId", max_len=64)
    prepay_id = str(v.required(params, "prepayId"))
    requested = v.amount(params, "refundAmount")
    v.text(params, "refundReason", max_len=256, need=False)
    if request_id in world.refunds:
        raise ApiFail("400102", "refundRequestId was already used for another refund")
    order = world.order(prepay_id, None)
    if order is None:
        raise ApiFail("400301", "Invalid prepayId")
    if order.status not in REFUNDABLE:
        raise ApiFail("400204", f"Order cannot be refunded in status {order.status}")
    if order.refund_attempts >= MAX_REFUND_ATTEMPTS:
        raise ApiFail("400302", "Too many refund attempts")
    left = order.amount - order.refunded
    # On the last allowed attempt Binance refunds whatever is left, whatever was asked.
    amount = left if order.refund_attempts == MAX_REFUND_ATTEMPTS - 1 else requested
    if amount > left or amount <= 0:
        raise ApiFail("400303", f"Refund amount exceeds the refundable {v.amount_text(left)}")
    available, _ = world.wallets.get(FUNDING, order.currency)
    if available < amount:
        raise ApiFail("400304", "Merchant balance is not enough for this refund")
    now = world.now()
    order.refund_attempts += 1
    order.refunded += amount
    order.pending_refunds += 1
    order.status = "REFUNDING"
    commission = (order.commission * amount / order.amount).quantize(
        v.MIN_AMOUNT, rounding=ROUND_DOWN
    )
    item = Refund(
        refund_id=world.ids.next("refund"),
        refund_request_id=request_id,  # type: ignore[arg-type]
        prepay_id=prepay_id,
        amount=amount,
        refunded_after=order.refunded,
        remaining_attempts=MAX_REFUND_ATTEMPTS - order.refund_attempts,
        commission=commission,
        created_ms=now,
        origin_path=path,
        webhook_url=params.get("webhookUrl"),
    )
    world.refunds[item.refund_request_id] = item
    world.wallets.move(
        FUNDING,
        order.currency,
        -amount,
        now,
        kind="REFUND",
        reference=item.refund_id,
        merchant_reference=item.refund_request_id,
    )
    schedule_refund_settlement(world, order, item, now)
    world.log("refund_requested", refundRequestId=request_id, amount=v.amount_text(amount))
    return _refund_answer(order, item)


def schedule_refund_settlement(world: World, order: Order, item: Refund, now: int) -> None:
    world.scheduler.at(
        now + world.timings.refund_settle_s * 1000,
        lambda at: _settle_refund(world, order, item, at),
    )


def _refund_answer(order: Order, item: Refund) -> dict[str, Any]:
    return {
        "refundRequestId": item.refund_request_id,
        "prepayId": item.prepay_id,
        "orderAmount": v.amount_text(order.amount),
        "refundedAmount": v.amount_text(item.refunded_after),
        "refundAmount": v.amount_text(item.amount),
        "remainingAttempts": item.remaining_attempts,
        "payerOpenId": order.open_user_id,
        "duplicateRequest": "N",
        "refundId": item.refund_id,
    }


def _settle_refund(world: World, order: Order, item: Refund, at: int) -> None:
    item.status = "REFUND_SUCCESS"
    order.pending_refunds -= 1
    if order.pending_refunds == 0:
        order.status = "FULL_REFUNDED" if order.refunded == order.amount else "REFUNDED"
    world.log("refund_succeeded", at, refundRequestId=item.refund_request_id)
    data = {
        "merchantTradeNo": order.merchant_trade_no,
        "productType": order.product_type or "",
        "productName": order.product_name,
        "tradeType": order.trade_type,
        "totalFee": v.amount_number(order.amount),
        "currency": order.currency,
        "openUserId": order.open_user_id,
        "refundInfo": {
            **_refund_answer(order, item),
            "refundedAmount": v.amount_text(item.refunded_after),
        },
    }
    world.emit(
        "PAY_REFUND",
        order.prepay_id,
        "REFUND_SUCCESS",
        data,
        at_ms=at,
        webhook_url=item.webhook_url,
        origin_path=item.origin_path,
    )


def refund_query(world: World, params: dict[str, Any], path: str) -> dict[str, Any]:
    request_id = v.text(params, "refundRequestId", max_len=64)
    item = world.refunds.get(request_id)  # type: ignore[arg-type]
    if item is None and world.adopt_refund is not None:
        item = world.adopt_refund(str(request_id))
    if item is None:
        raise ApiFail("400202", "Refund not found")
    order = world.orders[item.prepay_id]
    refunded_commission = sum(
        (
            r.commission
            for r in world.refunds.values()
            if r.prepay_id == item.prepay_id and r.created_ms <= item.created_ms
        ),
        ZERO,
    )
    return {
        **_refund_answer(order, item),
        "refundStatus": item.status,
        "refundCommission": v.amount_text(item.commission),
        "refundedCommission": v.amount_text(refunded_commission),
    }
