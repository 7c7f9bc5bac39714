"""Juicyway's webhook checksum against every vector of reference/providers.md 12.1."""

from __future__ import annotations

import pytest

from services.providers import errors as neutral
from services.providers.base import OrderState
from services.providers.juicyway import checksum, webhooks, wire

KEY_A = "biz_test_123"
KEY_B = "3d6c9e2e-1caf-4807-97ff-bbd35fc4dc1b"
SUCCEEDED = "payment.session.succeeded"
JV1_DATA = {"amount": 5000, "currency": "NGN", "id": "pay_abc", "reference": "ref_001"}
JV3_TEXT = (
    '{"amount":100,"cancellation_reason":null,"currency":"USD","customer":{"email":"t@example.com",'
    '"first_name":"Tolu","last_name":"Adébáyọ̀"},"id":"83a6783c-f5a9-11ee-8831-feb7e1bada9f",'
    '"links":{"qr_url":"https://public.bnbstatic.com/static/payment/x.jpg"},"metadata":{},'
    '"reference":"ord-0001","status":"success"}'
)


def test_jv1_compact_sorted() -> None:
    assert checksum.sign(SUCCEEDED, JV1_DATA, KEY_A) == (
        "1CD1A9C394342FE139C68CAE1932A9D56982A50B6EE8299125539630670603FA"
    )


def test_jv3a_nested_canonical_and_the_escaped_variants() -> None:
    data = wire.loads(JV3_TEXT)
    assert checksum.sign(SUCCEEDED, data, KEY_B) == (
        "16F9C4404EFBB1C4CE30C93CD1ADBF1922802FEE31D9233D77B4BE63117ACCA0"
    )
    assert checksum.sign(SUCCEEDED, data, KEY_B, ascii_only=True) == (
        "E7AB13FE7D4F3630EE8EE4AC185B9E838BE42C231FE02DC40DFD21DF52072104"
    )
    assert checksum.sign(SUCCEEDED, data, KEY_B, ascii_only=True, escape_slash=True) == (
        "01905B258EB751FD7EC77DED1EE1BAC696CA0D93226F74EF41913134DE18D5B5"
    )


def test_jv4_failed_and_jv5_empty_data() -> None:
    failed = {"amount": 100, "currency": "USD", "id": "83a6783c-f5a9-11ee-8831-feb7e1bada9f",
              "reference": "ord-0002", "status": "failed"}
    assert checksum.sign("payment.session.failed", failed, KEY_B) == (
        "AD9AA4E8CC4CA6FAA28735C7D86658886D4581238524B17360C79ABD164D2621"
    )
    assert checksum.sign(SUCCEEDED, {}, KEY_A) == (
        "98EA502D14ED7C811516CA7607B3DB936FB39B2809DB53AF5C27CB22ED1C98D0"
    )


@pytest.mark.parametrize(
    ("offered", "variant"),
    [
        ("16F9C4404EFBB1C4CE30C93CD1ADBF1922802FEE31D9233D77B4BE63117ACCA0", "canonical"),
        ("16f9c4404efbb1c4ce30c93cd1adbf1922802fee31d9233d77b4be63117acca0", "canonical"),
        ("E7AB13FE7D4F3630EE8EE4AC185B9E838BE42C231FE02DC40DFD21DF52072104", "ascii-escaped"),
        ("01905B258EB751FD7EC77DED1EE1BAC696CA0D93226F74EF41913134DE18D5B5",
         "ascii-and-slash-escaped"),
        # JV3d: nested keys unsorted (top-level-only sort) is not one of the server's forms.
        ("A7B47A92E544A13D21D5073F3E0BB3FAFC68176622D6E30F70076EDF18EE675D", None),
    ],
)
def test_verifier_accepts_the_canonical_form_and_escapes_only(offered, variant) -> None:
    assert checksum.matching_variant(SUCCEEDED, wire.loads(JV3_TEXT), KEY_B, offered) == variant


@pytest.mark.parametrize(
    "offered",
    [
        "96DA3F8FA37EA6385337AEC481A23350286FAD5E5EF29A88FA486495B2286777",  # JV2 spaced
        "9CD137A4B00507E66C998ECF2BF3C62ABCDBB348CA9ED3B89F2D3F4961DD39AE",  # JV2b unsorted
        "",
        "not hex at all",
    ],
)
def test_spacing_and_order_variants_are_refused(offered: str) -> None:
    assert checksum.matching_variant(SUCCEEDED, JV1_DATA, KEY_A, offered) is None


def test_number_literals_survive_re_encoding() -> None:
    data = wire.loads('{"amount":1.0,"fee":1e2,"id":"p"}')
    assert wire.canonical(data) == '{"amount":1.0,"fee":1e2,"id":"p"}'


def _body(event: str, data_text: str, key: str) -> bytes:
    data = wire.loads(data_text)
    return webhooks.envelope(event, data, key)


def test_parse_event_reads_a_verified_success_as_paid_needing_confirmation() -> None:
    event = webhooks.parse_event({}, _body(SUCCEEDED, JV3_TEXT, KEY_B), business_id=KEY_B)
    assert event.state is OrderState.PAID
    assert event.needs_confirmation
    assert (event.merchant_id, str(event.amount), event.currency) == ("ord-0001", "1.00", "USD")
    assert event.details["checksum_variant"] == "canonical"


def test_parse_event_refuses_a_wrong_key_and_a_changed_amount() -> None:
    body = _body(SUCCEEDED, JV3_TEXT, KEY_B)
    with pytest.raises(neutral.SignatureError):
        webhooks.parse_event({}, body, business_id="another-business")
    tampered = body.replace(b'"amount":100', b'"amount":100000')
    with pytest.raises(neutral.SignatureError):
        webhooks.parse_event({}, tampered, business_id=KEY_B)


def test_unknown_event_is_kept_without_a_state() -> None:
    body = _body("payment.session.updated", JV3_TEXT, KEY_B)
    event = webhooks.parse_event({}, body, business_id=KEY_B)
    assert event.state is None and event.raw_body == body


@pytest.mark.parametrize(
    "body",
    [b"", b"[]", b"{", b'{"event":"x"}', b'{"event":1,"data":{},"checksum":"A"}',
     b"[" * 100_000 + b"]" * 100_000, b'{"event":"x","data":{"id":"p"},"checksum":"' + b"A" * 64
     + b'"}'],
)
def test_malformed_bodies_are_refused_with_a_provider_error(body: bytes) -> None:
    with pytest.raises(neutral.ProviderError):
        webhooks.parse_event({}, body, business_id=KEY_A)
