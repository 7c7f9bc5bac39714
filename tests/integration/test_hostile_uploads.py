"""The crafted-file corpus through every entry point that shares the reader: bulk refunds, bulk
debits, statement imports and `paydesk payouts validate`. A hostile file is a message (a finding
by line and column, or a refusal), never a traceback and never a stored row."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from data.models import Statement, StatementLine
from services.mandates import bulk as bulk_debits
from services.refunds import bulk as bulk_refunds
from services.core.access import Actor
from services.entrypoints.bootstrap import Services
from services.entrypoints.cli import main
from services.core.config import get_settings
from services.core.errors import InputError
from services.files.reading import UnreadableFileError
from services.reconciliation import statements
from tests.fixtures import hostile
from tests.integration.money_helpers import paid_order, signed_mandate, staff

OPERATOR = Actor(user_id=None, username="olga", role="operator")
STATEMENT_HEADER = ("time_utc", "type", "currency", "amount", "reference", "merchant_reference")


@functools.cache
def _corpus() -> dict[str, tuple[bytes, str]]:
    """Every crafted payout file: name -> (bytes, file name)."""
    return hostile.corpus()


@pytest.fixture
def people(services: Services):
    return staff(services)


def _codes(preview) -> set[tuple[int | None, str | None, str]]:  # type: ignore[no-untyped-def]
    return {(f.line, f.column, f.code) for f in preview.findings}


def test_bulk_refund_file_with_a_nul_and_a_shifted_line_refunds_neither(services, people):
    a, b = paid_order(services, "100"), paid_order(services, "50")
    data = hostile.payout_csv(
        "merchantTradeNo,amount,reason,note",
        f"{a.merchant_order_id},10,other,broken\0note",
        f"{b.merchant_order_id},5,other,thanks, paid",
    )
    preview = bulk_refunds.preview(services, people["olga"], data, "refunds.csv")
    assert (2, "note", "cell_control_character") in _codes(preview)
    assert (3, "column 5", "extra_cells") in _codes(preview)
    assert preview.lines == ()


def test_bulk_refund_workbook_with_a_hidden_sheet_is_refused_as_a_whole(services, people):
    order = paid_order(services, "100")
    book = hostile.Book([
        hostile.Sheet("Real", hostile.sheet_xml([("merchantTradeNo", "amount", "reason"),
                                                 (order.merchant_order_id, "90", "duplicate")]),
                      state="hidden"),
        hostile.Sheet("Shown", hostile.sheet_xml([("merchantTradeNo", "amount", "reason"),
                                                  (order.merchant_order_id, "1", "duplicate")])),
    ]).build()
    preview = bulk_refunds.preview(services, people["olga"], book, "refunds.xlsx")
    assert (None, None, "sheet_hidden") in _codes(preview)
    assert preview.lines == () and not preview.ok
    picked = bulk_refunds.preview(services, people["olga"], book, "refunds.xlsx", sheet="Real")
    assert [line.planned["amount"] for line in picked.lines] == [90]


def test_bulk_debit_workbook_inexact_amount_and_bombs(services, people):
    mandate = signed_mandate(services, limit="50")
    data = hostile.workbook(("merchantContractCode", "amount", "productName"),
                            (mandate.merchant_contract_code, 0.1 + 0.2, "March"))
    preview = bulk_debits.preview(services, people["olga"], data, "debits.xlsx")
    assert (2, "amount", "number_inexact") in _codes(preview)
    assert preview.lines == ()
    for bomb in (hostile.far_row_bomb(), hostile.declared_huge_part()):
        with pytest.raises(UnreadableFileError, match="limit"):
            bulk_debits.preview(services, people["olga"], bomb, "debits.xlsx")


def _statement_count(services: Services) -> tuple[int, int]:
    with services.uow() as uow:
        return (uow.session.execute(select(func.count()).select_from(Statement)).scalar_one(),
                uow.session.execute(select(func.count()).select_from(StatementLine)).scalar_one())


@pytest.mark.parametrize(
    ("data", "name", "where"),
    [
        (hostile.payout_csv(",".join(STATEMENT_HEADER),
                            "2026-03-01 10:00:00,PAYMENT,USDT,10,P1,M1",
                            "2026-03-01 11:00:00,PAYMENT,USDT,10,P2,M\0" + "2"),
         "nul.csv", "line 3, field 'merchant_reference'"),
        (hostile.workbook(STATEMENT_HEADER,
                          ("2026-03-01 10:00:00", "PAYMENT", "USDT", 0.1 + 0.2, "P1", "M1")),
         "sum.xlsx", "line 2, field 'amount'"),
        (hostile.Book([
            hostile.Sheet("Empty", hostile.sheet_xml([]), state="hidden"),  # harmless
            hostile.Sheet("Hidden2", hostile.sheet_xml([
                STATEMENT_HEADER, ("2026-03-01 10:00:00", "PAYMENT", "USDT", "1", "P", "M")]),
                state="hidden"),
            hostile.Sheet("Shown", hostile.sheet_xml([STATEMENT_HEADER])),
        ]).build(), "hidden.xlsx", "hidden sheet 'Hidden2'"),
    ],
)
def test_statement_import_refuses_bad_cells_and_stores_nothing(services, data, name, where):
    with pytest.raises(InputError) as refused:
        statements.import_statement(services, OPERATOR, data, file_name=name, source="bank")
    assert where in str(refused.value)
    assert _statement_count(services) == (0, 0)


def test_statement_bombs_are_refused_before_anything_is_stored(services):
    for bomb in (hostile.far_row_bomb(), hostile.declared_dimension_bomb()):
        with pytest.raises(UnreadableFileError, match="limit"):
            statements.import_statement(services, OPERATOR, bomb, file_name="s.xlsx",
                                        source="bank")
    with pytest.raises(UnreadableFileError):
        statements.preview_header(hostile.malformed_workbooks()["xml_not_closed"], "s.xlsx")
    assert _statement_count(services) == (0, 0)


def test_statement_from_a_chosen_sheet_says_which_sheet_was_read(services):
    rows = [STATEMENT_HEADER, ("2026-03-01 10:00:00", "PAYMENT", "USDT", "10", "P1", "M1")]
    book = hostile.Book([hostile.Sheet("Notes", hostile.sheet_xml([("hello",)])),
                         hostile.Sheet("March", hostile.sheet_xml(rows))]).build()
    assert statements.preview_header(book, "s.xlsx", sheet="March") == list(STATEMENT_HEADER)
    result = statements.import_statement(services, OPERATOR, book, file_name="s.xlsx",
                                         source="bank", sheet="March",
                                         mapping=statements.BINANCE_MAPPING)
    assert result.line_count == 1
    assert any("read 'March'" in warning for warning in result.warnings)


@pytest.fixture
def no_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'absent.db'}")
    monkeypatch.setenv("PAYDESK_MODE", "sandbox")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize("name", sorted(_corpus()))
def test_cli_answers_every_crafted_file_with_0_1_or_2_and_json(name, tmp_path, capsys,
                                                               no_store):
    data, file_name = _corpus()[name]
    path = tmp_path / file_name
    path.write_bytes(data)
    started = time.monotonic()
    code = main(["payouts", "validate", str(path), "--json"])
    took = time.monotonic() - started
    captured = capsys.readouterr()
    assert code in (0, 1, 2)
    # A ceiling, not the goal: these files once took 40 s to 28 minutes; each now answers in
    # well under a second. The 5 s goal is measured, with the machine's load, by
    # bench/payouts_xlsx_bench.py; a test timed tighter would fail on a busy machine, not on code.
    assert took < 30, f"{name} took {took:.1f} s"
    report = json.loads(captured.out)  # always JSON on stdout, whatever the file
    assert set(report) <= {"findings", "batches", "sheet"}
    assert "Traceback" not in captured.err
    if code == 2:
        assert report["findings"][0]["code"] == "file_unreadable"


def test_cli_exits_2_on_malformed_workbooks_and_bombs(tmp_path, capsys, no_store):
    for name in ("corrupt_deflate", "xml_not_closed", "far_row_bomb", "declared_huge_part"):
        data, file_name = _corpus()[name]
        path = tmp_path / file_name
        path.write_bytes(data)
        assert main(["payouts", "validate", str(path)]) == 2, name
        assert "paydesk: " in capsys.readouterr().err


def test_cli_send_id_equal_to_a_derived_one_still_prints_json(tmp_path, capsys, no_store):
    path = tmp_path / "ids.csv"
    path.write_bytes(hostile.payout_csv(",".join(hostile.HEADER),
                                        "BINANCE_ID,354678912,1,USDT,,PREVIEWL0000003",
                                        "BINANCE_ID,354678913,1,USDT,,",
                                        "BINANCE_ID,354678914,1,USDT,,PREVIEW"))
    code = main(["payouts", "validate", str(path), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["batches"][0]["line_count"] == 3


def test_cli_sheet_option_and_text_output_name_the_sheet(tmp_path, capsys, no_store):
    path = tmp_path / "two.xlsx"
    path.write_bytes(hostile.two_visible_sheets())
    assert main(["payouts", "validate", str(path), "--sheet", "July"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("sheet: July\n") and "--sheet" in out
    assert main(["payouts", "validate", str(path), "--sheet", "May"]) == 2


def test_cli_process_never_prints_a_traceback(tmp_path):
    """The real command in its own process, for a file that once crashed it with a traceback."""
    for name in ("shared_string_out_of_range",):
        data, file_name = _corpus()[name]
        path = tmp_path / file_name
        path.write_bytes(data)
        done = subprocess.run([sys.executable, "-m", "services.entrypoints.cli", "payouts", "validate",
                               str(path)], capture_output=True, text=True,
                              env={"PATH": "/usr/bin:/bin",
                                   "DATABASE_URL": f"sqlite:///{tmp_path / 'absent.db'}"},
                              cwd=Path(__file__).resolve().parents[2], check=False)
        assert done.returncode == 2, (name, done.stderr)
        assert "Traceback" not in done.stderr


@pytest.mark.parametrize("name", sorted(hostile.malformed_workbooks()))
def test_every_entry_point_answers_a_malformed_workbook_with_a_message(services, people, name):
    """Bulk refunds, bulk debits and statement imports share the reader: a damaged workbook is
    an input error with a message (or, when calamine can still read it, a preview), never
    another exception, and never a stored statement."""
    data = hostile.malformed_workbooks()[name]
    for call in (
        lambda: bulk_refunds.preview(services, people["olga"], data, "refunds.xlsx"),
        lambda: bulk_debits.preview(services, people["olga"], data, "debits.xlsx"),
        lambda: statements.import_statement(services, OPERATOR, data, file_name="s.xlsx",
                                            source="bank"),
    ):
        try:
            call()
        except InputError as error:
            assert str(error)
    assert _statement_count(services) == (0, 0)


def test_a_payout_upload_with_control_characters_saves_only_clean_lines(services, people):
    """NUL once crashed saving on PostgreSQL and was stored on SQLite: the lines holding one are
    refused by line and column, and saving the valid lines stores none of it."""
    from sqlmodel import select as select_rows

    from data.models import AuditEntry, PayoutLine
    from services.payouts import drafts

    data = hostile.payout_csv(",".join(hostile.HEADER), hostile.csv_line(*hostile.GOOD),
                              "BINANCE_ID,354678913,10,USDT,a\0b,",
                              "BINANCE_ID,3546\x007891,10,USDT,,",
                              "BINANCE_ID,354678915,10,USDT,tab\there,")
    result = drafts.validate_upload(services, people["olga"], data, file_name="pay.csv")
    assert {(f.line, f.column, f.code) for f in result.errors} >= {
        (3, "remark", "cell_control_character"), (4, "receiver", "cell_control_character"),
        (5, "remark", "cell_control_character")}
    saved = drafts.save_draft(services, people["olga"], result, file_name="pay.csv",
                              only_valid=True)
    assert [e.line for e in saved.excluded] == [3, 4, 5]
    with services.uow() as uow:
        stored = [(line.file_line, line.receiver, line.remark)
                  for line in uow.session.exec(select_rows(PayoutLine)).all()]
        details = [d for d in uow.session.exec(select_rows(AuditEntry.detail)).all() if d]
    assert stored == [(2, "354678912", "ok")]
    assert not any("\x00" in text or "\t" in text for text in details)


def test_bulk_files_with_a_nul_in_the_reference_column_are_findings(services, people):
    """The order or contract reference is looked up in the store: with a NUL in it the line is
    an error by line and column, and the lookup never reaches PostgreSQL (which refuses NUL)."""
    order = paid_order(services, "100")
    mandate = signed_mandate(services, limit="50")
    note = "returned goods, see ticket " + "x" * 100  # a stray NUL, not a binary file
    refunds = hostile.payout_csv("merchantTradeNo,amount,reason,note",
                                 f"{order.merchant_order_id},10,other,{note}",
                                 f"{order.merchant_order_id[:4]}\0x,5,other,{note}")
    preview = bulk_refunds.preview(services, people["olga"], refunds, "refunds.csv")
    assert (3, "merchantTradeNo", "cell_control_character") in _codes(preview)
    debits = hostile.payout_csv("merchantContractCode,amount,productName",
                                f"{mandate.merchant_contract_code},5,{note}",
                                f"MC\0x,5,{note}")
    preview = bulk_debits.preview(services, people["olga"], debits, "debits.csv")
    assert (3, "merchantContractCode", "cell_control_character") in _codes(preview)
