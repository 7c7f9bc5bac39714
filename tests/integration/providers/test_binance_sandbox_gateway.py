"""The sandbox refuses badly signed, stale, replayed or malformed requests like Binance."""

from __future__ import annotations

import httpx
import pytest

from services.providers.binance_pay import errors
from services.providers.binance_pay.auth import BinancePaySignature, now_ms, sign_payload
from tests.integration.providers.bp_harness import KEY, SECRET, make_sandbox

PATH = "/binancepay/openapi/v2/balance"
BODY = b'{"wallet":"FUNDING_WALLET"}'


@pytest.fixture
def sbx():
    return make_sandbox()


def headers(body: bytes = BODY, *, ts: int | None = None, nonce: str = "N" * 32,
            secret: str = SECRET, key: str = KEY) -> dict[str, str]:
    timestamp = str(now_ms() if ts is None else ts)
    return {
        "Content-Type": "application/json",
        "BinancePay-Timestamp": timestamp,
        "BinancePay-Nonce": nonce,
        "BinancePay-Certificate-SN": key,
        "BinancePay-Signature": sign_payload(secret, timestamp, nonce, body),
    }


def test_valid_hand_signed_request_succeeds(sbx):
    answer = sbx.engine.handle("POST", PATH, headers(), BODY).json()
    assert (answer["status"], answer["code"]) == ("SUCCESS", "000000")


def test_body_changed_by_one_byte_after_signing_is_refused_with_400002(sbx):
    tampered = BODY.replace(b"FUNDING", b"FUNDINH")
    answer = sbx.engine.handle("POST", PATH, headers(BODY), tampered)
    assert answer.json() == {"code": "400002", "msg": "Signature for this request is not valid."}


def test_signature_with_the_wrong_secret_raises_signature_error(sbx):
    wrong = make_sandbox(engine=sbx.engine, secret="not-the-secret").client
    with pytest.raises(errors.InvalidSignature) as exc:
        wrong.wallet_balance()
    assert "not valid" in exc.value.message


def test_lower_case_hex_signature_is_refused(sbx):
    h = headers()
    h["BinancePay-Signature"] = h["BinancePay-Signature"].lower()
    assert sbx.engine.handle("POST", PATH, h, BODY).json()["code"] == "400002"


def test_missing_header_is_a_signature_error(sbx):
    h = headers()
    del h["BinancePay-Signature"]
    answer = sbx.engine.handle("POST", PATH, h, BODY).json()
    assert answer["code"] == "400002" and "binancepay-signature" in answer["msg"]


def test_unknown_api_key_gives_400004(sbx):
    h = headers(key="someone-else")
    assert sbx.engine.handle("POST", PATH, h, BODY).json()["code"] == "400004"


def test_stale_timestamp_gives_400003(sbx):
    answer = sbx.engine.handle("POST", PATH, headers(ts=now_ms() - 60_000), BODY).json()
    assert (answer["status"], answer["code"]) == ("FAIL", "400003")


def test_seconds_instead_of_milliseconds_gives_400003(sbx):
    answer = sbx.engine.handle("POST", PATH, headers(ts=now_ms() // 1000), BODY).json()
    assert answer["code"] == "400003"


@pytest.mark.parametrize("nonce", ["short", "N" * 33, "N" * 31 + "-"])
def test_nonce_must_be_32_alphanumerics(sbx, nonce):
    assert sbx.engine.handle("POST", PATH, headers(nonce=nonce), BODY).json()["code"] == "400001"


def test_reused_nonce_is_refused(sbx):
    nonce = "Replay" + "x" * 26
    assert sbx.engine.handle("POST", PATH, headers(nonce=nonce), BODY).json()["code"] == "000000"
    assert sbx.engine.handle("POST", PATH, headers(nonce=nonce), BODY).json()["code"] == "400001"


def test_wrong_method_content_type_or_empty_body_is_a_system_error(sbx):
    system = {"status": "ERROR", "type": "SYS", "code": "100001001",
              "errorData": "System abnormality"}
    assert sbx.engine.handle("GET", PATH, headers(), BODY).json() == system
    h = headers()
    h["Content-Type"] = "text/plain"
    assert sbx.engine.handle("POST", PATH, h, BODY).json() == system
    assert sbx.engine.handle("POST", PATH, headers(b""), b"").json() == system


def test_body_that_is_not_a_json_object_gives_400008(sbx):
    body = b"[1,2]"
    assert sbx.engine.handle("POST", PATH, headers(body), body).json()["code"] == "400008"


def test_unknown_path_is_a_403_html_page(sbx):
    answer = sbx.engine.handle("POST", "/binancepay/openapi/v9/nothing", headers(), BODY)
    assert answer.status == 403 and answer.headers["content-type"] == "text/html"
    with pytest.raises(errors.EndpointNotFound):
        sbx.client.call("/binancepay/openapi/v9/nothing", {})


def test_client_retries_400003_with_a_fresh_timestamp(sbx):
    stamps = iter([now_ms() - 600_000])
    client = make_sandbox(engine=sbx.engine, clock=lambda: next(stamps, None) or now_ms()).client
    assert client.wallet_balance().wallet == "FUNDING_WALLET"


def test_client_gives_up_on_a_persistently_skewed_clock(sbx):
    client = make_sandbox(engine=sbx.engine, clock=lambda: now_ms() - 600_000).client
    with pytest.raises(errors.InvalidTimestamp):
        client.wallet_balance()


def test_auth_hook_signs_what_httpx_sends():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    with httpx.Client(transport=httpx.MockTransport(handler),
                      auth=BinancePaySignature(KEY, SECRET)) as http:
        http.post("https://x/y", content=b'{"a": 1}')
    r = seen[0]
    expected = sign_payload(SECRET, r.headers["BinancePay-Timestamp"],
                            r.headers["BinancePay-Nonce"], r.content)
    assert r.headers["BinancePay-Signature"] == expected
