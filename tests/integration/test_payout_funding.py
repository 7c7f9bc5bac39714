"""The wallet against payouts, on SQLite and PostgreSQL with the sandbox: one balance reading feeds
upload, approval and send; a batch the wallet cannot fund is never sent; a refused send says why
in words and leaves its lines "not sent"."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from data.models import AuditEntry
from services.payouts import balances
from services.core.access import Actor
from services.entrypoints.bootstrap import Services
from services.payouts import drafts, sending, states, views
from services.providers.errors import AuthenticationError
from tests.integration.test_payout_flow import (  # noqa: F401  (staff is a fixture)
    _cheap_password_hashing,
    _spy_creates,
    approved_upload,
    batches,
    csv_bytes,
    staff,
    validated,
)


def test_balances_are_read_per_provider_and_asset_with_the_time_of_reading(
    services: Services, staff: dict[str, Actor]
) -> None:
    assert services.sandbox is not None
    services.sandbox.set_balance("USDT", Decimal("123.45"))
    reading = balances.read_balances(services, staff["vic"])
    usdt = next(b for b in reading.balances if b.asset == "USDT")
    assert (usdt.provider, usdt.wallet, usdt.available) == ("binance_pay", "FUNDING_WALLET",
                                                           Decimal("123.45"))
    assert reading.error is None and reading.read_at.tzinfo is not None
    assert reading.available("ETH") == 0  # an asset the wallet lacks holds nothing


def test_an_unreadable_balance_is_said_so_and_never_read_as_enough(
    services: Services, staff: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self, **kwargs):  # type: ignore[no-untyped-def]
        raise AuthenticationError("IP not whitelisted")

    monkeypatch.setattr(type(services.provider), "get_balances", refuse)
    check = balances.check_funding(services, {"USDT": Decimal("1")})
    assert check.reading.error == "IP not whitelisted" and not check.can_fund
    assert "could not be read" in check.sentence()


def test_the_upload_preview_compares_its_totals_with_the_wallet(
    services: Services, staff: dict[str, Actor]
) -> None:
    assert services.sandbox is not None
    services.sandbox.set_balance("USDT", Decimal("30"))
    result = validated(services, staff["olga"], csv_bytes(
        "BINANCE_ID,354678912,25.50,USDT,a,", "BINANCE_ID,354678913,10,USDT,b,"))
    check = drafts.funding_check(services, result.totals())
    [row] = check.rows
    assert (row.currency, row.needed, row.available, row.short_by) == (
        "USDT", Decimal("35.50"), Decimal("30"), Decimal("5.50"))
    [warning] = drafts.funding_warnings(check)
    assert warning.code == "balance_short" and "5.5" in warning.message


def test_a_batch_the_wallet_cannot_fund_is_not_sent_and_the_refusal_is_recorded(
    services: Services, staff: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = services.sandbox
    assert sandbox is not None
    ref = approved_upload(services, staff, csv_bytes(
        "BINANCE_ID,354678912,800,USDT,a,", "BINANCE_ID,354678913,480,USDT,b,",
        "BINANCE_ID,354678914,0.5,BNB,c,"))
    sandbox.set_balance("USDT", Decimal("1000"))
    calls = _spy_creates(services, monkeypatch, execute=True)
    with pytest.raises(balances.FundingShortError) as refused:
        sending.send_upload(services, staff["anna"], ref)
    message = str(refused.value)
    assert "nothing was sent" in message and f"{ref}B002" in message and "short by 280" in message
    assert calls == [] and list(sandbox.world.payouts) == []
    assert {b.status for b in batches(services, ref)} == {states.APPROVED}
    with services.uow() as uow:
        blocked = uow.session.exec(select(AuditEntry.outcome).where(
            AuditEntry.action == "payout.send_blocked", AuditEntry.target_id == ref)).one()
    assert blocked == "refused"

    sandbox.set_balance("USDT", Decimal("2000"))
    assert sending.funding_check(services, ref).can_fund
    outcomes = sending.send_upload(services, staff["anna"], ref)
    assert {o.after for o in outcomes} == {"ACCEPTED"} and len(calls) == 2


def test_the_approver_sees_the_batches_awaiting_approval_against_the_wallet(
    services: Services, staff: dict[str, Actor]
) -> None:
    from services.payouts import approval

    sandbox = services.sandbox
    assert sandbox is not None
    saved = drafts.save_draft(services, staff["olga"], validated(
        services, staff["olga"], csv_bytes("BINANCE_ID,354678912,50,USDC,a,")),
        file_name="pay.csv")
    approval.submit(services, staff["olga"], saved.upload_ref)
    sandbox.set_balance("USDC", Decimal("20"))
    check = sending.funding_check(services, saved.upload_ref, approved_only=False)
    assert [(r.currency, r.short_by) for r in check.short] == [("USDC", Decimal("30"))]
    # Nothing approved yet: the send check itself has nothing to fund.
    assert sending.funding_check(services, saved.upload_ref).rows == ()


def test_a_refused_send_says_why_in_words_and_its_lines_are_not_sent(
    services: Services, staff: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.providers.binance_pay import errors as bp_errors

    ref = approved_upload(services, staff, csv_bytes("BINANCE_ID,354678912,10,USDT,a,"))
    _spy_creates(services, monkeypatch, execute=False,
                 fail_first_with=lambda rid: bp_errors.error_for_code(
                     "400304", "Not enough USDT in FUNDING_WALLET", http_status=400,
                     merchant_request_id=rid))
    [outcome] = sending.send_upload(services, staff["anna"], ref)
    assert outcome.after == states.SEND_FAILED
    assert outcome.message == ("the wallet did not hold enough USDT for this batch; top it up "
                               "and send again")
    upload = views.upload(services, staff["vic"], ref)
    assert upload.batches[0].error == outcome.message  # no provider code in front of people
    [line] = views.lines(services, staff["vic"], upload_ref=ref)
    assert line.not_sent and line.status == states.LINE_PENDING
