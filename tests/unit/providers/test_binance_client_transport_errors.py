"""Every httpx failure reaches callers as a provider error, never as a raw httpx exception."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from services.providers import errors as neutral
from services.providers.binance_pay import BinancePayClient
from services.providers.binance_pay import errors


def _client(handler) -> BinancePayClient:  # type: ignore[no-untyped-def]
    return BinancePayClient("k", "s", transport=httpx.MockTransport(handler),
                            sleep=lambda _s: None)


@pytest.mark.parametrize("exc_type", [httpx.ProxyError, httpx.DecodingError,
                                      httpx.TooManyRedirects])
def test_httpx_failures_after_sending_are_outcome_unknown(exc_type) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise exc_type("boom", request=request)

    with pytest.raises(errors.UnknownOutcome) as exc:
        _client(handler).refund(refund_request_id="R9", prepay_id="1", refund_amount=Decimal(1))
    assert exc.value.outcome_unknown and exc.value.merchant_request_id == "R9"
    assert isinstance(exc.value, neutral.ProviderError)
    assert len(calls) == 1  # maybe executed: never repeated blindly


def test_a_body_that_cannot_be_decoded_is_outcome_unknown() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"\x00garbage", headers={"Content-Encoding": "gzip"})

    with pytest.raises(errors.UnknownOutcome):
        _client(handler).query_refund(refund_request_id="R1")


def test_an_unknown_code_with_http_500_is_outcome_unknown() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, json={"status": "FAIL", "code": "499999",
                                         "errorMessage": "internal"})

    with pytest.raises(errors.UnmappedCode) as exc:
        _client(handler).refund(refund_request_id="R2", prepay_id="1", refund_amount=Decimal(1))
    assert exc.value.outcome_unknown and exc.value.http_status == 500


def test_a_known_refusal_with_http_500_is_outcome_unknown() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, json={"status": "FAIL", "code": "400304",
                                         "errorMessage": "not enough"})

    with pytest.raises(errors.RemainingAmountNotEnough) as exc:
        _client(handler).refund(refund_request_id="R3", prepay_id="1", refund_amount=Decimal(1))
    assert exc.value.outcome_unknown
