"""Bulk refund and bulk debit files: findings by line and column, preview, apply."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.mandates import bulk as bulk_debits
from services.refunds import bulk as bulk_refunds
from services.entrypoints.bootstrap import Services
from tests.integration.money_helpers import paid_order, signed_mandate, staff


@pytest.fixture
def people(services: Services):
    return staff(services)


def _by_line(preview):
    return {(f.line, f.column, f.code) for f in preview.findings}


def test_bulk_refund_file_is_checked_line_by_line_then_applied(services, people) -> None:
    a, b = paid_order(services, "100"), paid_order(services, "20", currency="USDC")
    unpaid = paid_order(services, "9", status="EXPIRED")
    text = "\r\n".join([
        "merchantTradeNo;Amount;Reason;Note",
        f"{a.merchant_order_id};30;duplicate;",
        f"{a.merchant_order_id};80;duplicate;",           # 30 + 80 > 100
        f"{b.provider_order_id};full;Requested by customer;",
        f"{unpaid.merchant_order_id};1;fraudulent;",
        "nope;1;duplicate;",
        f"{a.merchant_order_id};1,5;duplicate;",
        f"{a.merchant_order_id};2;other;",
        f"{a.merchant_order_id};3;bored;",
    ]).encode("utf-16")
    preview = bulk_refunds.preview(services, people["olga"], text, "refunds.csv")
    found = _by_line(preview)
    assert (3, "Amount", "above_refundable") in found
    assert (5, "merchantTradeNo", "not_refundable") in found
    assert (6, "merchantTradeNo", "unknown_order") in found
    assert (7, "Amount", "bad_amount") in found
    assert (8, "Note", "note_needed") in found
    assert (9, "Reason", "bad_reason") in found
    assert [line.line for line in preview.lines] == [2, 4]
    assert preview.lines[1].planned["amount"] == Decimal("20")
    results = bulk_refunds.apply(services, people["olga"], preview)
    assert [r.status for r in results] == ["REFUNDING", "REFUNDING"]


def test_bulk_refund_needs_the_columns(services, people) -> None:
    preview = bulk_refunds.preview(services, people["olga"], b"order,amount\r\nX,1\r\n")
    assert (None, "reason", "missing_column") in _by_line(preview) and not preview.ok


def test_bulk_debit_file_says_exactly_why_a_line_cannot_be_debited(services, people) -> None:
    ok, small = signed_mandate(services, limit="50"), signed_mandate(services, limit="5")
    ended = signed_mandate(services, status="TERMINATED")
    text = "\n".join([
        "merchantContractCode,amount,productName",
        f"{ok.merchant_contract_code},49.99,March",
        f"{ok.merchant_contract_code},1,March again",     # one debit per contract at a time
        f"{small.contract_id},5.000000001,March",
        f"{small.merchant_contract_code},6,March",
        f"{ended.merchant_contract_code},1,March",
        "MCnope,1,March",
    ]).encode()
    preview = bulk_debits.preview(services, people["olga"], text, "debits.csv")
    found = _by_line(preview)
    assert (3, "merchantContractCode", "repeated_contract") in found
    assert (4, "amount", "too_many_decimals") in found
    assert (5, "amount", "refused") in found
    assert (6, "merchantContractCode", "refused") in found
    assert (7, "merchantContractCode", "unknown_contract") in found
    messages = {f.line: f.message for f in preview.findings}
    assert "single upper limit of 5" in messages[5] and "is terminated" in messages[6]
    results = bulk_debits.apply(services, people["olga"], preview)
    assert [(r.line, r.status) for r in results] == [(2, "PROCESSING")]


def test_a_huge_debit_amount_is_a_finding_not_a_crash(services, people) -> None:
    mandate = signed_mandate(services, limit="50")
    text = f"merchantContractCode,amount,productName\n{mandate.merchant_contract_code},{'9' * 30},X\n"
    preview = bulk_debits.preview(services, people["olga"], text.encode(), "debits.csv")
    assert (2, "amount", "too_large") in _by_line(preview)
