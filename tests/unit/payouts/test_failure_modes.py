"""One fixture file per failure mode, with the exact findings it must produce."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.files.findings import Finding
from services.payouts.history import PastPayment, PastUpload, StaticHistory
from services.payouts.validation import PayoutRules, validate_payout_file
from services.payouts.views import format_help

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
R, A, C, RT, RM, S = "receiver", "amount", "currency", "receive_type", "remark", "merchant_send_id"
E, W = "error", "warning"
CLAIM = (3, R, "carol@example.com", W, "email_claim_window")

EXPECTED: dict[str, list[tuple[object, ...]]] = {
    "file_empty": [(None, None, None, E, "file_empty")],
    "blank_lines_only": [(None, None, None, E, "file_empty")],
    "no_lines": [(None, None, None, E, "no_lines")],
    "column_missing": [(1, "amount", None, E, "column_missing")],
    "column_unknown": [(1, "Name", "Name", E, "column_unknown")],
    "column_duplicate": [(1, "Transfer Amount", "Transfer Amount", E, "column_duplicate")],
    "receive_type_invalid": [
        (3, RT, "PAY_ID", E, "receive_type_invalid"),
        (4, RT, "", E, "receive_type_invalid"),
    ],
    "receiver_missing": [(3, R, "", E, "receiver_missing")],
    "binance_id_invalid": [
        (3, R, "12345", E, "binance_id_invalid"),
        (4, R, "0354678912", E, "binance_id_invalid"),
        (5, R, "bob@example.com", E, "binance_id_invalid"),
        (6, R, "354 678 912", E, "binance_id_invalid"),
    ],
    "email_invalid": [(3, R, "bob@", E, "email_invalid"), (4, R, "354678913", E, "email_invalid")],
    "amount_missing": [(3, A, "", E, "amount_missing")],
    "amount_not_a_number": [
        (3, A, "abc", E, "amount_not_a_number"),
        (4, A, "12,50", E, "amount_not_a_number"),
        (5, A, "$10", E, "amount_not_a_number"),
    ],
    "amount_zero": [(3, A, "0", E, "amount_zero"), (4, A, "0.00", E, "amount_zero")],
    "amount_negative": [(3, A, "-5", E, "amount_negative")],
    "amount_not_finite": [
        (3, A, "NaN", E, "amount_not_finite"),
        (4, A, "inf", E, "amount_not_finite"),
    ],
    "amount_scientific": [(3, A, "1.5E+3", E, "amount_scientific")],
    "amount_thousands_separator": [
        (3, A, "1,234.50", E, "amount_thousands_separator"),
        (4, A, "1.234.567", E, "amount_thousands_separator"),
    ],
    "amount_too_many_decimals": [(3, A, "0.123456789", E, "amount_too_many_decimals")],
    "amount_over_cap": [(3, A, "80000.01", E, "amount_over_cap")],
    "currency_missing": [(3, C, "", E, "currency_missing")],
    "currency_unsupported": [
        (3, C, "EUR", E, "currency_unsupported"),
        (4, C, "BUSD", E, "currency_unsupported"),
    ],
    "remark_too_long": [(3, RM, "r" * 129, E, "remark_too_long")],
    "send_id_too_long": [(3, S, "B" * 33, E, "send_id_too_long")],
    "send_id_invalid": [(3, S, "JUN-2", E, "send_id_invalid")],
    "send_id_repeated": [
        (2, S, "JUN1", E, "send_id_repeated"),
        (3, S, "JUN1", E, "send_id_repeated"),
    ],
    "send_id_used_before": [(3, S, "MAY1", E, "send_id_used_before")],
    "line_extra_cells": [(3, "column 7", "surplus", E, "line_extra_cells")],
    "duplicate_in_file": [
        (2, R, "354678912", W, "duplicate_in_file"),
        (4, R, "354678912", W, "duplicate_in_file"),
    ],
    "duplicate_recent": [
        (3, R, "Carol@Example.com", W, "duplicate_recent"),
        (3, R, "Carol@Example.com", W, "email_claim_window"),
    ],
    "email_claim_window": [CLAIM],
    "formula_like": [
        (3, RM, '=HYPERLINK("http://x")', W, "formula_like"),
        (4, RM, "@SUM(A1)", W, "formula_like"),
        (5, RM, "-minus", W, "formula_like"),
    ],
}

HISTORY = StaticHistory(
    send_ids=frozenset({"MAY1", "OLD7"}),
    payments=(
        PastPayment(
            "carol@example.com",
            "USDC",
            Decimal("10.00"),
            datetime(2026, 11, 1, tzinfo=UTC),
            "PD1B001",
            "SUCCESS",
        ),
        # Outside the 30-day window, and a different amount: neither is a duplicate.
        PastPayment(
            "354678912",
            "USDT",
            Decimal("25.5"),
            datetime(2026, 9, 1, tzinfo=UTC),
            "PD0B001",
            "SUCCESS",
        ),
        PastPayment(
            "carol@example.com",
            "USDC",
            Decimal("11"),
            datetime(2026, 11, 2, tzinfo=UTC),
            "PD1B002",
            "SUCCESS",
        ),
    ),
)


def _shape(finding: Finding) -> tuple[object, ...]:
    return (finding.line, finding.column, finding.value, finding.severity, finding.code)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_failure_mode_yields_exactly_its_findings(name, fixture_bytes):
    result = validate_payout_file(fixture_bytes(f"{name}.csv"), history=HISTORY, now=NOW)
    assert [_shape(f) for f in result.findings] == EXPECTED[name]
    for finding in result.findings:
        assert "; " in finding.message, "a message names the problem, then the fix"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_good_first_line_is_never_blamed_for_its_neighbours(name, fixture_bytes):
    result = validate_payout_file(fixture_bytes(f"{name}.csv"), history=HISTORY, now=NOW)
    if name in {
        "send_id_repeated",
        "duplicate_in_file",
        "column_missing",
        "column_unknown",
        "column_duplicate",
        "file_empty",
        "blank_lines_only",
        "no_lines",
    }:
        return
    assert 2 not in {f.line for f in result.findings}
    assert result.instructions()[0].file_line == 2


def test_messages_say_how_to_fix(fixture_bytes):
    result = validate_payout_file(fixture_bytes("amount_thousands_separator.csv"))
    assert "like 1234.56" in result.findings[0].message
    result = validate_payout_file(fixture_bytes("amount_over_cap.csv"))
    assert "80000 USDC" in result.findings[0].message
    result = validate_payout_file(fixture_bytes("duplicate_recent.csv"), history=HISTORY, now=NOW)
    assert "PD1B001" in result.findings[0].message and "2026-11-01" in result.findings[0].message
    result = validate_payout_file(fixture_bytes("send_id_repeated.csv"))
    assert "also on line 3" in result.findings[0].message


def test_a_file_over_the_size_limit_is_not_even_read():
    result = validate_payout_file(b"x" * 101, rules=PayoutRules(max_bytes=100))
    assert [_shape(f) for f in result.findings] == [(None, None, None, E, "file_too_large")]
    assert result.instructions() == []


def test_the_size_limit_reads_the_same_in_the_refusal_the_help_and_the_upload_box():
    rules = PayoutRules()
    result = validate_payout_file(b"x" * (rules.max_bytes + 2**19), rules=rules)
    assert "the file is 20.5 MB, over the limit of 20 MB" in result.findings[0].message
    assert rules.max_mb == 20  # what the payout upload box is given (max_upload_size)
    assert "20 MB" in format_help()


def test_a_file_over_the_line_limit_is_rejected_whole(fixture_bytes):
    result = validate_payout_file(
        fixture_bytes("duplicate_in_file.csv"), rules=PayoutRules(max_lines=2)
    )
    assert [_shape(f) for f in result.findings] == [(None, None, None, E, "too_many_lines")]
    assert "3 payment lines, over the limit of 2" in result.findings[0].message


def test_the_same_content_uploaded_before_is_named_even_when_resaved(fixture_bytes):
    first = validate_payout_file(fixture_bytes("crlf.csv"))
    resaved = fixture_bytes("crlf.csv").replace(b",", b";").replace(b"\r\n", b"\n")
    history = StaticHistory(
        uploads=(PastUpload(first.content_sha256, "PDAAAA", "june.csv", NOW),)  # type: ignore[arg-type]
    )
    again = validate_payout_file(resaved, history=history)
    assert again.file_sha256 != first.file_sha256
    assert [_shape(f) for f in again.findings] == [(None, None, None, W, "file_uploaded_before")]
    assert "PDAAAA (june.csv)" in again.findings[0].message
    assert not again.has_errors


def test_per_currency_caps_are_injected(fixture_bytes):
    data = b"receive_type,receiver,amount,currency\nBINANCE_ID,354678912,2.5,BTC\n"
    assert not validate_payout_file(data).has_errors  # no price-based cap for a floating coin
    absurd = validate_payout_file(data.replace(b"2.5", b"2500000000"))
    assert [f.code for f in absurd.findings] == ["amount_over_cap"]
    capped = validate_payout_file(data, rules=PayoutRules(line_caps={"BTC": Decimal("1")}))
    assert [f.code for f in capped.findings] == ["amount_over_cap"]


def test_a_missing_required_column_is_reported_once_and_no_line_is_accepted(fixture_bytes):
    result = validate_payout_file(fixture_bytes("column_missing.csv"))
    assert len(result.findings) == 1
    assert result.instructions() == [] and result.totals() == []


@pytest.mark.parametrize("amount", ["\u0661\u0662", "\uff11\uff12", "\u0967\u0968", "1_000"])
def test_amounts_in_other_digits_are_refused_like_every_typed_amount(amount):
    data = f"receive_type,receiver,amount,currency\nBINANCE_ID,354678912,{amount},USDT\n"
    result = validate_payout_file(data.encode())
    assert [f.code for f in result.findings] == ["amount_not_a_number"]
    assert result.instructions() == []
