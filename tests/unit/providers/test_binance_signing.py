"""Request signing reproduces the reference vectors, byte for byte."""

from __future__ import annotations

import httpx

from services.providers.binance_pay.auth import BinancePaySignature, random_nonce, sign_payload
from services.providers.binance_pay.client import BinancePayClient

A_KEY = "sbx-api-key-0001"
A_SECRET = "sbx-secret-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
A_TS = "1700000000000"
A_NONCE = "AbCdEfGhIjKlMnOpQrStUvWxYz012345"
A1 = (
    "3CFDB1942E4C2EF876D26DF22BE0FEA06519A086E576659F10A5AB5268902A33"
    "1ED9F7220EE7E688E4F7B4C89516237B159EE2411E3DF7B561AA0677868A01AD"
)
A2 = (
    "F1F1DF7B31BCD454F842FC972484444E5088D708CFC907A949DE12F5EDE8920D"
    "21D1633B03F87DA5D659DAC961F649BE49BD498D4A66008F5391E42200AA2245"
)
A3 = (
    "3554BA57D1A6CF5B941D6643DED0471F307E17548691BC36055A8CC2BC5ED606"
    "A4DA253FD15A5F8C0EC210965F39CE2254EA3260AB27A60F08C535F4F3F920DB"
)
B_SECRET = "uahr4nhailyq55yubuhuncnprfac73bcbz2qfafsevic1jruwunioxtoaozy122f"
B_BODY = (
    '{"merchantId":"98765987","subMerchantId":"98765987","merchantTradeNo":"9825382937292",'
    '"totalFee":25.17,"productDetail":"Greentea ice cream cone","currency":"BUSD",'
    '"returnUrl":"","tradeType":"APP","productType":"Food","productName":"Ice Cream"}'
)
B_SIG = (
    "253B9241C7331C0F02A0F5417BDDD4CD88124D3E188C0BA0E3EF121D36844B7F"
    "4D1A69AD8A1C3C7FF34901115E35A2530B672CF7430902E9862D69867689FD9F"
)
B_SIG_USDT = (
    "C1F7A336D5E6A100DD31F41669895D99C24A3A4D4F96DB6389761CB2CDD37FA2"
    "F6D106A24DB048B4989005E85EADEA392CD866902736D3D276BDC44C49DD00FC"
)


def test_vector_a1_connector_style_body_with_spaces():
    assert sign_payload(A_SECRET, A_TS, A_NONCE, b'{"merchantTradeNo": "9825382937292"}') == A1


def test_vector_a2_compact_body():
    assert sign_payload(A_SECRET, A_TS, A_NONCE, b'{"merchantTradeNo":"9825382937292"}') == A2


def test_vector_a3_empty_params():
    assert sign_payload(A_SECRET, A_TS, A_NONCE, b"{}") == A3


def test_vector_b_official_faq_busd_body():
    body = B_BODY.encode()
    got = sign_payload(B_SECRET, "1611232922428", "5RhaTrZPhknNv0kDSA2UQ67cPMVNS4sA", body)
    assert got == B_SIG


def test_vector_b_as_republished_with_usdt():
    body = B_BODY.replace('"BUSD"', '"USDT"').encode()
    got = sign_payload(B_SECRET, "1611232922428", "5RhaTrZPhknNv0kDSA2UQ67cPMVNS4sA", body)
    assert got == B_SIG_USDT


def test_client_sends_the_signed_bytes_and_the_four_headers():
    """The client's query_order produces vector A2 end to end."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        data = {"prepayId": "1", "merchantTradeNo": "9825382937292", "status": "INITIAL",
                "currency": "USDT", "orderAmount": "1.00000000"}
        return httpx.Response(200, json={"status": "SUCCESS", "code": "000000", "data": data})

    client = BinancePayClient(
        A_KEY, A_SECRET, base_url="https://bpay.example", transport=httpx.MockTransport(handler),
        clock=lambda: int(A_TS), nonce_factory=lambda: A_NONCE,
    )
    client.query_order(merchant_trade_no="9825382937292")
    request = seen[0]
    assert request.url.path == "/binancepay/openapi/v2/order/query"
    assert request.content == b'{"merchantTradeNo":"9825382937292"}'
    assert request.headers["BinancePay-Timestamp"] == A_TS
    assert request.headers["BinancePay-Nonce"] == A_NONCE
    assert request.headers["BinancePay-Certificate-SN"] == A_KEY
    assert request.headers["BinancePay-Signature"] == A2
    assert request.headers["Content-Type"] == "application/json"


def test_each_attempt_gets_a_fresh_nonce_and_timestamp():
    auth = BinancePaySignature(A_KEY, A_SECRET, clock=iter(range(1000, 2000)).__next__)
    first = next(auth.auth_flow(httpx.Request("POST", "https://x/y", content=b"{}")))
    second = next(auth.auth_flow(httpx.Request("POST", "https://x/y", content=b"{}")))
    assert first.headers["BinancePay-Nonce"] != second.headers["BinancePay-Nonce"]
    assert first.headers["BinancePay-Timestamp"] != second.headers["BinancePay-Timestamp"]


def test_nonce_is_32_alphanumeric_characters():
    nonce = random_nonce()
    assert len(nonce) == 32 and nonce.isalnum() and nonce.isascii()
