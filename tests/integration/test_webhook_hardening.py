"""Hostile requests to the webhook receiver: refused by size while streaming, verified before
anything large is stored, rate-limited per source, answered 4xx (never 500) when malformed, and a
signed event with a status we do not know changes nothing."""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal
from collections.abc import AsyncIterator
from typing import Any
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from data.models import Order

from services.entrypoints.bootstrap import Services
from services.entrypoints.webhooks_app import MAX_BODY_BYTES, WEBHOOK_PATH, create_app
from services.providers.binance_pay.inbound import BinancePayEvents
from services.inbound.limits import SourceLimiter
from services.inbound.receiver import REFUSED_BODY_CHARS, WebhookReceiver
from tests.integration.test_webhook_receiver import (
    SIGNER,
    AsgiPoster,
    _add_order,
    _body,
    _deliveries,
    _Keys,
    _order,
    _post,
)


def _app(services: Services, limiter: SourceLimiter | None = None):  # type: ignore[no-untyped-def]
    receiver = WebhookReceiver(services, {"binance_pay": BinancePayEvents(_Keys(SIGNER), min_refresh_seconds=0)})
    return create_app(services, receiver, limiter)


@pytest.fixture
def client(services: Services) -> AsgiPoster:
    return AsgiPoster(_app(services))


def test_a_huge_body_is_refused_while_streaming_and_never_read_whole(
    services: Services,
) -> None:
    chunk = b"x" * 65_536
    sent: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        for _ in range(5_000):  # 300 MB if anyone read it all
            sent.append(len(chunk))
            yield chunk

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=_app(services))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            return await c.post(WEBHOOK_PATH, content=endless())

    with ThreadPoolExecutor(max_workers=1) as pool:
        response = pool.submit(asyncio.run, post()).result()
    assert response.status_code == 413
    assert sum(sent) <= MAX_BODY_BYTES + 2 * len(chunk)
    assert _deliveries(services) == []


def test_a_declared_length_over_the_limit_is_refused_before_reading(
    services: Services, client: AsgiPoster
) -> None:
    response = client.post(WEBHOOK_PATH, content=b"{}",
                           headers={"content-length": str(MAX_BODY_BYTES + 1)})
    assert response.status_code == 413
    assert _deliveries(services) == []


def test_an_unsigned_body_leaves_only_a_small_record(
    services: Services, client: AsgiPoster
) -> None:
    body = json.dumps({"bizType": "PAY", "padding": "A" * 200_000}).encode()
    response = client.post(WEBHOOK_PATH, content=body, headers={})
    assert response.status_code == 401
    [row] = _deliveries(services)
    assert len(row.body) <= REFUSED_BODY_CHARS and len(row.headers_json) < 1_000
    assert (row.signature_valid, row.outcome) == (False, "unknown_certificate")


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"{}", {"binancepay-timestamp": b"\xb2", "binancepay-certificate-sn": "x"}),  # ²
        (b"{}", {"binancepay-timestamp": "99999999999999999999999"}),
        (b"[" * 100_000 + b"]" * 100_000, {}),
        (b'{"bizType": "PAY\\u0000", "x": "\x00"}', {}),
        (b"\xff\xfe\x00garbage", {"content-type": "application/json"}),
        (b"", {}),
    ],
    ids=["superscript-timestamp", "huge-timestamp", "deep-nesting", "nul", "not-utf8", "empty"],
)
def test_malformed_requests_get_a_4xx_never_a_500(
    services: Services, client: AsgiPoster, body: bytes, headers: dict[str, Any]
) -> None:
    response = client.post(WEBHOOK_PATH, content=body, headers=headers)
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["returnCode"] == "FAIL"
    assert all("\x00" not in row.body for row in _deliveries(services))


def test_a_source_that_keeps_being_refused_is_cut_off(services: Services) -> None:
    client = AsgiPoster(_app(services, SourceLimiter(refusals=3)))
    answers = [client.post(WEBHOOK_PATH, content=b"{}", headers={}).status_code
               for _ in range(6)]
    assert answers == [401, 401, 401, 429, 429, 429]
    assert len(_deliveries(services)) == 3  # the cut-off posts are not even stored


def test_signed_deliveries_do_not_count_as_refusals(services: Services) -> None:
    _add_order(services)
    client = AsgiPoster(_app(services, SourceLimiter(refusals=1)))
    assert client.post(WEBHOOK_PATH, content=b"{}", headers={}).status_code == 401
    assert _post(client, _body()).status_code == 429  # refusals from here are over the limit
    fresh = AsgiPoster(_app(services, SourceLimiter(refusals=1)))
    assert [_post(fresh, _body()).status_code for _ in range(3)] == [200, 200, 200]


def test_a_signed_event_with_an_unknown_status_changes_nothing(
    services: Services, client: AsgiPoster
) -> None:
    # The create call's answer never came: only the webhook would name the provider's id.
    with services.uow() as uow:
        order = Order(merchant_order_id="MT1", provider_order_id=None, amount=Decimal("25.17000000"),
                      currency="USDT", status="PENDING", created_at=services.now())
        uow.session.add(order)
        uow.commit()
        order_id = order.id
    assert order_id is not None
    body = _body("PAY_SOMETHING_NEW")
    response = _post(client, body, headers=SIGNER.headers(body, int(time.time() * 1000)))
    assert response.status_code == 200
    order = _order(services, order_id)
    assert (order.status, order.provider_order_id) == ("PENDING", None)
