"""Every Monetix signature vector of the reference (providers.md §8.1, §9; binance-pay-protocol.md
§9.2), plus the rules that decide them: nulls, colons in keys, nested signatures, sort order."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from services.providers.monetix.signature import (
    SortOrder,
    UnsignableValue,
    sign,
    sign_string,
    string_to_sign,
    verify,
)

SECRET = "paydesk-test-secret"

CUSTOMER = {
    "id": "customer_123",
    "ip_address": "198.51.100.47",
    "first_name": "John",
    "last_name": "Doe",
    "email": "johndoe@example.com",
}

MV1_BODY = {
    "general": {"project_id": 1234, "payment_id": "payment_47"},
    "customer": CUSTOMER,
    "payment": {"currency": "EUR", "amount": 10000, "by_method": "BinancePay"},
    "return_url": {
        "success": "https://example.com/success/",
        "decline": "https://example.com/decline/",
        "return": "https://example.com/return/",
    },
    "recurring": {"register": True},
}
MV1 = "ge+fRCVktBUkdYnRD9ckKzMFDCzRk8l8NkQE3Nds7CkERQjILcXVmDSWbgDFKxtCQR+YYGipfcHc396PcSU/iA=="
MV1_STRING = (
    "customer:email:johndoe@example.com;customer:first_name:John;customer:id:customer_123;"
    "customer:ip_address:198.51.100.47;customer:last_name:Doe;general:payment_id:payment_47;"
    "general:project_id:1234;payment:amount:10000;payment:by_method:BinancePay;"
    "payment:currency:EUR;recurring:register:1;return_url:decline:https://example.com/decline/;"
    "return_url:return:https://example.com/return/;return_url:success:https://example.com/success/"
)

# Seed figure 6 exactly as printed; its printed signature is a truncated placeholder.
FIGURE_6 = """{
    "project_id": 1234,
    "payment": {"id": "payment_47", "type": "purchase", "status": "success",
        "date": "2024-12-07T19:08:45+0000", "method": "unify",
        "sum": {"amount": 10000, "currency": "EUR"}, "description": ""},
    "customer": {"id": "customer_123"},
    "operation": {"id": 47, "type": "sale", "status": "success",
        "date": "2024-12-07T19:08:45+0000", "created_date": "2024-12-07T19:08:05+0000",
        "request_id": "1a23456bc7890de",
        "sum_initial": {"amount": 10000, "currency": "EUR"},
        "sum_converted": {"amount": 10000, "currency": "EUR"},
        "code": "0", "message": "Success",
        "provider": {"id": 12345, "payment_id": "123abc123-123", "auth_code": ""}},
    "signature": "U7HQO7ToISZhMPKdM4XrUKQtoYzFvoB3cs9CRd4xeYG2Q=="
}"""


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(MV1_BODY, MV1, id="MV1-sale"),
        pytest.param(
            {
                "general": {"project_id": 1234, "payment_id": "payment_47"},
                "payment": {"currency": "EUR", "amount": 5000,
                            "description": "Refund description.", "by_method": "BinancePay"},
            },
            "n+D7axIEo5DkV5BK93FR/kWcvneQqOgkcRfIyv47pHw2ms+hOFWTCmY8+C+YhMSfr91h411TeOzWxAw73+y6cg==",
            id="MV2-partial-refund",
        ),
        pytest.param(
            {
                "general": {"project_id": 1234, "payment_id": "payout_48"},
                "customer": CUSTOMER,
                "account": {"number": "1234567890"},
                "payment": {"currency": "EUR", "amount": 10000, "by_method": "BinancePay"},
                "payment_data": {"receive_type": "BINANCE_ID"},
            },
            "SGCWJC+MJjXTcbwjYzw1en2WOmuxrlKbaZG4nG016pP+a1egY5yh/BsK3RTjm0LWe6r8cupkBSuNQ/Mj24u0ZQ==",
            id="MV3-payout",
        ),
        pytest.param(
            json.loads(FIGURE_6),
            "A1ldlivASADrKiZFQBOXbu6AURobieEinusQA1EBsQSRGjvwb4wUdmP9jimUHBrrAG+19dZIfaB72ofJzqg7Fg==",
            id="MV4-figure-6-callback",
        ),
        pytest.param(
            {"general": {"project_id": 1234, "payment_id": "payment_47"}},
            "OSr8ocFCPVDWb2qRNgQcrA/lu2r3O08HKPu8sWrgIxtlIlOHhLpmNhNezs153lQWEzOQP0k6rx/fEyqLdGXmbw==",
            id="MV5-status",
        ),
    ],
)
def test_binance_pay_body_vectors(body, expected):
    assert sign(body, SECRET) == expected
    assert verify(body, SECRET, expected)


def test_mv1_string_to_sign_matches_the_reference_byte_for_byte():
    assert string_to_sign(MV1_BODY) == MV1_STRING


def test_mv4_signs_empty_strings_as_bare_keys():
    text = string_to_sign(json.loads(FIGURE_6))
    assert "operation:provider:auth_code:;" in text
    assert "payment:description:;" in text
    assert "signature" not in text


JAVA_ARRAY_CASE = {
    "errors": [
        {"message": "error1", "code": 1, "fail": True},
        {"message": "error2", "code": 2, "fail": False},
        {"message": "error3", "code": 3, "fail": {"sub-fail": {"test": 1}}},
    ],
    "sum_converted": {"amount": 10000, "currency": "EUR"},
}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            {"payment": {"id": "test.test-payment", "status": "success", "valid": True},
             "some-data": 1234, "frame_mode": "popup"},
            "Z0YwpWdNwBspA/6wicHVr4f6n0xMFuyZnAlIxnO86Zu/EIo3FZUEntClEVjulKpBrVF+HlyPEK1X41iCjbFgWg==",
            id="java-sign-ignores-frame_mode",
        ),
        pytest.param(
            {"payment": {"id": "test.test-payment", "status": "success"}},
            "OonQm2ElTzZU80dNnsrS/ulnGU/eEMg7U1jfLRiKn0zx3GmnEOP2ne/pUOJ9LkzntYT7llgRhTpbxcT3ldHyEA==",
            id="java-callback",
        ),
        pytest.param(
            {"payment": {"status": "success"}},
            "jRtwdhnY6bQGt39FRUVrXEBTgplUTjRpCA/37x95/c5FvdsnZMnlLUGXVRpNjKOHbawT0s9AmUy3rajlexddwQ==",
            id="java-callback-without-payment-id",
        ),
        pytest.param(
            {"project_id": 123, "recurring": {"id": 321, "status": "active", "type": "Y",
                                              "currency": "EUR", "exp_year": "2025",
                                              "exp_month": "12", "period": "D", "time": "11"}},
            "AThqkBCZ6WZtY3WrMV28o7SM/vq6OIVF9qiVbELN4e/Ux59Lb5LFFnEuTq6bHa5pRvaPIkQGABXdpIrNLaeJdQ==",
            id="java-cof-callback",
        ),
        pytest.param(
            JAVA_ARRAY_CASE,
            "oXF9a0F80FBkT5plV1aVcQIVSWr3l07StkQ2izUKmy//H2S9gMX982Kgm4tXB4+Ze1S5E1jeKhwheIgYMZ4J+w==",
            id="java-lists-bools-nested",
        ),
        pytest.param(
            {"project_id": "123", "payment_id": "test_payment", "account_token": "qwerty",
             "interface_type": '{"id": 21}', "best_before": "2200-12-12T12:12:12+03:00"},
            "Isx3ivYhho57twVTh943HLLger8nUAxu8599dbieXVnbQHgl5FJ+UrMohHXUW3uZ16qBam/4nvxeFZUvaSF6gg==",
            id="java-payment-page-params",
        ),
    ],
)
def test_monetix_java_sdk_vectors(body, expected):
    assert sign(body, "qwerty") == expected


ECOMMPAY_V2_BODY = {
    "payment": {"id": "test-payment"},
    "errors": [
        {"code": "123", "message": "grand crash",
         "description": ["description-str", {"description1": 1}]},
        {"code": "456", "message": "minor crash"},
    ],
}


@pytest.mark.parametrize(
    ("body", "secret", "expected"),
    [
        pytest.param(
            {"payment": {"id": "test-payment", "status": "success"}, "some_bool_param": True,
             "frame_mode": "popup"},
            "qwerty",
            "TZS0J65ReNUMgKzeXUey9xOGGyC7r4OhsFXt/3H8XZM2Le8Wot2E1NIjeSPOyV1F3sUU6F3kfo9om2dhbe3ieA==",
            id="V1",
        ),
        pytest.param(
            ECOMMPAY_V2_BODY,
            "qwerty",
            "i6F9q/cfj8T+r/9z1U1f+WgGe0Y/2L2Ml7pp6x6GKLmS0SwbEzcD1/DJ2Hx4PwSgyD696SU19MjtHBF0gv+LKA==",
            id="V2",
        ),
        pytest.param(
            {"general": {"project_id": 1000, "payment_id": "order-42"},
             "customer": {"id": "cust-1", "ip_address": "198.51.100.7"},
             "payment": {"amount": 1050, "currency": "USD", "description": "Test"},
             "send_email": False},
            "sandbox-secret",
            "5TFV7AgT1oN3KL3+3JEMY4ctq/XEzgG/pe9vcW2ERzuWZAJjfq+4Y9OK+HrPvQqQW7X70/XgrvmGTanS26jpNg==",
            id="V4",
        ),
        pytest.param(
            {"project_id": 12345, "payment_id": "X03936", "payment_amount": 3550,
             "payment_currency": "USD", "payment_description": "Guyliner purchase",
             "customer_first_name": "Jack", "customer_last_name": "Sparrow",
             "customer_phone": "02081234567"},
            "secret",
            "e+kuzNpbptuGG4G7WxjuT8EFh90v2eMCh2EQ4y+hq5XX/aptGzhpi7a0uk/c7HdXj7M2o33WLrMNLEKD8yl3Kg==",
            id="V5",
        ),
    ],
)
def test_sibling_note_vectors(body, secret, expected):
    assert sign(body, secret) == expected


def test_v3_raw_string_vector():
    # The Rust connector signed this string as is (an empty general:signature included); the
    # HMAC/Base64 step must reproduce it even though our flattening drops that key.
    text = (
        "card_operation_type:sale;customer:id:customer_id;"
        "general:merchant_callback_url:https//google.com;general:payment_id:payment_id;"
        "general:project_id:1000;general:signature:;payment:amount:1000;payment:best_before:3467;"
        "payment:currency:USD;payment:description:description;payment:extra_param:extra_param;"
        "payment:moto_type:0;return_url:;send_email:0"
    )
    assert sign_string(text, "123abc123abc") == (
        "ciI5AviOsoIACDm1McI7evYvYKLwjo7bv3+TF4MJkVNh9tPd9RWEYM49w7kgnFg50BpSGD4oU4JUZZkpfg4uTg=="
    )


def test_null_is_signed_empty_like_the_ecommpay_sdk_test():
    body = json.loads(json.dumps(ECOMMPAY_V2_BODY))
    body["errors"][1]["description"] = None
    assert "errors:1:description:;" in string_to_sign(body) + ";"
    assert sign(body, "qwerty") == (
        "dxjnun8oySSl0CWlhhjy/k1V9CZcCtaHvu/Y5qJQbWHq8wd6TqTUt4bIfHrlWxT8ba9NOJfkgGHrGc5OgyQVGA=="
    )


def test_colon_in_a_key_is_escaped_so_it_cannot_pose_as_nesting():
    assert string_to_sign({"a:b": {"c": 1}}) == "a::b:c:1"
    assert sign({"a:b": 1}, SECRET) != sign({"a": {"b": 1}}, SECRET)


def test_every_signature_key_is_dropped_at_any_depth():
    signed = {
        **MV1_BODY,
        "general": {**MV1_BODY["general"], "signature": "whatever"},
        "signature": "top",
        "errors": [{"code": "1", "signature": "in a list"}],
    }
    plain = {**MV1_BODY, "errors": [{"code": "1"}]}
    assert string_to_sign(signed) == string_to_sign(plain)


def test_sort_orders_differ_only_for_prefix_keys_and_verify_accepts_both():
    body = {"a": 1, "a-b": 2}
    assert string_to_sign(body, SortOrder.ITEM) == "a-b:2;a:1"
    assert string_to_sign(body, SortOrder.PATH) == "a:1;a-b:2"
    assert verify(body, SECRET, sign(body, SECRET, SortOrder.PATH))
    assert verify(body, SECRET, sign(body, SECRET, SortOrder.ITEM))
    assert string_to_sign(MV1_BODY, SortOrder.PATH) == string_to_sign(MV1_BODY, SortOrder.ITEM)


@pytest.mark.parametrize("bad", ["", None, 123, "ge+fRCVkt", MV1[:-4] + "AAA=", MV1 + "x", "é" * 8])
def test_verify_refuses_anything_but_the_exact_signature(bad):
    assert not verify(MV1_BODY, SECRET, bad)


def test_verify_refuses_a_changed_amount():
    tampered = {**MV1_BODY, "payment": {**MV1_BODY["payment"], "amount": 10001}}
    assert not verify(tampered, SECRET, MV1)


def test_floats_are_refused_and_decimals_read_from_json_keep_their_digits():
    with pytest.raises(UnsignableValue, match="payment:amount"):
        sign({"payment": {"amount": 100.5}}, SECRET)
    assert string_to_sign({"rate": Decimal("1.50")}) == "rate:1.50"
