"""Callbacks: verified before anything is read, and read from the operation, never from
payment.status alone (seed 003 figures 6-20, providers.md §4)."""

from __future__ import annotations

import copy
import json
import random
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.providers.base import (
    ContractState,
    DebitState,
    OrderState,
    PayoutLineState,
    RefundState,
)
from services.providers.errors import SignatureError
from services.providers.events import EventKind
from services.providers.monetix.callbacks import CallbackParser, MalformedCallback
from services.providers.monetix.events import Outcome, display_of, is_flagged
from services.providers.monetix.signature import sign

SECRET = "paydesk-test-secret"
PARSER = CallbackParser(SECRET, project_id=1234)


def seed_callback(**changes) -> dict:
    body = {
        "project_id": 1234,
        "payment": {"id": "payment_47", "type": "purchase", "status": "success",
                    "date": "2024-12-07T19:08:45+0000", "method": "unify",
                    "sum": {"amount": 10000, "currency": "EUR"}, "description": ""},
        "customer": {"id": "customer_123"},
        "operation": {"id": 47, "type": "sale", "status": "success",
                      "date": "2024-12-07T19:08:45+0000",
                      "created_date": "2024-12-07T19:08:05+0000",
                      "request_id": "1a23456bc7890de",
                      "sum_initial": {"amount": 10000, "currency": "EUR"},
                      "sum_converted": {"amount": 10000, "currency": "EUR"},
                      "code": "0", "message": "Success",
                      "provider": {"id": 12345, "payment_id": "123abc123-123", "auth_code": ""}},
    }
    for path, value in changes.items():
        node = body
        *parents, leaf = path.split("__")
        for key in parents:
            node = node[key]
        node[leaf] = value
    return body


def signed(body: dict, secret: str = SECRET) -> bytes:
    return json.dumps({**body, "signature": sign(body, secret)}).encode()


def test_successful_sale_is_a_paid_payment_with_the_operation_amount():
    event = PARSER.parse_event({}, signed(seed_callback()))
    assert event.kind is EventKind.PAYMENT
    assert event.state is OrderState.PAID and event.details["outcome"] == Outcome.SUCCEEDED
    # Monetix has no id of its own for a purchase: the event names it by our payment id.
    assert (event.merchant_id, event.provider_id) == ("payment_47", "payment_47")
    assert event.details["operation_id"] == "47"
    assert (event.amount, event.currency) == (Decimal("100.00"), "EUR")
    assert event.occurred_at == datetime(2024, 12, 7, 19, 8, 45, tzinfo=UTC)
    assert event.details["reason"] is None and not is_flagged(event)
    assert event.details["provider_reference"] == "123abc123-123"


def test_declined_refund_with_payment_status_success_is_a_failed_refund():
    # Seed figure 11: payment.status stays "success"; only the operation says "decline".
    body = seed_callback(operation__type="refund", operation__status="decline",
                         operation__code="20000", operation__message="General decline")
    event = PARSER.parse_event({}, signed(body))
    assert event.kind is EventKind.REFUND
    assert event.state is RefundState.FAILED
    # A refund has no id of its own at Monetix: it is known by its purchase.
    assert (event.merchant_id, event.parent_merchant_id) == (None, "payment_47")
    assert event.details["payment_status"] == "success"
    assert event.details["reason"] == "Declined"


def test_refund_amount_is_the_operation_sum_not_the_remaining_payment_sum():
    # Seed figure 10: after a full refund payment.sum is 0 (what is left).
    body = seed_callback(payment__status="refunded", payment__sum={"amount": 0, "currency": "EUR"},
                         operation__type="refund")
    event = PARSER.parse_event({}, signed(body))
    assert event.state is RefundState.SUCCEEDED
    assert event.amount == Decimal("100.00")


def test_partial_refund_then_reversal_are_both_refunds():
    partial = seed_callback(payment__status="partially refunded", operation__type="refund",
                            operation__sum_initial={"amount": 2550, "currency": "EUR"})
    assert PARSER.parse_event({}, signed(partial)).amount == Decimal("25.50")
    reversal = seed_callback(payment__status="reversed", operation__type="reversal")
    assert PARSER.parse_event({}, signed(reversal)).state is RefundState.SUCCEEDED


def test_declined_cof_charge_with_payment_status_success_is_a_failed_debit():
    # Seed figure 16.
    body = seed_callback(payment__type="recurring", operation__type="recurring",
                         operation__status="decline", operation__code="2701",
                         recurring={"id": 12345, "currency": "",
                                    "valid_thru": "-0001-11-30T00:00:00+0000"})
    body["errors"] = [{"code": "2701", "message": "Rules Failed Code",
                       "description": "fatal: RULES_FAILED_CODE"}]
    event = PARSER.parse_event({}, signed(body))
    assert event.kind is EventKind.DEBIT and event.state is DebitState.FAILED
    assert event.details["mandate_id"] == "12345"
    assert event.details["reason"] == "Refused by Monetix's risk rules"


def test_cof_cancellation_terminates_the_mandate():
    body = seed_callback(payment__type="recurring", operation__type="recurring_cancel",
                         recurring={"id": 12345})
    event = PARSER.parse_event({}, signed(body))
    assert event.kind is EventKind.MANDATE and event.state is ContractState.TERMINATED
    assert event.provider_id == "12345"  # the registration, not the operation


def test_failed_cof_cancellation_changes_no_state():
    body = seed_callback(operation__type="recurring_cancel", operation__status="decline")
    event = PARSER.parse_event({}, signed(body))
    assert event.details["outcome"] == Outcome.FAILED
    assert event.state is None and not is_flagged(event)


@pytest.mark.parametrize(
    ("status", "code", "state"),
    [("success", "0", PayoutLineState.SUCCEEDED), ("decline", "20102", PayoutLineState.FAILED),
     ("processing", "9999", PayoutLineState.PROCESSING)],
)
def test_payout_states(status, code, state):
    body = seed_callback(payment__type="payout", operation__type="payout",
                         operation__status=status, operation__code=code,
                         account={"number": "1234567890"})
    event = PARSER.parse_event({}, signed(body))
    assert event.kind is EventKind.PAYOUT_LINE and event.state is state
    assert event.details["account"] == "1234567890"


@pytest.mark.parametrize(
    ("code", "state"),
    [("20000", OrderState.ERROR), ("20602", OrderState.EXPIRED), ("20301", OrderState.CANCELED)],
)
def test_sale_declines_by_code(code, state):
    body = seed_callback(payment__status="decline", operation__status="decline",
                         operation__code=code)
    assert PARSER.parse_event({}, signed(body)).state is state


def test_unknown_operation_type_is_flagged_and_never_given_a_state():
    body = seed_callback(operation__type="chargeback")
    event = PARSER.parse_event({}, signed(body))
    assert event.kind is EventKind.OTHER
    assert event.state is None and event.details["outcome"] is None
    assert is_flagged(event) and "chargeback" in event.details["unknown_reason"]


def test_unknown_operation_status_is_flagged_even_for_a_known_type():
    event = PARSER.parse_event({}, signed(seed_callback(operation__status="held")))
    assert event.kind is EventKind.PAYMENT and event.state is None and is_flagged(event)


QR_ITEMS = [
    {"type": "qr_url", "title": "qr_url", "data": "https://example.com/qr.jpg"},
    {"type": "add_info", "title": "checkouturl", "data": "https://app.binance.com/payment/secpay"},
    {"type": "add_info", "title": "app_url", "data": "bnc://app.binance.com/payment/secpay"},
    {"type": "add_info", "title": "universalurl",
     "data": "https://app.binance.com/payment/universal"},
    {"type": "add_info", "title": "expired_timestamp", "data": "1707411997"},
]


@pytest.mark.parametrize("as_text", [False, True])
def test_intermediate_callback_gives_the_qr_links_and_expiry(as_text):
    items = list(reversed(QR_ITEMS))  # read by title, not by position
    body = seed_callback(payment__status="awaiting customer",
                         operation__status="awaiting customer action")
    body["display_data"] = json.dumps(items) if as_text else items
    event = PARSER.parse_event({}, signed(body))
    assert event.state is OrderState.PENDING
    links = display_of(event).links
    assert links.qr_code_link == "https://example.com/qr.jpg"
    assert links.checkout_url == "https://app.binance.com/payment/secpay"
    assert links.deeplink == "bnc://app.binance.com/payment/secpay"
    assert links.universal_url == "https://app.binance.com/payment/universal"
    assert display_of(event).expires_at == datetime.fromtimestamp(1707411997, tz=UTC)
    final = PARSER.parse_event({}, signed(seed_callback()))
    assert event.identity != final.identity


def test_layout_1_has_no_expiry():
    body = seed_callback(operation__status="processing")
    body["display_data"] = QR_ITEMS[:3]
    event = PARSER.parse_event({}, signed(body))
    assert display_of(event).expires_at is None
    assert display_of(event).links.universal_url is None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda b: b["operation"]["sum_initial"].__setitem__("amount", 100000),
        lambda b: b["operation"].__setitem__("status", "success "),
        lambda b: b.__setitem__("signature", "A" + b["signature"][1:]
                               if b["signature"][0] != "A" else "B" + b["signature"][1:]),
        lambda b: b.pop("signature"),
        lambda b: b.__setitem__("signature", ""),
        lambda b: b.__setitem__("extra", "added after signing"),
    ],
)
def test_anything_changed_after_signing_is_rejected(tamper):
    body = json.loads(signed(seed_callback()))
    tamper(body)
    with pytest.raises(SignatureError):
        PARSER.parse_event({}, json.dumps(body).encode())


def test_wrong_secret_wrong_project_and_non_json_are_rejected():
    with pytest.raises(SignatureError):
        PARSER.parse_event({}, signed(seed_callback(), secret="other"))
    with pytest.raises(SignatureError, match="project"):
        PARSER.parse_event({}, signed(seed_callback(project_id=999)))
    for junk in (b"", b"not json", b"[]", b'"text"'):
        with pytest.raises(SignatureError):
            PARSER.parse_event({}, junk)


def test_signed_but_malformed_callbacks_are_refused_in_words():
    body = seed_callback(operation__sum_initial={"amount": "12.5", "currency": "EUR"})
    with pytest.raises(MalformedCallback, match="sum_initial"):
        PARSER.parse_event({}, signed(body))
    no_payment = seed_callback()
    del no_payment["payment"]
    with pytest.raises(MalformedCallback, match="payment.id"):
        PARSER.parse_event({}, signed(no_payment))


def test_repeated_and_reordered_deliveries_parse_to_the_same_events():
    bodies = [
        seed_callback(operation__status="awaiting customer action"),
        seed_callback(),
        seed_callback(operation__id=48, operation__type="refund", payment__status="refunded"),
        seed_callback(operation__id=49, operation__type="refund", operation__status="decline"),
    ]
    bodies[0]["display_data"] = QR_ITEMS
    first = [PARSER.parse_event({}, signed(b)) for b in bodies]
    rng = random.Random(12)
    for _ in range(5):
        shuffled = [copy.deepcopy(b) for b in bodies * 2]
        rng.shuffle(shuffled)
        # Key order inside the JSON is shuffled too: the signature must not depend on it.
        again = [
            PARSER.parse_event({}, json.dumps(_shuffle_keys(json.loads(signed(b)), rng)).encode())
            for b in shuffled
        ]
        by_key = {(e.provider_id, e.provider_status): e for e in again}
        assert len(by_key) == len(first)
        for event in first:
            twin = by_key[(event.provider_id, event.provider_status)]
            assert (twin.kind, twin.state, twin.amount, display_of(twin), twin.details) == (
                event.kind, event.state, event.amount, display_of(event), event.details)


def _shuffle_keys(node, rng):
    if isinstance(node, dict):
        items = list(node.items())
        rng.shuffle(items)
        return {k: _shuffle_keys(v, rng) for k, v in items}
    if isinstance(node, list):
        return [_shuffle_keys(v, rng) for v in node]
    return node


def test_oversized_deeply_nested_or_oddly_typed_bodies_are_refused_not_crashed():
    with pytest.raises(SignatureError, match="too large"):
        PARSER.parse_event({}, b"{" + b" " * (300 * 1024) + b"}")
    with pytest.raises(SignatureError):
        PARSER.parse_event({}, b"[" * 5000 + b"]" * 5000)
    odd = seed_callback(project_id={"not": "an id"})
    with pytest.raises(SignatureError, match="project"):
        PARSER.parse_event({}, signed(odd))
