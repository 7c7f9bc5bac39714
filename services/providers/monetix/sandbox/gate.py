"""The Gate endpoints for Binance Pay (``unify``): validation, state changes, callbacks.

Each handler takes the verified request body and returns the synchronous answer's extra
fields, or raises ``ApiFail`` with the platform's code. What happens to the money is decided
later (scheduled or by a customer action) and told in a callback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iso4217 import Currency

from .. import endpoints as ep
from ..amounts import BINANCE_PAY_UNSUPPORTED
from .state import Operation, Payment, Registration
from .world import ApiFail, World

CUSTOMER_FIELDS = ("id", "ip_address", "first_name", "last_name", "email")
RECEIVE_TYPES = ("BINANCE_ID", "EMAIL")
FINAL = ("success", "decline", "error")


def _obj(body: Mapping[str, Any], name: str, *, required: bool = True) -> Mapping[str, Any]:
    value = body.get(name)
    if value is None and not required:
        return {}
    if not isinstance(value, Mapping):
        raise ApiFail("2004", f"Required field not provided: {name}")
    return value


def _text(node: Mapping[str, Any], name: str, where: str) -> str:
    value = node.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ApiFail("2004", f"Required field not provided: {where}.{name}")
    return value


def _customer(body: Mapping[str, Any], fields: tuple[str, ...] = CUSTOMER_FIELDS) -> dict:
    node = _obj(body, "customer")
    return {name: _text(node, name, "customer") for name in fields} | {
        k: v for k, v in node.items() if isinstance(v, str)}


def _money(payment: Mapping[str, Any], *, binance: bool = True) -> tuple[int, str]:
    amount, currency = payment.get("amount"), payment.get("currency")
    if amount is None or currency is None:
        raise ApiFail("2004", "Required field not provided: payment.amount / payment.currency")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ApiFail("702", "payment.amount must be a positive integer in minor units")
    if not isinstance(currency, str):
        raise ApiFail("3121", "Invalid currency")
    try:
        Currency(currency)
    except ValueError:
        raise ApiFail("3121", f"Invalid currency {currency}") from None
    if binance and currency in BINANCE_PAY_UNSUPPORTED:
        raise ApiFail("3023", f"Provided currency {currency} disabled for Binance Pay")
    return amount, currency


def _by_method(payment: Mapping[str, Any]) -> None:
    if payment.get("by_method") != ep.BY_METHOD:
        raise ApiFail("2541", "Unknown Payment Method: by_method must be BinancePay")


def _new_payment_id(world: World, body: Mapping[str, Any]) -> str:
    payment_id = str(body["general"]["payment_id"])
    if payment_id in world.payments:
        raise ApiFail("3041", "Payment ID already exists")
    return payment_id


def _callback_url(body: Mapping[str, Any]) -> str | None:
    url = body["general"].get("merchant_callback_url")
    return url if isinstance(url, str) and url else None


def _settle(world: World, payment: Payment, op: Operation, status: str, code: str,
            message: str, *, errors: list[dict[str, str]] | None = None) -> None:
    op.status, op.code, op.message, op.updated_ms = status, code, message, world.now()
    world.log(f"{op.type} {status}", payment, op)
    world.callback(payment, op, errors=errors)


# -- purchase ----------------------------------------------------------------------------


def sale(world: World, body: Mapping[str, Any], path: str) -> None:
    payment_id = _new_payment_id(world, body)
    customer = _customer(body)
    payment_node = _obj(body, "payment")
    _by_method(payment_node)
    amount, currency = _money(payment_node)
    register = _obj(body, "recurring", required=False).get("register") is True
    now = world.now()
    payment = Payment(
        id=payment_id, type="purchase", status="processing", currency=currency, amount=amount,
        initial_amount=amount, customer=customer, created_ms=now,
        description=str(payment_node.get("description") or ""), register_cof=register,
        qr_expires_ms=now + world.timings.qr_ttl_s * 1000, callback_url=_callback_url(body),
    )
    op = world.new_operation("sale", amount, currency, path)
    payment.operations.append(op)
    world.payments[payment_id] = payment
    world.log("sale accepted", payment, op)
    world.scheduler.at(now + world.timings.qr_callback_s * 1000,
                       lambda _t: _show_qr(world, payment, op))
    world.scheduler.at(payment.qr_expires_ms, lambda _t: _expire(world, payment, op))


def _show_qr(world: World, payment: Payment, op: Operation) -> None:
    if op.status != "processing":
        return
    payment.status, op.status, op.message = "awaiting customer", "awaiting customer action", (
        "Awaiting customer action")
    op.updated_ms = world.now()
    world.log("QR shown", payment, op)
    world.callback(payment, op, display=True)


def _expire(world: World, payment: Payment, op: Operation) -> None:
    if op.status in FINAL:
        return
    payment.status = "decline"
    _settle(world, payment, op, "decline", world.timings.expiry_code,
            "QR code expired: the customer did not pay within 20 minutes")


def pending_sale(world: World, payment_id: str) -> tuple[Payment, Operation]:
    payment = world.payments.get(payment_id)
    op = payment.last("sale") if payment else None
    if payment is None or op is None:
        raise ApiFail("3061", "Transaction not found")
    if op.status in FINAL:
        raise ApiFail("3060", f"the purchase is already {op.status}")
    return payment, op


def pay(world: World, payment_id: str) -> Payment:
    """The customer scans the QR and pays."""
    payment, op = pending_sale(world, payment_id)
    payment.status = "success"
    if payment.register_cof:
        registration = Registration(world.ids.next(), payment.id, payment.currency,
                                    payment.amount, str(payment.customer.get("id")))
        world.registrations[registration.id] = registration
        payment.recurring_id = registration.id
    _settle(world, payment, op, "success", "0", "Success")
    return payment


def decline(world: World, payment_id: str, code: str = "20000",
            message: str = "General decline") -> Payment:
    payment, op = pending_sale(world, payment_id)
    payment.status = "decline"
    _settle(world, payment, op, "decline", code, message)
    return payment


# -- status and refund ---------------------------------------------------------------------


def find(world: World, body: Mapping[str, Any]) -> Payment:
    payment = world.payments.get(str(body["general"]["payment_id"]))
    if payment is None:
        raise ApiFail("3061", "Transaction not found")
    return payment


def refund(world: World, body: Mapping[str, Any], path: str) -> None:
    payment = find(world, body)
    node = _obj(body, "payment")
    _by_method(node)
    if not isinstance(node.get("description"), str) or not node["description"].strip():
        raise ApiFail("2004", "Required field not provided: payment.description")
    if payment.type != "purchase" or payment.status not in ("success", "partially refunded"):
        raise ApiFail("3060", f"payment status {payment.status} does not allow a refund")
    in_flight = payment.last("refund")
    if in_flight is not None and in_flight.status not in FINAL:
        raise ApiFail("3285", "Blocked repeat refund: the previous refund is still processing")
    if "amount" in node or "currency" in node:
        amount, currency = _money(node, binance=False)
        if currency != payment.currency:
            raise ApiFail("3284", "Refund currency does not match the payment currency")
        if amount > payment.amount:
            raise ApiFail("3283", "Refund amount exceeds the amount left of the payment")
    else:
        amount = payment.amount
    merchant_refund_id = node.get("merchant_refund_id")
    if isinstance(merchant_refund_id, str) and merchant_refund_id:
        if merchant_refund_id in world.merchant_refund_ids:
            raise ApiFail("3230", "Operation with such merchant_refund_id already exists")
        world.merchant_refund_ids.add(merchant_refund_id)
    op = world.new_operation("refund", amount, payment.currency, path)
    op.merchant_refund_id = merchant_refund_id if isinstance(merchant_refund_id, str) else None
    payment.operations.append(op)
    world.log("refund accepted", payment, op)
    world.scheduler.at(world.now() + world.timings.refund_settle_s * 1000,
                       lambda _t: _settle_refund(world, payment, op))


def _settle_refund(world: World, payment: Payment, op: Operation) -> None:
    code = world.failing_refunds.pop(payment.id, None)
    if code is not None:
        # Seed figure 11: the payment keeps its status and sum; only the operation fails.
        _settle(world, payment, op, "decline", code, "General decline")
        return
    payment.amount -= op.amount
    payment.status = "refunded" if payment.amount == 0 else "partially refunded"
    _settle(world, payment, op, "success", "0", "Success")


# -- payout ------------------------------------------------------------------------------


def payout(world: World, body: Mapping[str, Any], path: str) -> None:
    payment_id = _new_payment_id(world, body)
    customer = _customer(body)
    account = _text(_obj(body, "account"), "number", "account")
    node = _obj(body, "payment")
    _by_method(node)
    amount, currency = _money(node)
    receive_type = _obj(body, "payment_data", required=False).get("receive_type", "BINANCE_ID")
    if receive_type not in RECEIVE_TYPES:
        raise ApiFail("702", f"payment_data.receive_type must be one of {RECEIVE_TYPES}")
    if currency in world.balances:
        if world.balances[currency] < amount:
            raise ApiFail("3028", "Insufficient funds on merchant balance")
        world.balances[currency] -= amount
    payment = Payment(id=payment_id, type="payout", status="processing", currency=currency,
                      amount=amount, initial_amount=amount, customer=customer,
                      created_ms=world.now(), account=account, receive_type=receive_type,
                      description=str(node.get("description") or ""))
    op = world.new_operation("payout", amount, currency, path)
    payment.operations.append(op)
    world.payments[payment_id] = payment
    world.log("payout accepted", payment, op)
    world.scheduler.at(world.now() + world.timings.payout_settle_s * 1000,
                       lambda _t: _settle_payout(world, payment, op))


def _account_ok(account: str, receive_type: str | None) -> bool:
    if receive_type == "EMAIL":
        return "@" in account.strip("@")
    return account.isascii() and account.isdigit() and len(account) >= 8


def _settle_payout(world: World, payment: Payment, op: Operation) -> None:
    code = world.failing_accounts.get(payment.account or "")
    if code is None and not _account_ok(payment.account or "", payment.receive_type):
        code = "20102"
    if code is not None:
        if payment.currency in world.balances:
            world.balances[payment.currency] += payment.amount
        payment.status = "decline"
        _settle(world, payment, op, "decline", code, "Declined by provider")
        return
    payment.status = "success"
    _settle(world, payment, op, "success", "0", "Success")


# -- stored credentials --------------------------------------------------------------------


def _registration(world: World, body: Mapping[str, Any]) -> Registration:
    raw = _obj(body, "recurring").get("id")
    text = str(raw) if isinstance(raw, int | str) and not isinstance(raw, bool) else ""
    registration = world.registrations.get(int(text)) if text.isdigit() else None
    if registration is None:
        raise ApiFail("3181", "COF purchase not found")
    if not registration.active:
        raise ApiFail("3184", "COF purchase was cancelled")
    return registration


def recurring(world: World, body: Mapping[str, Any], path: str) -> None:
    payment_id = _new_payment_id(world, body)
    registration = _registration(world, body)
    # Figure 13 of the seed sends only the IP address, so only that is required here.
    customer = _customer(body, ("ip_address",))
    amount, currency = _money(_obj(body, "payment"))
    payment = Payment(id=payment_id, type="recurring", status="processing", currency=currency,
                      amount=amount, initial_amount=amount, customer=customer,
                      created_ms=world.now(), recurring_id=registration.id)
    op = world.new_operation("recurring", amount, currency, path)
    payment.operations.append(op)
    world.payments[payment_id] = payment
    world.log("COF charge accepted", payment, op)
    world.scheduler.at(world.now() + world.timings.recurring_settle_s * 1000,
                       lambda _t: _settle_charge(world, payment, op, registration))


def _settle_charge(world: World, payment: Payment, op: Operation,
                   registration: Registration) -> None:
    # "The amount and currency must match the values in the auth request" (seed table 6).
    if (not registration.active or op.amount != registration.amount
            or op.currency != registration.currency):
        # Figure 16: a declined charge keeps payment status "success" with an errors list.
        payment.status = "success"
        _settle(world, payment, op, "decline", "2701", "Rules Failed Code",
                errors=[{"code": "2701", "message": "Rules Failed Code",
                         "description": "fatal: RULES_FAILED_CODE"}])
        return
    payment.status = "success"
    _settle(world, payment, op, "success", "0", "Success")


def recurring_cancel(world: World, body: Mapping[str, Any], path: str) -> None:
    registration = _registration(world, body)
    payment = world.payments[registration.payment_id]
    pending = payment.last("recurring_cancel")
    if pending is not None and pending.status not in FINAL:
        raise ApiFail("3613", "Duplicate operation: the cancellation is being processed")
    op = world.new_operation("recurring_cancel", registration.amount, registration.currency,
                             path)
    payment.operations.append(op)
    world.log("COF cancel accepted", payment, op)
    world.scheduler.at(world.now() + world.timings.cancel_settle_s * 1000,
                       lambda _t: cancel_registration(world, registration, op))


def cancel_registration(world: World, registration: Registration, op: Operation | None = None,
                        *, by_customer: bool = False) -> None:
    payment = world.payments[registration.payment_id]
    if op is None:
        op = world.new_operation("recurring_cancel", registration.amount,
                                 registration.currency, "customer")
        payment.operations.append(op)
    registration.active = False
    # Figure 15: a cancellation arrives with payment status "success".
    message = "Subscription is canceled by customer" if by_customer else "Success"
    _settle(world, payment, op, "success", "0", message)


ROUTES = {
    ep.SALE: sale,
    ep.REFUND: refund,
    ep.PAYOUT: payout,
    ep.RECURRING: recurring,
    ep.RECURRING_CANCEL: recurring_cancel,
}
