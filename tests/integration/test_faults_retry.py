"""A retry never forgets that an earlier attempt may have been applied: the provider applies the
first attempt and answers 5xx (or 400000), then refuses every connection. The refund or debit
stays UNKNOWN and held, a query with the same id settles it, and asking again never moves the
money a second time. Both stores, through the fault-injecting transport."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from data.models import DirectDebit, Refund
from services.mandates import debits
from services.refunds import commands as refunds
from services.inbound import sync_runner as sync
from services.entrypoints.bootstrap import Services
from services.core.errors import LimitExceededError
from services.entrypoints.provider_factory import build_provider
from services.providers.binance_pay import endpoints as ep
from tests.providers.faulty_transport import FaultyTransport
from tests.integration.money_helpers import paid_order, signed_mandate, staff

CODE_400000 = b'{"status":"FAIL","code":"400000","errorMessage":"unknown error"}'
FIRST_ANSWERS: dict[str, dict] = {
    "5xx": {"mode": "apply_then_5xx"},
    "400000": {"mode": "apply_then_answer", "answer": (500, CODE_400000)},
    "400000 with 200": {"mode": "apply_then_answer", "answer": (200, CODE_400000)},
}


def with_faults(services: Services) -> FaultyTransport:
    """Puts a FaultyTransport between the services' provider client and the sandbox."""
    made: list[FaultyTransport] = []

    def factory(settings):  # type: ignore[no-untyped-def]
        def wrap(inner):  # type: ignore[no-untyped-def]
            made.append(FaultyTransport(inner))
            return made[-1]
        return build_provider(settings, wrap_transport=wrap)

    services.provider_factory = factory
    assert services.sandbox is not None  # builds the bundle now
    return made[0]


def _first_applied_then_refused(faults: FaultyTransport, path: str) -> None:
    # An HTML 5xx is not retried at all; an answer with the "try again" code is, and then meets
    # the refused connections.
    met = [mode for seen, mode in faults.seen if seen == path]
    assert met[0].startswith("apply_then_") and set(met[1:]) <= {"refuse"}
    assert [seen for seen in faults.applied if seen[1] == path] == [("POST", path)]
    faults.rules.clear()


def _later(services: Services) -> None:
    """Our clock past the age at which sync looks at a fresh intent."""
    start = services.now()
    services.clock = lambda: start + timedelta(minutes=5)


def _sandbox(services: Services, event: str, key: str) -> list[str]:
    return [e[key] for e in services.sandbox.events() if e["event"] == event]


@pytest.mark.parametrize("first", sorted(FIRST_ANSWERS))
def test_a_refund_applied_then_unreachable_stays_unknown_and_is_never_sent_twice(
    services: Services, first: str
) -> None:
    faults = with_faults(services)
    olga = staff(services)["olga"]
    order = paid_order(services, "100")
    faults.fail(ep.REFUND, **FIRST_ANSWERS[first])
    faults.fail(ep.REFUND, "refuse", times=2)
    outcome = refunds.request_refund(services, olga, order_ref=order.merchant_order_id,
                                     amount="60", reason="REQUESTED_BY_CUSTOMER")
    _first_applied_then_refused(faults, ep.REFUND)
    assert outcome.status == "UNKNOWN"
    position = refunds.refund_position(services, olga, order.id)
    assert position.refundable == Decimal("40")  # the 60 stay held
    with pytest.raises(LimitExceededError):
        refunds.request_refund(services, olga, order_ref=order.merchant_order_id,
                               amount="60", reason="REQUESTED_BY_CUSTOMER")
    _later(services)
    sync.run_pass(services, kinds=["refunds"])
    with services.uow() as uow:
        row = uow.session.exec(select(Refund).where(
            Refund.refund_request_id == outcome.refund_request_id)).one()
        assert row.status in ("REFUNDING", "SUCCESS")
    assert _sandbox(services, "refund_requested", "refundRequestId") == [
        outcome.refund_request_id]
    assert refunds.refund_position(services, olga, order.id).refundable == Decimal("40")


@pytest.mark.parametrize("first", sorted(FIRST_ANSWERS))
def test_a_debit_applied_then_unreachable_stays_unknown_and_is_never_sent_twice(
    services: Services, first: str
) -> None:
    faults = with_faults(services)
    olga = staff(services)["olga"]
    mandate = signed_mandate(services, limit="50")
    faults.fail(ep.PAY_APPLY, **FIRST_ANSWERS[first])
    faults.fail(ep.PAY_APPLY, "refuse", times=2)
    outcome = debits.debit_now(services, olga, mandate_ref=mandate.id, amount="20",
                               product_name="Pro plan", request_token="once")
    _first_applied_then_refused(faults, ep.PAY_APPLY)
    assert outcome.status == "UNKNOWN"
    again = debits.debit_now(services, olga, mandate_ref=mandate.id, amount="20",
                             product_name="Pro plan", request_token="once")
    assert again.merchant_request_id == outcome.merchant_request_id
    _later(services)
    sync.run_pass(services)
    with services.uow() as uow:
        rows = uow.session.exec(select(DirectDebit)).all()
        assert [r.merchant_request_id for r in rows] == [outcome.merchant_request_id]
        assert rows[0].status in ("PROCESSING", "SUCCESS")
    assert _sandbox(services, "debit_applied", "merchantRequestId") == [
        outcome.merchant_request_id]



@pytest.mark.parametrize("first", sorted(FIRST_ANSWERS))
def test_a_payout_batch_applied_then_unreachable_is_never_sent_twice(
    services: Services, first: str
) -> None:
    from services.payouts import sending, states
    from tests.integration.test_payout_flow import approved_upload, csv_bytes

    from services.identity import users
    from services.core.access import Actor, cli_actor

    people = {}
    for name, role in (("olga", "operator"), ("anna", "approver")):
        view = users.create_user(services, cli_actor("t"), username=name, role=role,
                                 password="correct horse battery")
        people[name] = Actor(user_id=view.id, username=name, role=role)
    faults = with_faults(services)
    ref = approved_upload(services, people, csv_bytes("BINANCE_ID,354678912,10,USDT,a,"))
    faults.fail(ep.PAYOUT_TRANSFER, **FIRST_ANSWERS[first])
    faults.fail(ep.PAYOUT_TRANSFER, "refuse", times=2)
    [outcome] = sending.send_upload(services, people["anna"], ref)
    _first_applied_then_refused(faults, ep.PAYOUT_TRANSFER)
    # Never SEND_FAILED, which a person would send again: unknown, or settled by a look-up.
    assert outcome.after in (states.UNKNOWN, states.ACCEPTED)
    sending.send_upload(services, people["anna"], ref)
    _later(services)
    sync.run_pass(services, kinds=["payouts"])
    assert list(services.sandbox.world.payouts) == [f"{ref}B001"]
