"""A batch that could not be sent shows as "not sent — send again" on the Payouts page, both in
the approvals list and among the uploads."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from streamlit.testing.v1 import AppTest

from data.models import PayoutBatch
from services.entrypoints.bootstrap import Services

PAGE = "app_pages/payouts.py"


def test_a_batch_not_sent_is_named_in_the_approvals_list_and_the_uploads(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    with ui_services.uow() as uow:
        uow.session.add(PayoutBatch(
            request_id="PDNOTSENTB001", upload_ref="PDNOTSENT", file_name="june.csv",
            currency="USDT", total_amount=Decimal("10"), line_count=1, status="SEND_FAILED",
            error_code="Unreachable", error_message="could not reach Binance Pay"))
        uow.commit()
    at = signed_in_app("approver")
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    for view in ("Awaiting approval", "Uploads & batches"):
        at.segmented_control(key="payout_view").set_value(view).run()
        assert not at.exception, at.exception
        warnings = [w.value for w in at.warning]
        assert any("Not sent — send again: PDNOTSENT (1 batch)" in w for w in warnings), warnings
    statuses = [str(v) for frame in at.dataframe if "Status" in frame.value.columns
                for v in frame.value["Status"]]
    assert "Not sent — send again" in statuses
