"""Issue 16: every export a finance user opens is headed in the words its page's table uses (no
snake_case), with amounts exact at the scale of their currency."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal

from streamlit.testing.v1 import AppTest

from services.core import audit
from services.core.access import Actor
from services.core.money import currency_decimals
from services.demo.data import seed_demo_data
from services.entrypoints.bootstrap import Services
from services.mandates import contracts as mandates
from services.payouts import views
from services.refunds import listing as refund_list

ADMIN = Actor(user_id=None, username="test", role="admin")


def _read(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _screen(at: AppTest, first: str) -> list[str]:
    """The columns of the page's table that starts with the column `first`."""
    found = [list(d.value.columns) for d in at.dataframe if list(d.value.columns)[:1] == [first]]
    assert found, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def _at_scale(rows: list[dict[str, str]], amount: str) -> None:
    for row in rows:
        if row[amount]:
            places = -Decimal(row[amount]).as_tuple().exponent  # type: ignore[operator]
            assert places == currency_decimals(row["Currency"]), row


def test_exports_are_headed_as_their_tables(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    seed_demo_data(ui_services, orders=400, days=20, seed=16)
    zone = ui_services.settings.timezone
    at = signed_in_app("admin")

    at.switch_page("app_pages/refunds.py").run()
    assert not at.exception, at.exception
    refunds = _read(refund_list.export_refunds_csv(ui_services, ADMIN, refund_list.RefundFilter()))
    assert refunds and set(_screen(at, "Refund")) <= set(refunds[0])
    _at_scale(refunds, "Amount")

    at.switch_page("app_pages/mandates.py").run()
    assert not at.exception, at.exception
    found = mandates.list_mandates(ui_services, ADMIN, mandates.ListFilter())
    contracts = _read(mandates.rows_csv(found, mandates.MANDATE_COLUMNS, zone))
    # "Cycle" on the page is 'every month'; the file keeps its unit and length apart.
    assert set(_screen(at, "Contract")) - {"Cycle"} <= set(contracts[0])
    _at_scale(contracts, "Single upper limit")
    debits_found = mandates.list_debits(ui_services, ADMIN, mandates.ListFilter())
    debits = _read(mandates.rows_csv(debits_found, mandates.DEBIT_COLUMNS, zone))
    assert set(_screen(at, "Debit")) <= set(debits[0])
    _at_scale(debits, "Amount")

    upload = views.list_uploads(ui_services, ADMIN)[0]
    lines = _read(views.results_csv(views.lines(ui_services, ADMIN,
                                                upload_ref=upload.upload_ref)))
    at.switch_page("app_pages/payouts.py").run()
    assert not at.exception, at.exception
    assert set(_screen(at, "Line")) - {"Needs review"} <= set(lines[0])
    _at_scale(lines, "Amount")

    entries = _read(audit.export_csv_bytes(ui_services, ADMIN, audit.AuditFilter()))
    for headers in (refunds[0], contracts[0], debits[0], lines[0], entries[0]):
        assert not [h for h in headers if "_" in h or h != h.strip()], list(headers)
