"""Items in progress refresh on their own (AppTest): the page asks the provider before it draws its
table, so a debit or refund the provider settled shows settled in the same run, with no webhook
and no click on another tab; the explicit check updates the table in the run of the click."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from streamlit.testing.v1 import AppTest

from dashboard.runtime import get_services
from data.models import Refund
from services.mandates import debits
from services.entrypoints.bootstrap import Services
from tests.integration.money_helpers import paid_order, signed_mandate
from tests.ui.conftest import demo_actor


def _quiet_sandbox():  # type: ignore[no-untyped-def]
    # The app's own sandbox, with webhooks off: only the page's own check can bring the news.
    sandbox = get_services().sandbox
    assert sandbox is not None
    sandbox.set_webhook_sink(None)
    # Outcomes wait until the test moves sandbox time on: nothing depends on how fast it runs.
    sandbox.world.timings.debit_settle_s = sandbox.world.timings.refund_settle_s = 600
    return sandbox


def _statuses(at: AppTest, column: str) -> list[str]:
    """The statuses of the first table with `column` (read-only tables carry no key)."""
    frame = next(f.value for f in at.dataframe if column in f.value.columns)
    return list(frame["Status"])


def test_a_debit_the_provider_settled_shows_collected_without_another_click(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    at = signed_in_app("operator")
    app = get_services()
    sandbox = _quiet_sandbox()
    mandate = signed_mandate(app, limit="20")
    outcome = debits.debit_now(app, demo_actor(ui_services, "operator"), mandate_ref=mandate.id,
                               amount="12", product_name="June")
    assert outcome.status == "PROCESSING"
    at.switch_page("app_pages/mandates.py").run()
    assert not at.exception, at.exception
    assert _statuses(at, "Debit") == ["Processing"]
    assert any("1 debit in progress" in c.value for c in at.caption)

    sandbox.advance(700)
    app.clock = lambda: datetime.now(UTC) + timedelta(seconds=700)
    at.run()
    assert not at.exception, at.exception
    assert _statuses(at, "Debit") == ["Collected"]
    assert not any("in progress" in c.value for c in at.caption)


def test_checking_open_refunds_updates_the_table_in_the_same_run(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    order = paid_order(ui_services, amount="40", status="REFUNDING", refunded="15")
    long_ago = datetime.now(UTC) - timedelta(minutes=5)
    with ui_services.uow() as uow:
        uow.session.add(Refund(
            order_id=order.id, refund_request_id=f"RF{uuid.uuid4().hex[:12]}",
            amount=Decimal("15"), currency="USDT", reason="DUPLICATE", status="REFUNDING",
            created_at=long_ago, updated_at=long_ago))
        uow.commit()
    at = signed_in_app("operator")
    sandbox = _quiet_sandbox()
    at.switch_page("app_pages/refunds.py").run()
    assert not at.exception, at.exception
    assert _statuses(at, "Refund") == ["In progress"]  # accepted there, settling

    sandbox.advance(700)
    at.button(key="rf_sync").click().run()
    assert not at.exception, at.exception
    assert _statuses(at, "Refund") == ["Refunded"]
    assert any("1 open refund checked" in i.value for i in at.info)


def test_an_upload_label_and_its_batches_show_the_same_news_in_one_run(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    from tests.ui.test_payout_funding_page import _approver, _submit
    from tests.ui.test_payouts_page import _table

    _submit(signed_in_app)
    at = _approver(signed_in_app)
    sandbox = _quiet_sandbox()
    sandbox.world.timings.payout_processing_s = 300
    sandbox.world.timings.payout_settle_s = 300
    at.text_area(key="payout_comment").input("June sheet")
    at.button(key="payout_approve").click().run()
    at.button(key="payout_confirm_yes").click().run()
    assert not at.exception, at.exception
    at.segmented_control(key="payout_view").set_value("Uploads & batches").run()
    assert set(_table(at, "Request id")["Status"]) == {"Accepted"}

    # At the provider: the USDT batch is paid, the BNB one waits for an e-mail receiver to sign
    # up. No webhook tells PayDesk; the page's own check does.
    sandbox.advance(700)
    at.run()
    assert not at.exception, at.exception
    shown = set(_table(at, "Request id")["Status"])
    assert shown == {"Paid", "Partly paid"}
    label = at.selectbox(key="payout_pick_upload").options[0]
    assert set(label.rsplit(" · ", 1)[1].split(", ")) == shown, label
