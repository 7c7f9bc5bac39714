"""`paydesk payouts validate`: exit codes, the JSON shape, and history from a migrated store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from data.db import make_engine
from data.models import PayoutBatch, PayoutLine
from services.entrypoints.cli import main
from services.core.config import get_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "payouts"


@pytest.fixture
def use_database(monkeypatch: pytest.MonkeyPatch):
    def point_at(url: str) -> None:
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("PAYDESK_MODE", "sandbox")
        get_settings.cache_clear()

    yield point_at
    get_settings.cache_clear()


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["payouts", "validate", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_clean_file_exits_0_and_json_has_exactly_the_promised_keys(tmp_path, capsys, use_database):
    use_database(f"sqlite:///{tmp_path / 'absent.db'}")
    code, out, err = _run(capsys, str(FIXTURES / "crlf.csv"), "--json")
    assert code == 0
    assert json.loads(out) == {
        "findings": [],
        "batches": [{"currency": "USDT", "line_count": 2, "total": "11"}],
    }
    assert "checked without earlier payouts" in err
    assert not (tmp_path / "absent.db").exists()  # validating never creates a store


def test_errors_exit_1_with_line_and_column(tmp_path, capsys, use_database):
    use_database(f"sqlite:///{tmp_path / 'absent.db'}")
    code, out, _ = _run(capsys, str(FIXTURES / "amount_negative.csv"), "--json")
    assert code == 1
    report = json.loads(out)
    assert report["findings"] == [
        {
            "line": 3,
            "column": "amount",
            "severity": "error",
            "code": "amount_negative",
            "message": "'-5' is negative; payouts are positive amounts: remove the minus sign",
        }
    ]
    assert report["batches"] == [{"currency": "USDT", "line_count": 1, "total": "25.50"}]


def test_whole_file_findings_have_a_null_line(tmp_path, capsys, use_database):
    use_database(f"sqlite:///{tmp_path / 'absent.db'}")
    code, out, _ = _run(capsys, str(FIXTURES / "file_empty.csv"), "--json")
    assert code == 1
    [finding] = json.loads(out)["findings"]
    assert (finding["line"], finding["column"], finding["code"]) == (None, None, "file_empty")


def test_unreadable_and_missing_files_exit_2(tmp_path, capsys, use_database):
    use_database(f"sqlite:///{tmp_path / 'absent.db'}")
    code, out, err = _run(capsys, str(FIXTURES / "not_text.bin"), "--json")
    assert code == 2
    assert json.loads(out)["findings"][0]["code"] == "file_unreadable"
    assert "binary data" in err
    code, out, err = _run(capsys, str(tmp_path / "nope.csv"))
    assert (code, out) == (2, "")
    assert "cannot read" in err


def test_text_output_names_line_and_column(tmp_path, capsys, use_database):
    use_database(f"sqlite:///{tmp_path / 'absent.db'}")
    code, out, _ = _run(capsys, str(FIXTURES / "payouts.xlsx"))
    assert code == 1
    assert "line 5, Amount: error amount_not_a_number:" in out
    assert "1 error(s), 2 warning(s) in 3 line(s)" in out


def test_history_comes_from_a_migrated_store(store_url, tmp_path, capsys, use_database):
    engine = make_engine(store_url)
    with Session(engine) as session:
        batch = PayoutBatch(
            request_id="PDOLDB001",
            upload_ref="PDOLD",
            file_sha256="0" * 64,
            currency="USDC",
            total_amount=Decimal("10"),
            line_count=1,
            status="SUCCESS",
            created_at=datetime.now(UTC) - timedelta(days=3),
        )
        session.add(batch)
        session.flush()
        session.add(
            PayoutLine(
                batch_id=batch.id,
                file_line=2,
                merchant_send_id="MAY1",
                receive_type="EMAIL",  # type: ignore[arg-type]
                receiver="CAROL@example.com",
                amount=Decimal("10.00"),
                currency="USDC",
                status="SUCCESS",
            )
        )
        session.commit()
    use_database(store_url)
    data = (FIXTURES / "duplicate_recent.csv").read_text()
    data += "BINANCE_ID,354678999,1,USDT,,MAY1\n"
    path = tmp_path / "june.csv"
    path.write_text(data)
    code, out, err = _run(capsys, str(path), "--json")
    assert err == ""
    assert code == 1
    assert [(f["line"], f["code"]) for f in json.loads(out)["findings"]] == [
        (3, "duplicate_recent"),
        (3, "email_claim_window"),
        (4, "send_id_used_before"),
    ]
    with Session(engine) as session:  # a validation writes nothing
        assert session.execute(select(func.count()).select_from(PayoutBatch)).scalar_one() == 1
    engine.dispose()


def test_an_unmigrated_store_is_not_touched(tmp_path, capsys, use_database):
    empty = tmp_path / "empty.db"
    engine = make_engine(f"sqlite:///{empty}")
    with engine.connect():
        pass
    engine.dispose()
    use_database(f"sqlite:///{empty}")
    code, _, err = _run(capsys, str(FIXTURES / "crlf.csv"))
    assert code == 0
    assert "not at the latest migration" in err


def test_an_unreachable_store_means_empty_history_and_a_note(capsys, use_database):
    use_database("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    code, out, err = _run(capsys, str(FIXTURES / "crlf.csv"), "--json")
    assert code == 0
    assert json.loads(out)["batches"] == [{"currency": "USDT", "line_count": 2, "total": "11"}]
    assert "the store cannot be reached" in err and "checked without earlier payouts" in err


def test_an_unreadable_file_is_answered_before_pandas_and_the_store_load(tmp_path):
    """Most crafted files cannot be read at all; the command says so without first loading
    what validation and the store need (most of its start-up), so it answers at once."""
    import subprocess
    import sys

    from tests.fixtures import hostile

    path = tmp_path / "broken.xlsx"
    path.write_bytes(hostile.malformed_workbooks()["corrupt_deflate"])
    probe = ("import sys\nfrom services.entrypoints.cli import main\n"
             f"code = main(['payouts', 'validate', {str(path)!r}, '--json'])\n"
             "loaded = sorted(m for m in ('pandas', 'sqlalchemy', 'alembic')"
             " if m in sys.modules)\n"
             "print('LOADED', code, ','.join(loaded))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin",
                               "DATABASE_URL": f"sqlite:///{tmp_path / 'absent.db'}"},
                          cwd=Path(__file__).resolve().parents[2], check=False)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stdout.splitlines()[-1] == "LOADED 2 "
    assert json.loads(done.stdout.rsplit("LOADED", 1)[0])["findings"][0]["code"] == \
        "file_unreadable"
