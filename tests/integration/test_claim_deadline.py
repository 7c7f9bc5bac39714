"""An e-mail payout line's claim deadline is fixed once: the first "awaiting receipt" time plus
the provider's window, whatever order the notifications arrive in. Both stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.entrypoints.bootstrap import Services
from services.payouts import sending, states
from services.inbound.dispatch import dispatch
from tests.binance_news import binance_event
from tests.integration.test_payout_flow import (  # noqa: F401 - fixtures
    _cheap_password_hashing, approved_upload, csv_bytes, lines, staff,
)

AWAITING_AT = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
WINDOW = timedelta(hours=states.CLAIM_WINDOW_HOURS)


def _as_utc(moment: datetime | None) -> datetime | None:
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


@pytest.mark.parametrize("order", ["awaiting first", "final first"])
def test_the_deadline_is_the_first_awaiting_time_plus_the_window(
    services: Services, staff, order: str
) -> None:
    ref = approved_upload(services, staff, csv_bytes("EMAIL,late@example.com,3,USDT,a,"))
    sending.send_upload(services, staff["anna"], ref)
    request_id = f"{ref}B001"
    send_id = lines(services, ref)["late@example.com"].merchant_send_id

    def deliver(status: str, at: datetime) -> None:
        data = {"batchId": request_id, "merchantSendId": send_id, "status": status}
        with services.uow() as uow:
            dispatch(services, uow, binance_event("PAYOUT_NON_BN", "1", status, data, at))
            uow.commit()

    news = [("AWAITING_RECEIPT", AWAITING_AT), ("SUCCESS", AWAITING_AT + timedelta(hours=5))]
    for status, at in (news if order == "awaiting first" else news[::-1]):
        deliver(status, at)
    # The provider retries the awaiting notification a day later: the deadline stays.
    deliver("AWAITING_RECEIPT", AWAITING_AT + timedelta(days=1))
    line = lines(services, ref)["late@example.com"]
    assert line.status == "SUCCESS"
    assert _as_utc(line.claim_deadline) == AWAITING_AT + WINDOW
