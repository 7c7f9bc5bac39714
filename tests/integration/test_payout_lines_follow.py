"""Payout lines reach their final state: a batch notification carries only the batch status, so
its lines are fetched as soon as it is applied, and a batch is final for us only when every line
is (sync keeps asking about a "final" batch with open lines). "Paid" is the sum of the lines the
provider paid. Both stores, against the in-process sandbox."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.entrypoints.bootstrap import Services
from services.payouts import sending, views
from services.providers.errors import TransientServerError
from tests.integration.test_payout_flow import (  # noqa: F401 - fixtures
    _cheap_password_hashing, approved_upload, batches, csv_bytes, lines, staff, sync,
)


def _paid(services: Services, actor, ref: str) -> Decimal:  # type: ignore[no-untyped-def]
    [batch] = views.upload(services, actor, ref).batches
    return batch.paid


def test_a_paid_batch_shows_every_line_paid_without_a_sync_pass(
    services: Services, staff
) -> None:
    ref = approved_upload(services, staff, csv_bytes(
        "BINANCE_ID,354678912,10,USDT,a,", "BINANCE_ID,354678913,2.5,USDT,b,"))
    [outcome] = sending.send_upload(services, staff["anna"], ref)
    assert outcome.after == "ACCEPTED"
    services.sandbox.advance(10)  # the final PAYOUT notification arrives; no sync pass follows
    [batch] = batches(services, ref)
    assert batch.status == "SUCCESS"
    assert {k: v.status for k, v in lines(services, ref).items()} == {
        "354678912": "SUCCESS", "354678913": "SUCCESS"}
    assert _paid(services, staff["vic"], ref) == Decimal("12.5") == batch.total_amount


def test_the_unpaid_lines_of_a_partly_paid_batch_are_visible_at_once(
    services: Services, staff
) -> None:
    services.sandbox.fail_party("354678999")
    ref = approved_upload(services, staff, csv_bytes(
        "BINANCE_ID,354678912,10,USDT,paid,", "BINANCE_ID,354678999,5,USDT,fails,"))
    sending.send_upload(services, staff["anna"], ref)
    services.sandbox.advance(10)
    assert batches(services, ref)[0].status == "PART_SUCCESS"
    assert {k: v.status for k, v in lines(services, ref).items()} == {
        "354678912": "SUCCESS", "354678999": "FAIL"}
    assert _paid(services, staff["vic"], ref) == Decimal("10")


def test_sync_keeps_asking_about_a_final_batch_until_every_line_is_final(
    services: Services, staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = approved_upload(services, staff, csv_bytes("BINANCE_ID,354678912,10,USDT,a,"))
    sending.send_upload(services, staff["anna"], ref)

    def unreachable(**_kw):  # type: ignore[no-untyped-def]
        raise TransientServerError("provider down for the line query", outcome_unknown=False)

    monkeypatch.setattr(services.provider, "get_payout_batch", unreachable)
    services.sandbox.advance(10)  # the batch notification comes; fetching its lines fails
    monkeypatch.undo()
    assert batches(services, ref)[0].status == "SUCCESS"
    assert lines(services, ref)["354678912"].status == "PENDING"
    sync(services)
    assert lines(services, ref)["354678912"].status == "SUCCESS"
    assert _paid(services, staff["vic"], ref) == Decimal("10")
