"""`paydesk payouts validate FILE [--json]`: the page's findings for a payout file, for scripts.

Exit status: 0 no error (warnings allowed), 1 at least one error, 2 the file cannot be read.
Earlier payouts come from the store when DATABASE_URL reaches a migrated one; otherwise the file
is checked without them and stderr says so. Nothing is written anywhere.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from services.core.errors import InputError
from services.files.findings import ERROR, Finding

if TYPE_CHECKING:
    from services.payouts.validation import ValidationResult

EXIT_OK, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    group = commands.add_parser("payouts", help="batch payout files")
    actions = group.add_subparsers(dest="payouts_command", required=True, metavar="ACTION")
    validate = actions.add_parser(
        "validate",
        help="check a payout file (CSV or XLSX) and plan its batches; exit 0 ok, 1 errors, "
        "2 unreadable",
    )
    validate.add_argument("file", type=Path, metavar="FILE")
    validate.add_argument("--json", action="store_true", help="print findings and batches as JSON")
    validate.add_argument("--sheet", metavar="NAME",
                          help="the workbook's sheet to check (default: the first visible one)")
    validate.set_defaults(handler=_validate)


def _validate(args: argparse.Namespace) -> int:
    # Imported here so that `paydesk --help` and the other commands start without them.
    from services.files.reading import collector_paused

    path: Path = args.file
    try:
        data = path.read_bytes()
    except OSError as error:
        return _unreadable(args, f"cannot read {path}: {error.strerror or error}")
    # One pause from reading to the report: the rows are never scanned by the collector, not
    # even while the modules below load.
    with collector_paused():
        return _check(args, path, data)


def _check(args: argparse.Namespace, path: Path, data: bytes) -> int:
    from services.files.reading import MAX_UPLOAD_BYTES, UnreadableFileError, read_payout_file

    # The file is read before settings, the store and validation are loaded (pandas, SQLAlchemy
    # and pydantic are most of the command's start-up): a file that cannot be read, as most
    # crafted ones, is answered at once. A file over the limit is never read: its finding says so.
    table = None
    if len(data) <= MAX_UPLOAD_BYTES:
        try:
            table = read_payout_file(data, file_name=path.name, sheet=args.sheet)
        except UnreadableFileError as error:
            return _unreadable(args, f"{path}: {error}")

    from services.core.config import get_settings
    from services.payouts.store_history import store_history
    from services.payouts.validation import PayoutRules, validate_payout_file, validate_table

    settings = get_settings()
    rules = PayoutRules.from_settings(settings)
    with store_history(settings.database_url) as (history, note):
        if note:
            print(f"paydesk: {note}; checked without earlier payouts", file=sys.stderr)
        if table is None:
            result = validate_payout_file(data, file_name=path.name, rules=rules,
                                          history=history, sheet=args.sheet)
        else:
            result = validate_table(table, rules=rules, history=history)
            del table
    from services.payouts.planning import new_upload_ref, plan_batches

    findings = list(result.findings)
    try:
        # A fresh reference, as an upload gets: a fixed one could equal a send id in the file.
        planned = plan_batches(result.instructions(), upload_ref=new_upload_ref(),
                               max_lines=_max_lines(settings))
    except InputError as error:
        planned = []
        findings.append(Finding(error.row, error.field, None, ERROR, "plan_refused", error.message))
    batches = [
        {"currency": b.currency, "line_count": b.line_count, "total": f"{b.total:f}"}
        for b in planned
    ]
    if args.json:
        report: dict[str, object] = {"findings": [_json_finding(f) for f in findings],
                                     "batches": batches}
        if result.sheet is not None:
            report["sheet"] = result.sheet
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        _print_text(result, findings, batches)
    has_errors = any(f.severity == ERROR for f in findings)
    return EXIT_ERRORS if has_errors else EXIT_OK


def _json_finding(finding: Finding) -> dict[str, object]:
    return {
        "line": finding.line,
        "column": finding.column,
        "severity": finding.severity,
        "code": finding.code,
        "message": finding.message,
    }


def _unreadable(args: argparse.Namespace, message: str) -> int:
    print(f"paydesk: {message}", file=sys.stderr)
    if args.json:
        finding = Finding(None, None, None, ERROR, "file_unreadable", message)
        print(json.dumps({"findings": [_json_finding(finding)], "batches": []}, indent=2))
    return EXIT_UNREADABLE


def _print_text(result: ValidationResult, findings: list[Finding],
                batches: list[dict[str, object]]) -> None:
    if result.sheet is not None:
        print(f"sheet: {result.sheet}")
    for finding in findings:
        where = "file" if finding.line is None else f"line {finding.line}"
        if finding.column:
            where += f", {finding.column}"
        print(f"{where}: {finding.severity} {finding.code}: {finding.message}")
    lines = len(result.table)
    errors = sum(f.severity == ERROR for f in findings)
    print(f"{errors} error(s), {len(findings) - errors} warning(s) in {lines} line(s)")
    if batches:
        print("batches for the lines without errors:")
        for batch in batches:
            print(f"  {batch['currency']:<6} {batch['line_count']:>4} lines  {batch['total']}")


def _max_lines(settings) -> int | None:  # type: ignore[no-untyped-def]
    """Lines per batch at the default provider (uploads go there), from its capabilities."""
    from services.entrypoints.provider_factory import CAPABILITIES
    from services.payouts.terms import terms_of

    name = settings.default_provider
    return terms_of(CAPABILITIES[name]).max_lines if name else None
