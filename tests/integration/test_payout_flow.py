"""Payout batches from file to final state, on SQLite and PostgreSQL, against the sandbox:
drafts, four-eyes approval, sending with faults and crashes, and following every line."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import argon2
import pytest
from sqlmodel import col, select

from data.models import Approval, AuditEntry, PayoutBatch, PayoutLine
from services.identity import sign_in as auth
from services.identity import users
from services.core.access import Actor, cli_actor
from services.entrypoints.bootstrap import Services
from services.core.errors import ConflictError, InputError, PermissionDeniedError
from services.payouts import approval, drafts, sending, states
from services.payouts.validation import ValidationResult
from services.inbound.dispatch import dispatch
from tests.binance_news import binance_event
from services.inbound.sync_runner import run_pass

HEADER = "receive_type,receiver,amount,currency,remark,merchant_send_id\n"


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        auth, "PASSWORD_HASHER", argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)
    )


@pytest.fixture
def staff(services: Services) -> dict[str, Actor]:
    people = {}
    for name, role in (("olga", "operator"), ("anna", "approver"), ("vic", "viewer")):
        view = users.create_user(services, cli_actor("t"), username=name, role=role,
                                 password="correct horse battery")
        people[name] = Actor(user_id=view.id, username=name, role=role)
    return people


def sync(services: Services) -> None:
    """One pass of `paydesk sync`, payouts only."""
    run_pass(services, kinds=["payouts"])


def csv_bytes(*lines: str) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode()


def validated(services: Services, actor: Actor, data: bytes) -> ValidationResult:
    return drafts.validate_upload(services, actor, data, file_name="pay.csv")


def approved_upload(services: Services, staff: dict[str, Actor], data: bytes) -> str:
    saved = drafts.save_draft(services, staff["olga"], validated(services, staff["olga"], data),
                              file_name="pay.csv")
    approval.submit(services, staff["olga"], saved.upload_ref)
    approval.approve(services, staff["anna"], saved.upload_ref, "checked against invoices")
    return saved.upload_ref


def batches(services: Services, upload_ref: str) -> list[PayoutBatch]:
    with services.uow() as uow:
        found = list(uow.session.exec(
            select(PayoutBatch).where(PayoutBatch.upload_ref == upload_ref)
            .order_by(col(PayoutBatch.request_id))).all())
        uow.session.expunge_all()
        return found


def lines(services: Services, upload_ref: str) -> dict[str, PayoutLine]:
    with services.uow() as uow:
        rows = uow.session.exec(
            select(PayoutLine).join(PayoutBatch, col(PayoutBatch.id) == col(PayoutLine.batch_id))
            .where(PayoutBatch.upload_ref == upload_ref)).all()
        uow.session.expunge_all()
        return {row.receiver: row for row in rows}


def count(services: Services, model: type) -> int:
    with services.uow() as uow:
        return len(uow.session.exec(select(model)).all())


def test_a_file_with_errors_writes_nothing_unless_only_valid_lines_go_on(
    services: Services, staff: dict[str, Actor]
) -> None:
    data = csv_bytes("BINANCE_ID,354678912,25.50,USDT,ok,", "BINANCE_ID,12,1,USDT,bad id,",
                     "EMAIL,bob@example.com,abc,USDT,bad amount,")
    result = validated(services, staff["olga"], data)
    assert result.has_errors
    with pytest.raises(InputError):
        drafts.save_draft(services, staff["olga"], result, file_name="pay.csv")
    assert count(services, PayoutBatch) == count(services, PayoutLine) == 0

    saved = drafts.save_draft(services, staff["olga"], result, file_name="pay.csv",
                              only_valid=True)
    assert [e.line for e in saved.excluded] == [3, 4]
    assert "binance_id_invalid" in saved.excluded[0].problems
    recorded = drafts.excluded_lines(services, staff["vic"], saved.upload_ref)
    assert [e.line for e in recorded] == [3, 4]
    [batch] = batches(services, saved.upload_ref)
    assert (batch.status, batch.line_count, batch.total_amount) == ("DRAFT", 1, Decimal("25.50"))
    assert batch.file_sha256 == result.content_sha256


def test_fixing_a_line_in_place_is_validated_again(
    services: Services, staff: dict[str, Actor]
) -> None:
    data = csv_bytes("BINANCE_ID,354678912,25.50,USDT,ok,", "BINANCE_ID,12,1.5,USDT,typo,")
    fixed = drafts.revalidate(services, staff["olga"], data, file_name="pay.csv",
                              edits={3: {"receiver": "354678913"}})
    assert not fixed.has_errors and [i.receiver for i in fixed.instructions()][-1] == "354678913"
    still_bad = drafts.revalidate(services, staff["olga"], data, file_name="pay.csv",
                                  edits={3: {"amount": "-1"}})
    assert {f.code for f in still_bad.errors} == {"binance_id_invalid", "amount_negative"}


def test_approval_rules(services: Services, staff: dict[str, Actor]) -> None:
    data = csv_bytes("BINANCE_ID,354678912,25.50,USDT,a,", "BINANCE_ID,354678913,0.5,BNB,b,")
    result = validated(services, staff["olga"], data)
    with pytest.raises(PermissionDeniedError):
        drafts.save_draft(services, staff["vic"], result, file_name="pay.csv")
    ref = drafts.save_draft(services, staff["olga"], result, file_name="pay.csv").upload_ref

    # Nothing goes out before approval, whoever asks.
    assert sending.send_upload(services, staff["olga"], ref) == []
    approval.submit(services, staff["olga"], ref)
    assert sending.send_upload(services, staff["anna"], ref) == []
    assert services.sandbox is not None and services.sandbox.world.payouts == {}

    with pytest.raises(PermissionDeniedError):
        approval.approve(services, staff["olga"], ref, "my own")
    with pytest.raises(InputError):
        approval.approve(services, staff["anna"], ref, "   ")
    assert {b.status for b in batches(services, ref)} == {"PENDING_APPROVAL"}

    assert approval.approve(services, staff["anna"], ref, "invoices attached") == 2
    with pytest.raises(ConflictError):
        approval.reject(services, staff["anna"], ref, "too late")
    for batch in batches(services, ref):
        assert (batch.status, batch.approved_by_id, batch.approval_comment) == (
            "APPROVED", staff["anna"].user_id, "invoices attached")
    with services.uow() as uow:
        decided = uow.session.exec(select(Approval)).all()
        uow.session.expunge_all()
    assert sorted(a.item_id for a in decided) == [b.request_id for b in batches(services, ref)]
    assert {(a.status, a.prepared_by_name, a.decided_by_name) for a in decided} == {
        ("APPROVED", "olga", "anna")}


def test_a_rejected_upload_is_never_sent(services: Services, staff: dict[str, Actor]) -> None:
    result = validated(services, staff["olga"], csv_bytes("BINANCE_ID,354678912,5,USDT,a,"))
    ref = drafts.save_draft(services, staff["olga"], result, file_name="pay.csv").upload_ref
    approval.submit(services, staff["olga"], ref)
    approval.reject(services, staff["anna"], ref, "wrong month")
    assert sending.send_upload(services, staff["anna"], ref) == []
    [batch] = batches(services, ref)
    assert (batch.status, batch.approval_comment) == ("REJECTED", "wrong month")


def test_an_interrupted_send_resumes_without_duplicates(
    services: Services, staff: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = services.sandbox
    assert sandbox is not None
    ref = approved_upload(services, staff, csv_bytes(
        "BINANCE_ID,354678912,10,USDT,a,", "BINANCE_ID,354678913,0.5,BNB,b,",
        "BINANCE_ID,354678914,20,USDC,c,"))
    start = {b["asset"]: Decimal(b["available"]) for b in sandbox.balances()}
    # Batch 1 (BNB) is applied but its answer is lost; batch 2 (USDC) never gets an answer
    # because the sender dies right after the call.
    sandbox.set_fault("/binancepay/openapi/payout/transfer", "timeout_after_processing")
    real_create = type(services.provider).create_payout_batch
    calls: list[str] = []

    def dying_create(self, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs["batch_request_id"])
        answer = real_create(self, **kwargs)
        if len(calls) == 2:
            raise KeyboardInterrupt("the sender's process died")
        return answer

    monkeypatch.setattr(type(services.provider), "create_payout_batch", dying_create)
    with pytest.raises(KeyboardInterrupt):
        sending.send_upload(services, staff["anna"], ref)
    statuses = [b.status for b in batches(services, ref)]
    assert statuses == ["ACCEPTED", "SENDING", "APPROVED"]
    monkeypatch.undo()

    # A second sender cannot take the batch another sender holds...
    assert sending.send_batch(services, staff["anna"], f"{ref}B002").after == "SENDING"
    # ...until its claim has expired; then it looks the batch up by its requestId first.
    later = services.now() + sending.LEASE + timedelta(seconds=1)
    services.clock = lambda: later
    outcomes = sending.send_upload(services, staff["anna"], ref)
    assert [o.after for o in outcomes] == ["ACCEPTED", "ACCEPTED"]
    assert sorted(sandbox.world.payouts) == [f"{ref}B001", f"{ref}B002", f"{ref}B003"]
    assert sending.send_upload(services, staff["anna"], ref) == []

    sandbox.advance(10)
    sync(services)
    assert {b.status for b in batches(services, ref)} == {"SUCCESS"}
    end = {b["asset"]: Decimal(b["available"]) for b in sandbox.balances()}
    assert start["USDT"] - end["USDT"] == Decimal("10")
    assert start["BNB"] - end["BNB"] == Decimal("0.5")
    assert start["USDC"] - end["USDC"] == Decimal("20")
    with services.uow() as uow:
        started = uow.session.exec(
            select(AuditEntry.target_id).where(AuditEntry.action == "payout.send_started")).all()
    assert sorted(started) == [f"{ref}B001", f"{ref}B002", f"{ref}B002", f"{ref}B003"]


def test_a_refused_batch_fails_cleanly_and_goes_again_under_the_same_id(
    services: Services, staff: dict[str, Actor]
) -> None:
    sandbox = services.sandbox
    assert sandbox is not None
    ref = approved_upload(services, staff, csv_bytes("BINANCE_ID,354678912,10,USDT,a,"))
    sandbox.set_fault("/binancepay/openapi/payout/transfer", "http_5xx")
    [outcome] = sending.send_upload(services, staff["anna"], ref)
    # A 5xx page may hide an applied request: it is UNKNOWN, resolved by the same requestId.
    assert outcome.after == states.UNKNOWN
    assert sandbox.world.payouts == {}
    start = services.now()
    for minutes in (2, 4):  # two empty look-ups, a while apart, before the last send is old
        services.clock = lambda m=minutes: start + timedelta(minutes=m)
        sync(services)
        assert sandbox.world.payouts == {} and batches(services, ref)[0].status == "UNKNOWN"
    services.clock = lambda: start + sending.RESEND_AFTER + timedelta(minutes=1)
    sync(services)  # old enough, and a second empty look-up spaced from the first: goes again
    assert list(sandbox.world.payouts) == [f"{ref}B001"]
    assert batches(services, ref)[0].status == "ACCEPTED"


def _spy_creates(services: Services, monkeypatch: pytest.MonkeyPatch, *, execute: bool,
                 fail_first_with=None) -> list[str]:  # type: ignore[no-untyped-def]
    """Record every create call; the first one raises `fail_first_with(request_id)`, after
    reaching the sandbox when `execute` (the answer was lost or misread) or not at all (the
    request is still on its way in)."""
    real = type(services.provider).create_payout_batch
    calls: list[str] = []

    def create(self, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs["batch_request_id"])
        if len(calls) == 1 and fail_first_with is not None:
            if execute:
                real(self, **kwargs)
            raise fail_first_with(kwargs["batch_request_id"])
        return real(self, **kwargs)

    monkeypatch.setattr(type(services.provider), "create_payout_batch", create)
    return calls


def test_an_unknown_batch_is_not_sent_again_while_the_provider_may_still_take_it_in(
    services: Services, staff: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.providers.errors import UnknownOutcomeError

    sandbox = services.sandbox
    assert sandbox is not None
    ref = approved_upload(services, staff, csv_bytes("BINANCE_ID,354678912,10,USDT,a,"))
    calls = _spy_creates(services, monkeypatch, execute=False,
                         fail_first_with=lambda rid: UnknownOutcomeError("read timeout"))
    [outcome] = sending.send_upload(services, staff["anna"], ref)
    assert outcome.after == states.UNKNOWN and sandbox.world.payouts == {}
    start = services.now()
    # Seconds later the look-up says "not found": nothing is sent, by a person or by sync.
    assert sending.send_batch(services, staff["anna"], f"{ref}B001").after == "UNKNOWN"
    services.clock = lambda: start + sending.LOOKUP_SPACING + timedelta(seconds=5)
    sync(services)
    assert calls == [f"{ref}B001"] and batches(services, ref)[0].status == "UNKNOWN"
    # Binance finishes taking the first request in: the next look-up finds it, no re-send.
    real = monkeypatch.undo
    real()
    batch = batches(services, ref)[0]
    [line] = lines(services, ref).values()
    from services.providers.base import PayoutLineRequest

    services.provider.create_payout_batch(
        batch_request_id=batch.request_id, batch_name=batch.batch_name or batch.request_id,
        currency=batch.currency, lines=(PayoutLineRequest(
            merchant_line_id=line.merchant_send_id, receiver_type=line.receive_type,
            receiver=line.receiver, amount=line.amount, wallet=sending.WALLET,
            remark=line.remark or None),))
    calls = _spy_creates(services, monkeypatch, execute=True)
    services.clock = lambda: start + sending.RESEND_AFTER + timedelta(minutes=2)
    sync(services)
    assert calls == [] and batches(services, ref)[0].status == "ACCEPTED"
    assert list(sandbox.world.payouts) == [f"{ref}B001"]


def test_a_stale_claim_needs_two_spaced_empty_look_ups_before_sending_again(
    services: Services, staff: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = services.sandbox
    assert sandbox is not None
    ref = approved_upload(services, staff, csv_bytes("BINANCE_ID,354678912,10,USDT,a,"))
    calls = _spy_creates(services, monkeypatch, execute=False,
                         fail_first_with=lambda rid: KeyboardInterrupt("sender died"))
    with pytest.raises(KeyboardInterrupt):
        sending.send_upload(services, staff["anna"], ref)
    assert batches(services, ref)[0].status == "SENDING"
    start = services.now()
    services.clock = lambda: start + sending.LEASE + timedelta(seconds=1)
    assert sending.send_batch(services, staff["anna"], f"{ref}B001").after == "UNKNOWN"
    services.clock = lambda: start + sending.LEASE + timedelta(seconds=30)
    assert sending.send_batch(services, staff["anna"], f"{ref}B001").after == "UNKNOWN"
    assert calls == [f"{ref}B001"]
    services.clock = lambda: start + sending.LEASE + sending.LOOKUP_SPACING + timedelta(seconds=2)
    assert sending.send_batch(services, staff["anna"], f"{ref}B001").after == "ACCEPTED"
    assert calls == [f"{ref}B001", f"{ref}B001"]
    assert list(sandbox.world.payouts) == [f"{ref}B001"]


@pytest.mark.parametrize(("code", "message", "http_status"), [
    ("400102", "requestId was already used with other parameters", 400),
    ("499999", "internal", 400),
    ("400304", "not enough balance", 503),
])
def test_an_answer_that_does_not_prove_a_refusal_is_looked_up(
    services: Services, staff: dict[str, Actor], monkeypatch: pytest.MonkeyPatch,
    code: str, message: str, http_status: int,
) -> None:
    from services.providers.binance_pay import errors as bp_errors

    sandbox = services.sandbox
    assert sandbox is not None
    ref = approved_upload(services, staff, csv_bytes("BINANCE_ID,354678912,10,USDT,a,"))
    calls = _spy_creates(services, monkeypatch, execute=True,
                         fail_first_with=lambda rid: bp_errors.error_for_code(
                             code, message, http_status=http_status, merchant_request_id=rid))
    [outcome] = sending.send_upload(services, staff["anna"], ref)
    assert outcome.after == "ACCEPTED" and calls == [f"{ref}B001"]
    assert list(sandbox.world.payouts) == [f"{ref}B001"]


def test_a_send_failed_batch_is_looked_up_before_it_goes_again(
    services: Services, staff: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.providers.binance_pay import errors as bp_errors

    sandbox = services.sandbox
    assert sandbox is not None
    ref = approved_upload(services, staff, csv_bytes("BINANCE_ID,354678912,10,USDT,a,"))
    # The provider booked it, but what came back read as a refusal.
    calls = _spy_creates(services, monkeypatch, execute=True,
                         fail_first_with=lambda rid: bp_errors.error_for_code(
                             "400304", "not enough balance", http_status=400,
                             merchant_request_id=rid))
    [outcome] = sending.send_upload(services, staff["anna"], ref)
    assert outcome.after == states.SEND_FAILED
    [again] = sending.send_upload(services, staff["anna"], ref)
    assert again.after == "ACCEPTED" and calls == [f"{ref}B001"]  # found, not sent again
    with services.uow() as uow:
        conflicts = uow.session.exec(select(AuditEntry.action).where(
            AuditEntry.target_id == f"{ref}B001", AuditEntry.outcome == "conflict")).all()
    assert list(conflicts) == ["payout.refusal_overturned"]
    # A refusal the provider really meant: not found, so the same request goes again.
    ref2 = approved_upload(services, staff, csv_bytes("BINANCE_ID,354678913,10,USDT,b,"))
    monkeypatch.undo()
    calls = _spy_creates(services, monkeypatch, execute=False,
                         fail_first_with=lambda rid: bp_errors.error_for_code(
                             "400304", "not enough balance", http_status=400,
                             merchant_request_id=rid))
    assert sending.send_upload(services, staff["anna"], ref2)[0].after == states.SEND_FAILED
    assert sending.send_upload(services, staff["anna"], ref2)[0].after == "ACCEPTED"
    assert calls == [f"{ref2}B001", f"{ref2}B001"]


def test_part_success_and_an_unclaimed_email_line_refunded_after_72_hours(
    services: Services, staff: dict[str, Actor]
) -> None:
    sandbox = services.sandbox
    assert sandbox is not None
    sandbox.fail_party("354678999")
    ref = approved_upload(services, staff, csv_bytes(
        "BINANCE_ID,354678912,10,USDT,paid,", "BINANCE_ID,354678999,5,USDT,fails,",
        "EMAIL,new.person@example.com,7,USDT,invited,"))
    [outcome] = sending.send_upload(services, staff["anna"], ref)
    assert outcome.after == "ACCEPTED"

    sandbox.advance(10)  # settled; webhooks come in through the in-process receiver
    # The PAYOUT and PAYOUT_NON_BN webhooks alone already tell the batch and the email line.
    assert batches(services, ref)[0].status == "PART_SUCCESS"
    assert lines(services, ref)["new.person@example.com"].status == "AWAITING_RECEIPT"
    sync(services)  # the query tells every line
    [batch] = batches(services, ref)
    got = lines(services, ref)
    assert batch.status == "PART_SUCCESS"
    assert {k: v.status for k, v in got.items()} == {
        "354678912": "SUCCESS", "354678999": "FAIL", "new.person@example.com": "AWAITING_RECEIPT"}
    deadline = got["new.person@example.com"].claim_deadline
    assert deadline is not None

    sandbox.advance(72 * 3600 + 60)
    sync(services)
    got = lines(services, ref)
    assert got["new.person@example.com"].status == "REFUNDED"
    assert got["354678912"].status == "SUCCESS"  # final states stay
    assert batches(services, ref)[0].status == "PART_SUCCESS"


def test_two_senders_at_once_send_each_batch_once(
    services: Services, staff: dict[str, Actor]
) -> None:
    sandbox = services.sandbox
    assert sandbox is not None
    ref = approved_upload(services, staff, csv_bytes(
        "BINANCE_ID,354678912,1,USDT,a,", "BINANCE_ID,354678913,0.5,BNB,b,",
        "BINANCE_ID,354678914,2,USDC,c,"))
    outcomes: list[list[sending.SendOutcome]] = []
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            outcomes.append(sending.send_upload(services, staff["anna"], ref))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    sent = [o.request_id for run in outcomes for o in run if o.after == "ACCEPTED"
            and o.before == "SENDING"]
    assert sorted(sent) == [f"{ref}B001", f"{ref}B002", f"{ref}B003"]
    assert sorted(sandbox.world.payouts) == sorted(sent)
    with services.uow() as uow:
        started = uow.session.exec(
            select(AuditEntry.target_id).where(AuditEntry.action == "payout.send_started")).all()
    assert sorted(started) == sorted(sent)


def test_webhooks_are_idempotent_and_never_move_a_batch_backwards(
    services: Services, staff: dict[str, Actor]
) -> None:
    ref = approved_upload(services, staff, csv_bytes(
        "EMAIL,late@example.com,3,USDT,a,", "BINANCE_ID,354678912,1,USDT,b,"))
    sending.send_upload(services, staff["anna"], ref)
    request_id = f"{ref}B001"
    send_id = lines(services, ref)["late@example.com"].merchant_send_id

    def deliver(event_type: str, status: str, data: dict[str, str]) -> str:
        with services.uow() as uow:
            outcome = dispatch(services, uow, binance_event(event_type, "1", status, data))
            uow.commit()
            return outcome

    assert deliver("PAYOUT", "PART_SUCCESS", {"requestId": request_id}) == "payout_part_success"
    assert deliver("PAYOUT", "PROCESSING", {"requestId": request_id}) == "payout_unchanged"
    line_news = {"batchId": request_id, "merchantSendId": send_id, "status": "AWAITING_RECEIPT"}
    assert deliver("PAYOUT_NON_BN", "AWAITING_RECEIPT", line_news) == \
        "payout_line_awaiting_receipt"
    assert deliver("PAYOUT_NON_BN", "AWAITING_RECEIPT", line_news) == "payout_line_unchanged"
    deadline = lines(services, ref)["late@example.com"].claim_deadline
    assert deadline is not None
    assert deliver("PAYOUT_NON_BN", "SUCCESS", {**line_news, "status": "SUCCESS"}) == \
        "payout_line_success"
    assert deliver("PAYOUT_NON_BN", "REFUNDED", {**line_news, "status": "REFUNDED"}) == \
        "payout_line_unchanged"
    assert deliver("PAYOUT", "SUCCESS", {"requestId": request_id}) == "payout_success"
    assert deliver("PAYOUT", "FAILED", {"requestId": request_id}) == "payout_unchanged"
    assert deliver("PAYOUT", "SUCCESS", {"requestId": "NOTOURS"}) == "unmatched"
    assert batches(services, ref)[0].status == "SUCCESS"
    assert lines(services, ref)["late@example.com"].status == "SUCCESS"
