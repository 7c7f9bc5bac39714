"""Webhook RSA verification: the reference vector, and the sandbox's own signer."""

from __future__ import annotations

import pytest

from services.providers.binance_pay.errors import InvalidSignature
from services.providers.binance_pay.sandbox.webhooks import WebhookSigner, envelope
from services.providers.binance_pay.webhooks import parse_webhook, verify_signature

PEM = """-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCVAMXVTMIuttHcP1kvSk9V39S7
BqDbY+LC9JfwMzyoubo3fdsqBf4EmB1PfBUigcOL5YBqMKGEE6xmVw6SXCTH4JwX
dqJ4IRiXf76YMt6PB0dMzu/qCmhaGFGkqT6vJM0hHyEbtS/P3FR9ZU+eaOvynLWb
FvXTzIoctZM1IvDrCwIDAQAB
-----END PUBLIC KEY-----
"""
BODY = (
    rb'{"bizType":"PAY","data":"{\"merchantTradeNo\":\"9825382937292\",\"totalFee\":0.88000000,'
    rb'\"transactTime\":1619508939664,\"currency\":\"EUR\",\"commission\":0,\"openUserId\":'
    rb'\"1211HS10K81f4273ac031\",\"productType\":\"Food\",\"productName\":\"Ice Cream\",'
    rb'\"tradeType\":\"WEB\",\"transactionId\":\"M_R_282737362839373\"}",'
    rb'"bizId":29383937493038367292,"bizStatus":"PAY_SUCCESS"}'
)
SIG = (
    "VtniwOFAi4oBKFnvHhY6UZ+wPARf7+yWVbE61Hc7JVdRgqKJ40Yk9k5Gb2Y0S0VLUYOOOhUNUsD7R8GDEr6WH84sAEf8"
    "bXa1xYMiyjgeGleTg1MxRJCtrHcxMeMCEXPWmKTeLhn6O+cdvDGq4ZpcTTiQnEvk5xHPcxFrBT637zg="
)
TS, NONCE = "1611232922428", "5RhaTrZPhknNv0kDSA2UQ67cPMVNS4sA"


def test_reference_vector_verifies():
    assert verify_signature(PEM, TS, NONCE, BODY, SIG)


def test_reference_vector_fails_when_one_body_byte_changes():
    assert not verify_signature(PEM, TS, NONCE, BODY.replace(b"0.88", b"0.89"), SIG)


def test_reference_vector_parses_with_big_biz_id_and_exact_amount():
    headers = {"BinancePay-Certificate-SN": "sn", "BinancePay-Timestamp": TS,
               "BinancePay-Nonce": NONCE, "BinancePay-Signature": SIG}
    env, data = parse_webhook(headers, BODY, {"sn": PEM})
    assert env.bizId == "29383937493038367292"
    assert str(data["totalFee"]) == "0.88000000"


def test_sandbox_signed_webhook_verifies_and_unknown_serial_is_refused():
    signer = WebhookSigner()
    body = envelope("PAY", "9300000000000000001", "PAY_SUCCESS", {"merchantTradeNo": "x"})
    headers = signer.headers(body, 1_700_000_000_000)
    env, data = parse_webhook(headers, body, {signer.cert_serial: signer.public_pem})
    assert env.bizIdStr == "9300000000000000001" and data == {"merchantTradeNo": "x"}
    with pytest.raises(InvalidSignature):
        parse_webhook(headers, body, {"other": signer.public_pem})
    with pytest.raises(InvalidSignature):
        parse_webhook(headers, body + b" ", {signer.cert_serial: signer.public_pem})
