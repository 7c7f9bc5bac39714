"""Contracts and direct debits against the in-process sandbox: creation followed to SIGNED,
termination, every debit refusal, periodic notices and the freeze, UNKNOWN resolved by sync,
webhooks twice or out of order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from data.models import DirectDebit, Mandate
from services.mandates import debits
from services.mandates import events as mandate_updates
from services.mandates import sync as mandate_sync
from services.mandates import contracts as mandates
from services.entrypoints.bootstrap import Services
from services.core.errors import (
    ConflictError, InputError, LimitExceededError, NotFoundError, PermissionDeniedError,
)
from services.providers.binance_pay.sandbox import FaultKind
from tests.integration.money_helpers import attach_sink, signed_mandate, staff

APPLY = "/binancepay/openapi/pay/apply"


@pytest.fixture
def people(services: Services):
    return staff(services)


class Clock:
    """Moves our clock and the sandbox's together."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.offset = timedelta(0)
        services.clock = lambda: datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        step = timedelta(**delta)
        self.offset += step
        self.services.sandbox.advance(int(step.total_seconds()))


def _debit(services: Services, request_id: str) -> DirectDebit:
    with services.uow() as uow:
        row = uow.session.exec(select(DirectDebit).where(
            DirectDebit.merchant_request_id == request_id)).one()
        uow.session.expunge(row)
        return row


def _mandate(services: Services, mandate_id: int) -> Mandate:
    with services.uow() as uow:
        row = uow.session.get(Mandate, mandate_id)
        uow.session.expunge(row)
        return row


def _applied(services: Services) -> list[str]:
    return [e["merchantRequestId"] for e in services.sandbox.events()
            if e["event"] == "debit_applied"]


def test_contract_is_created_followed_until_signed_and_terminated(services, people) -> None:
    sink = attach_sink(services)
    created = mandates.create_contract(services, people["olga"], mandates.ContractRequest(
        customer_email="ann@example.com", service_name="Pro plan", single_upper_limit="25",
        currency="USDT"))
    assert created.status == "INITIAL" and created.deeplink and created.qr_content
    services.sandbox.sign_contract(merchant_contract_code=created.merchant_contract_code)
    services.sandbox.advance(5)
    signed = _mandate(services, created.id)
    assert signed.status == "SIGNED" and signed.contract_id
    assert "mandate_signed" in sink.outcomes
    with pytest.raises(InputError, match="why"):
        mandates.terminate_contract(services, people["olga"], created.id, " ")
    with pytest.raises(PermissionDeniedError):
        mandates.terminate_contract(services, people["vic"], created.id, "customer left")
    ended = mandates.terminate_contract(services, people["olga"], created.id, "customer left")
    assert (ended.status, ended.termination_way, ended.termination_notes) == (
        "TERMINATED", "3", "customer left")
    services.sandbox.advance(5)  # the TERMINATED webhook arrives after: a duplicate, not a move
    assert _mandate(services, created.id).status == "TERMINATED"
    with pytest.raises(ConflictError, match="is terminated"):
        debits.debit_now(services, people["olga"], mandate_ref=created.id, amount="1",
                         product_name="x")


def test_contract_input_is_checked(services, people) -> None:
    request = mandates.ContractRequest(customer_email="a@b.c", service_name="S",
                                       single_upper_limit="10", currency="BTC")
    with pytest.raises(InputError, match="USDT or USDC"):
        mandates.create_contract(services, people["olga"], request)
    with pytest.raises(InputError, match="cycle"):
        mandates.create_contract(services, people["olga"], mandates.ContractRequest(
            customer_email="a@b.c", service_name="S", single_upper_limit="10", currency="USDT",
            periodic=True, cycle_type="DAY", cycle_value=3,
            first_deduct_at=datetime.now(UTC) + timedelta(days=2)))


def test_sync_follows_an_unsigned_contract_to_expired(services, people) -> None:
    clock = Clock(services)
    created = mandates.create_contract(services, people["olga"], mandates.ContractRequest(
        customer_email="b@example.com", service_name="Cloud", single_upper_limit="9",
        currency="USDC"))
    clock.advance(hours=2)
    assert mandates.sync_contract(services, people["vic"], created.id).status == "EXPIRED"


def test_debit_now_refusals_say_exactly_why(services, people) -> None:
    mandate = signed_mandate(services, limit="50")
    ask = lambda amount, who="olga": debits.debit_now(  # noqa: E731
        services, people[who], mandate_ref=mandate.merchant_contract_code, amount=amount,
        product_name="March")
    with pytest.raises(PermissionDeniedError):
        ask("1", "vic")
    with pytest.raises(LimitExceededError, match="above the contract's single upper limit of 50"):
        ask("50.00000001")
    with pytest.raises(InputError, match="decimal places"):
        ask("1.000000001")
    with pytest.raises(InputError, match="greater than zero"):
        ask("0")
    with pytest.raises(NotFoundError):
        debits.debit_now(services, people["olga"], mandate_ref="nope", amount="1",
                         product_name="x")
    with pytest.raises(InputError, match="name what the debit is for"):
        debits.debit_now(services, people["olga"], mandate_ref=mandate.id, amount="1",
                         product_name=" ")
    first = ask("50")
    assert first.status == "PROCESSING"
    with pytest.raises(ConflictError, match="still processing"):
        ask("1")
    unsigned = signed_mandate(services, status="INITIAL")
    with pytest.raises(ConflictError, match="only a signed contract"):
        debits.debit_now(services, people["olga"], mandate_ref=unsigned.id, amount="1",
                         product_name="x")
    bnb = signed_mandate(services, currency="BNB")
    with pytest.raises(ConflictError, match="USDT or USDC only"):
        debits.debit_now(services, people["olga"], mandate_ref=bnb.id, amount="1",
                         product_name="x")
    assert len(_applied(services)) == 1


def test_debit_settles_by_webhook_even_duplicated_and_out_of_order(services, people) -> None:
    sink = attach_sink(services)
    services.sandbox.set_fault(APPLY, FaultKind.DUPLICATE_WEBHOOKS, times=None)
    services.sandbox.set_fault(APPLY, FaultKind.OUT_OF_ORDER_WEBHOOKS, times=None)
    one, two = signed_mandate(services, limit="20"), signed_mandate(services, limit="20")
    a = debits.debit_now(services, people["olga"], mandate_ref=one.id, amount="20",
                         product_name="April")
    b = debits.debit_now(services, people["oscar"], mandate_ref=two.id, amount="7.5",
                         product_name="April")
    services.sandbox.advance(10)
    services.sandbox.clear_faults()
    assert {_debit(services, x.merchant_request_id).status for x in (a, b)} == {"SUCCESS"}
    assert sum("debit_duplicate" in o for o in sink.outcomes) >= 2
    again = debits.debit_now(services, people["olga"], mandate_ref=one.id, amount="20",
                             product_name="May")  # the previous one settled
    assert again.status == "PROCESSING"


def test_timeout_leaves_unknown_and_sync_resolves_without_a_second_debit(services,
                                                                         people) -> None:
    mandate = signed_mandate(services, limit="30")
    services.sandbox.set_fault(APPLY, FaultKind.TIMEOUT_AFTER_PROCESSING)
    outcome = debits.debit_now(services, people["olga"], mandate_ref=mandate.id, amount="12",
                               product_name="June")
    assert outcome.status == "UNKNOWN"
    with pytest.raises(ConflictError, match="still unconfirmed"):
        debits.debit_now(services, people["oscar"], mandate_ref=mandate.id, amount="12",
                         product_name="June")
    services.sandbox.advance(10)
    mandate_sync.sync_open_debits(services, older_than_seconds=0)
    row = _debit(services, outcome.merchant_request_id)
    assert row.status == "SUCCESS" and row.provider_order_id
    assert _applied(services) == [outcome.merchant_request_id]


def test_periodic_contracts_need_a_notice_2_to_5_days_before(services, people) -> None:
    clock = Clock(services)
    mandate = signed_mandate(services, limit="40", periodic=True)
    ask = lambda amount="40": debits.debit_now(  # noqa: E731
        services, people["olga"], mandate_ref=mandate.id, amount=amount, product_name="Plan")
    with pytest.raises(ConflictError, match="no unused notice"):
        ask()
    notice = debits.send_notice(services, people["olga"], mandate_ref=mandate.id,
                                estimated_amount="30")
    assert notice.status == "SENT"
    with pytest.raises(ConflictError, match="24-hour freeze"):
        ask("30")
    clock.advance(hours=30)
    with pytest.raises(ConflictError, match="at least 2 days"):
        ask("30")
    clock.advance(hours=20)
    with pytest.raises(LimitExceededError, match="announced 30"):
        ask("31")
    assert ask("30").status == "PROCESSING"
    services.sandbox.advance(10)
    mandate_sync.sync_open_debits(services, older_than_seconds=0)
    with pytest.raises(ConflictError, match="no unused notice"):
        ask("30")
    old = debits.send_notice(services, people["olga"], mandate_ref=mandate.id,
                             estimated_amount="30")
    assert old.status == "SENT"
    clock.advance(days=6)
    with pytest.raises(ConflictError, match="more than 5 days old"):
        ask("30")


def test_the_sync_pass_resolves_an_unknown_debit_and_follows_contracts(services, people) -> None:
    from services.inbound.sync_runner import run_pass

    clock = Clock(services)
    services.sandbox.set_webhook_sink(None)  # no webhooks: only the sync pass can tell
    mandate = signed_mandate(services, limit="30")
    services.sandbox.set_fault(APPLY, FaultKind.TIMEOUT_AFTER_PROCESSING)
    outcome = debits.debit_now(services, people["olga"], mandate_ref=mandate.id, amount="3",
                               product_name="July")
    assert outcome.status == "UNKNOWN"
    created = mandates.create_contract(services, people["olga"], mandates.ContractRequest(
        customer_email="c@example.com", service_name="Music", single_upper_limit="12",
        currency="USDT"))
    services.sandbox.sign_contract(merchant_contract_code=created.merchant_contract_code)
    clock.advance(seconds=60)
    report = run_pass(services, kinds=["debits", "contracts"])
    assert report.kinds["debits"].claimed == 1 and report.kinds["contracts"].claimed == 1
    assert _debit(services, outcome.merchant_request_id).status == "SUCCESS"
    assert _mandate(services, created.id).status == "SIGNED"
    assert _applied(services) == [outcome.merchant_request_id]


def test_a_notice_in_doubt_is_resent_under_its_own_id(services, people) -> None:
    from services.inbound.sync_runner import run_pass

    clock = Clock(services)
    mandate = signed_mandate(services, limit="40", periodic=True)
    services.sandbox.set_fault("/binancepay/openapi/pay/notify",
                               FaultKind.TIMEOUT_AFTER_PROCESSING)
    notice = debits.send_notice(services, people["olga"], mandate_ref=mandate.id,
                                estimated_amount="25")
    assert notice.status == "UNKNOWN"
    clock.advance(seconds=60)
    run_pass(services, kinds=["debit_notices"])
    notices = [e for e in services.sandbox.events() if e["event"] == "debit_notice"]
    assert len(notices) == 1
    with services.uow() as uow:
        from data.models import DebitNotice

        row = uow.session.get(DebitNotice, notice.id)
        assert row.status == "SENT" and row.provider_notice_id


# --- review fixes: notice reuse, unknown statuses, contracts in doubt, local FAIL, audit, tokens --

CONTRACT_CREATE = "/binancepay/openapi/direct-debit/contract"


def _audit(services: Services, action: str, target: str | None = None) -> list:
    from data.models import AuditEntry

    with services.uow() as uow:
        statement = select(AuditEntry).where(AuditEntry.action == action)
        if target is not None:
            statement = statement.where(AuditEntry.target_id == target)
        rows = uow.session.exec(statement.order_by(AuditEntry.id)).all()
        for row in rows:
            uow.session.expunge(row)
        return list(rows)


def _set_debit(services: Services, request_id: str, **values: object) -> None:
    from sqlalchemy import update

    with services.uow() as uow:
        uow.session.exec(update(DirectDebit).where(
            DirectDebit.merchant_request_id == request_id).values(**values))
        uow.commit()


def _created(services: Services) -> list[str]:
    return [e["merchantContractCode"] for e in services.sandbox.events()
            if e["event"] == "contract_created"]


def test_a_notice_serves_again_after_its_debit_failed_but_never_two_live_debits(
        services, people) -> None:
    clock = Clock(services)
    mandate = signed_mandate(services, limit="40", periodic=True)
    notice = debits.send_notice(services, people["olga"], mandate_ref=mandate.id,
                                estimated_amount="30")
    clock.advance(hours=50)
    first = debits.debit_now(services, people["olga"], mandate_ref=mandate.id, amount="30",
                             product_name="Plan")
    _set_debit(services, first.merchant_request_id, status="FAIL")  # the provider said no
    second = debits.debit_now(services, people["olga"], mandate_ref=mandate.id, amount="30",
                              product_name="Plan")
    assert second.status == "PROCESSING"
    assert _debit(services, second.merchant_request_id).notice_id == notice.id
    with pytest.raises(ConflictError, match="still processing"):
        debits.debit_now(services, people["oscar"], mandate_ref=mandate.id, amount="30",
                         product_name="Plan")


def test_an_unknown_order_status_keeps_the_debit_open(services, people, monkeypatch) -> None:
    from services.providers.base import OrderState

    services.sandbox.set_webhook_sink(None)
    mandate = signed_mandate(services, limit="30")
    outcome = debits.debit_now(services, people["olga"], mandate_ref=mandate.id, amount="3",
                               product_name="Aug")
    provider_order_id = _debit(services, outcome.merchant_request_id).provider_order_id
    assert provider_order_id
    real = services.provider.client.query_order
    asked: list[dict] = []

    def brand_new_status(**kwargs):  # type: ignore[no-untyped-def]
        asked.append(kwargs)
        answer = real(**kwargs)
        return answer.model_copy(update={"status": "SOMETHING_NEW"}) if hasattr(
            answer, "model_copy") else type(answer)(**{**vars(answer), "status": "SOMETHING_NEW"})

    monkeypatch.setattr(services.provider.client, "query_order", brand_new_status)
    assert services.provider.get_order(provider_order_id=provider_order_id).state == OrderState.PENDING
    mandate_sync.sync_debit(services, outcome.merchant_request_id)
    assert _debit(services, outcome.merchant_request_id).status == "PROCESSING"
    # Asked by the prepayId pay/apply returned, not by the assumed merchantTradeNo.
    assert asked[-1]["prepay_id"] == provider_order_id and asked[-1]["merchant_trade_no"] is None


def test_an_error_order_leaves_the_debit_open(services, people, monkeypatch) -> None:
    from services.providers.base import OrderState, OrderStatus

    services.sandbox.set_webhook_sink(None)
    mandate = signed_mandate(services, limit="30")
    outcome = debits.debit_now(services, people["olga"], mandate_ref=mandate.id, amount="3",
                               product_name="Aug")
    monkeypatch.setattr(services.provider, "get_order", lambda **kw: OrderStatus(
        provider_order_id=kw.get("provider_order_id"), merchant_order_id=None,
        state=OrderState.ERROR, provider_status="ERROR", amount=None, currency=None))
    mandate_sync.sync_debit(services, outcome.merchant_request_id)
    assert _debit(services, outcome.merchant_request_id).status == "PROCESSING"


def test_a_pay_webhook_finds_the_debit_by_its_provider_order_id(services, people) -> None:
    from services.inbound.dispatch import dispatch
    from tests.binance_news import binance_event

    services.sandbox.set_webhook_sink(None)
    mandate = signed_mandate(services, limit="30")
    outcome = debits.debit_now(services, people["olga"], mandate_ref=mandate.id, amount="3",
                               product_name="Aug")
    provider_order_id = _debit(services, outcome.merchant_request_id).provider_order_id
    event = binance_event("PAY", provider_order_id, "PAY_SUCCESS", {"merchantTradeNo": "SOMEOTHERNO"})
    with services.uow() as uow:
        assert dispatch(services, uow, event) == "debit_success"
        uow.commit()
    assert _debit(services, outcome.merchant_request_id).status == "SUCCESS"


def test_a_local_fail_gives_way_to_a_provider_success_and_is_audited_as_conflict(
        services, people) -> None:
    sink = attach_sink(services)
    services.sandbox.set_webhook_sink(None)  # hold the webhooks back
    mandate = signed_mandate(services, limit="30")
    outcome = debits.debit_now(services, people["olga"], mandate_ref=mandate.id, amount="4",
                               product_name="Sep")
    # What an unmapped code or a 5xx made of it before such answers became outcome-unknown.
    _set_debit(services, outcome.merchant_request_id, status="FAIL", error_code="400000")
    services.sandbox.set_webhook_sink(sink)
    services.sandbox.advance(10)
    row = _debit(services, outcome.merchant_request_id)
    assert row.status == "SUCCESS" and row.error_code is None
    assert "debit_conflict" in sink.outcomes
    entries = _audit(services, "debit.webhook", outcome.merchant_request_id)
    assert [e.outcome for e in entries] == ["conflict"]


def test_a_contract_in_doubt_is_looked_up_before_it_is_sent_again(services, people) -> None:
    services.sandbox.set_fault(CONTRACT_CREATE, FaultKind.TIMEOUT_AFTER_PROCESSING)
    created = mandates.create_contract(services, people["olga"], mandates.ContractRequest(
        customer_email="d@example.com", service_name="News", single_upper_limit="5",
        currency="USDT"))
    assert created.status == "UNKNOWN"
    synced = mandates.sync_contract(services, people["olga"], created.id)
    assert synced.status == "INITIAL"
    assert _created(services) == [created.merchant_contract_code]


def test_a_duplicate_refusal_means_the_contract_exists(services, people) -> None:
    from sqlalchemy import update

    services.sandbox.set_fault(CONTRACT_CREATE, FaultKind.TIMEOUT_AFTER_PROCESSING)
    created = mandates.create_contract(services, people["olga"], mandates.ContractRequest(
        customer_email="e@example.com", service_name="News", single_upper_limit="5",
        currency="USDT"))
    with services.uow() as uow:  # a resend that differs: the provider refuses the taken code
        uow.session.exec(update(Mandate).where(Mandate.id == created.id)
                         .values(service_name="News 2"))
        uow.commit()
    assert mandates._send_contract(services, created.id, people["olga"]).status == "INITIAL"
    assert _created(services) == [created.merchant_contract_code]


def test_a_provider_signature_overrides_a_local_refusal(services, people) -> None:
    from sqlalchemy import update

    sink = attach_sink(services)
    created = mandates.create_contract(services, people["olga"], mandates.ContractRequest(
        customer_email="f@example.com", service_name="News", single_upper_limit="5",
        currency="USDT"))
    with services.uow() as uow:  # what the old duplicate handling left behind
        uow.session.exec(update(Mandate).where(Mandate.id == created.id).values(status="REFUSED"))
        uow.commit()
    services.sandbox.sign_contract(merchant_contract_code=created.merchant_contract_code)
    services.sandbox.advance(5)
    assert _mandate(services, created.id).status == "SIGNED"
    assert "mandate_signed" in sink.outcomes


def test_contract_transitions_out_of_our_local_states(services) -> None:
    mandate = signed_mandate(services, status="CREATING")
    with services.uow() as uow:
        row = uow.session.get(Mandate, mandate.id)
        assert mandate_updates.contract_transition(uow, row, "UNKNOWN", datetime.now(UTC)) == (
            "CREATING", "UNKNOWN")
        assert mandate_updates.contract_transition(uow, row, "CREATING", datetime.now(UTC)) == (
            "UNKNOWN", "UNKNOWN")
        assert mandate_updates.contract_transition(uow, row, "INITIAL", datetime.now(UTC)) == (
            "UNKNOWN", "INITIAL")
        # A refused create never hides a contract the provider confirmed.
        assert mandate_updates.contract_transition(uow, row, "REFUSED", datetime.now(UTC)) == (
            "INITIAL", "INITIAL")


def test_a_viewer_sync_never_creates_a_contract(services, people) -> None:
    services.sandbox.set_fault(CONTRACT_CREATE, FaultKind.HTTP_5XX)
    created = mandates.create_contract(services, people["olga"], mandates.ContractRequest(
        customer_email="g@example.com", service_name="News", single_upper_limit="5",
        currency="USDT"))
    assert created.status == "UNKNOWN" and _created(services) == []
    assert mandates.sync_contract(services, people["vic"], created.id).status == "UNKNOWN"
    assert _created(services) == []
    assert mandates.sync_contract(services, people["olga"], created.id).status == "INITIAL"
    assert _created(services) == [created.merchant_contract_code]


def test_notice_answers_termination_and_expiry_are_audited(services, people) -> None:
    clock = Clock(services)
    mandate = signed_mandate(services, limit="40", periodic=True)
    notice = debits.send_notice(services, people["olga"], mandate_ref=mandate.id,
                                estimated_amount="25")
    [entry] = _audit(services, "debit.notice.sent", notice.merchant_request_id)
    assert (entry.outcome, entry.provider_code, entry.actor_name) == ("SENT", "000000", "olga")
    services.sandbox.set_webhook_sink(None)
    created = mandates.create_contract(services, people["olga"], mandates.ContractRequest(
        customer_email="h@example.com", service_name="Cloud", single_upper_limit="9",
        currency="USDC"))
    services.sandbox.sign_contract(merchant_contract_code=created.merchant_contract_code)
    mandates.sync_contract(services, people["olga"], created.id)
    mandates.terminate_contract(services, people["olga"], created.id, "customer left")
    [ended] = _audit(services, "mandate.terminated", created.merchant_contract_code)
    assert ended.outcome == "TERMINATED"
    unsigned = mandates.create_contract(services, people["olga"], mandates.ContractRequest(
        customer_email="i@example.com", service_name="Cloud", single_upper_limit="9",
        currency="USDC"))
    clock.advance(hours=2)
    assert mandates.sync_contract(services, people["vic"], unsigned.id).status == "EXPIRED"
    assert [e.outcome for e in _audit(services, "mandate.synced",
                                      unsigned.merchant_contract_code)] == ["EXPIRED"]


def test_a_repeated_request_token_returns_the_same_debit(services, people) -> None:
    mandate = signed_mandate(services, limit="30")
    ask = lambda amount="5": debits.debit_now(  # noqa: E731
        services, people["olga"], mandate_ref=mandate.id, amount=amount, product_name="Oct",
        request_token="form-123")
    first, again = ask(), ask()
    assert again.merchant_request_id == first.merchant_request_id
    with pytest.raises(ConflictError, match="already used"):
        ask("6")
    assert _applied(services) == [first.merchant_request_id]


def test_applying_a_bulk_file_twice_with_its_token_debits_once(services, people) -> None:
    from services.mandates import bulk as bulk_debits

    one, two = signed_mandate(services, limit="30"), signed_mandate(services, limit="30")
    data = (f"merchantContractCode,amount,productName\r\n{one.merchant_contract_code},3,Nov\r\n"
            f"{two.merchant_contract_code},4,Nov\r\n").encode()
    checked = bulk_debits.preview(services, people["olga"], data, "debits.csv")
    first = bulk_debits.apply(services, people["olga"], checked, request_token="upload-9")
    again = bulk_debits.apply(services, people["olga"], checked, request_token="upload-9")
    assert [r.status for r in first] == ["PROCESSING", "PROCESSING"]
    assert [r.status for r in again] == ["PROCESSING", "PROCESSING"]
    assert len(_applied(services)) == 2
