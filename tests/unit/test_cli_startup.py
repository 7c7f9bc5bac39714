"""`paydesk --help` and the help of every command must not load pandas, plotly, Arrow, the store
or the web stack: those cost seconds at start-up and only the command that runs needs them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from services.entrypoints.cli import build_parser

HEAVY = ("pandas", "plotly", "pyarrow", "numpy", "sqlalchemy", "sqlmodel", "alembic", "psycopg",
         "streamlit", "httpx", "starlette", "uvicorn", "pydantic", "xlsxwriter", "openpyxl")

_PROBE = """
import sys
from services.entrypoints.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
loaded = {m.split(".")[0] for m in sys.modules} & set(sys.argv[0].split(","))
print("loaded:" + ",".join(sorted(loaded)), file=sys.stderr)
"""


def _commands() -> list[list[str]]:
    parser = build_parser()
    groups = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    argvs = [["--help"]]
    for name, sub in groups.items():
        argvs.append([name, "--help"])
        for action in sub._subparsers._group_actions if sub._subparsers else []:
            argvs.extend([name, child, "--help"] for child in action.choices)
    return argvs


@pytest.mark.parametrize("argv", _commands(), ids=" ".join)
def test_help_loads_nothing_heavy(argv: list[str]) -> None:
    # A fresh interpreter: this test process has long imported everything.
    probe = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.argv[0] = {','.join(HEAVY)!r}\n{_PROBE}", *argv],
        capture_output=True, text=True, check=True,
    )
    assert "usage: paydesk" in probe.stdout
    loaded = probe.stderr.strip().splitlines()[-1]
    assert loaded == "loaded:", f"`paydesk {' '.join(argv)}` imported {loaded}"
