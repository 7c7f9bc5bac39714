"""A batch that could not be sent (the connection refused on every attempt) waits in "send
failed": sync never re-sends it blindly, and people are told: the Payouts page and the approvals
list say "not sent — send again", and `paydesk sync` prints how many wait. Both stores."""

from __future__ import annotations

import pytest

from services.entrypoints.bootstrap import Services
from services.entrypoints.cli import build_parser
from services.payouts import not_sent, sending, states
from services.providers.binance_pay import endpoints as ep
from tests.integration.test_faults_retry import with_faults
from tests.integration.test_payout_flow import (  # noqa: F401 - fixtures
    _cheap_password_hashing, approved_upload, batches, csv_bytes, staff, sync,
)


def test_a_batch_refused_three_times_waits_and_is_counted(
    services: Services, staff, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    faults = with_faults(services)
    ref = approved_upload(services, staff, csv_bytes("BINANCE_ID,354678912,10,USDT,a,"))
    faults.fail(ep.PAYOUT_TRANSFER, "refuse", times=3)
    [outcome] = sending.send_upload(services, staff["anna"], ref)
    assert outcome.after == states.SEND_FAILED
    sync(services)  # never sends it again on its own
    assert batches(services, ref)[0].status == states.SEND_FAILED
    assert services.sandbox.world.payouts == {}
    assert not_sent.count_not_sent(services) == 1
    assert not_sent.uploads_not_sent(services, staff["vic"]) == {ref: 1}

    import services.entrypoints.bootstrap as bootstrap
    from services.entrypoints.cli import sync as sync_cli

    # The command builds (and disposes) services of its own on the same store; it imports the
    # builder when it runs (a fast `paydesk --help`), so the builder is replaced where it lives.
    real_build = bootstrap.build_services
    monkeypatch.setattr(bootstrap, "build_services", lambda: real_build(services.settings))
    assert sync_cli._run(build_parser().parse_args(["sync", "--kind", "payouts"])) == 0
    out = capsys.readouterr().out
    assert "1 payout batch not sent, waiting for someone to send again" in out

    [again] = sending.send_upload(services, staff["anna"], ref)  # a person sends it again
    assert again.after == "ACCEPTED" and not_sent.count_not_sent(services) == 0
