"""The shared display helpers: labels instead of codes, readable audit details, em dashes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from dashboard.components.badges import badge_css, styled_status
from dashboard.components.formatting import (
    DATE_FORMAT,
    EMPTY,
    audit_action_label,
    audit_detail_text,
    audit_target_text,
    code_label,
    format_cycle,
    format_time,
    money_column,
    or_empty,
    plural,
    provider_code_text,
    the,
    user_names_from_entries,
)
from dashboard.components.tables import right_aligned


def test_codes_read_as_labels() -> None:
    assert code_label("SUCCESS", "refund") == "Refunded"
    assert code_label("REFUNDING", "refund") == "In progress"
    assert code_label("PARTIAL_DELIVERY", "reason") == "Partial delivery"  # no label: humanized
    assert code_label("SIGNED", "mandate") == "Signed"
    assert code_label("TERMINATED", "mandate") == "Terminated"
    assert code_label("PART_SUCCESS", "payout_batch") == "Partly paid"
    assert code_label("AWAITING_RECEIPT", "payout_line") == "Awaiting claim"
    assert code_label(None, "debit") == EMPTY
    assert audit_action_label("auth.sign_in") == "Signed in"
    assert audit_action_label("something.new_here") == "Something new here"


def test_audit_details_are_text_not_json() -> None:
    assert audit_detail_text('{"method": "password"}') == "method: password"
    assert audit_detail_text('{"role": "admin", "sso_only": false}') == "role: admin · sso only: no"
    assert audit_detail_text("provider said no") == "provider said no"
    assert audit_detail_text(None) == ""


def test_empty_cells_and_times() -> None:
    assert or_empty(None) == EMPTY and or_empty("  ") == EMPTY and or_empty("x") == "x"
    assert format_time(None) == EMPTY
    assert format_time(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02 03:04"
    assert format_cycle(1, "MONTH") == "every month"
    assert format_cycle(30, "DAY") == "every 30 days"


def test_status_cells_share_the_order_badge_colours() -> None:
    import pandas as pd

    assert badge_css("SUCCESS", "refund") == badge_css("PAID")  # one palette for every kind
    frame = pd.DataFrame({"Status": [code_label("FAIL", "debit")]})
    html = styled_status(frame, "Status", "debit").to_html()  # type: ignore[union-attr]
    assert "#ffdede" in html


def test_providers_product_types_and_audit_targets_read_as_words() -> None:
    assert code_label("binance_pay", "provider") == "Binance Pay"
    assert code_label("02", "product_type") == "Virtual goods"
    assert code_label(None, "product_type") == EMPTY
    names = user_names_from_entries([("4", '{"role": "admin", "username": "admin"}'),
                                     ("5", "plain text"), (None, '{"username": "x"}')])
    assert names == {"4": "admin"}
    assert audit_target_text("user", "4", names) == "user admin"
    assert audit_target_text("user", "9", names) == "user 9"  # unknown id: as stored
    assert audit_target_text("order", "12", names) == "order 12"
    assert audit_target_text(None, None) == EMPTY


def test_counts_are_singular_or_plural_and_amounts_right_aligned() -> None:
    assert plural(1, "refund") == "1 refund" and plural(2, "contract") == "2 contracts"
    assert plural(1, "batch", "batches") == "1 batch"
    config = right_aligned("Amount", "Fee")
    assert set(config) == {"Amount", "Fee"}
    assert all(c["alignment"] == "right" for c in config.values())


def test_audit_details_and_provider_answers_read_as_words() -> None:
    # What a refund's "sent" entry stores, as the order timeline showed it in issue 16.
    stored = ('{"refund_id": "2857", "remaining_attempts": 9, "duplicate": false, '
              '"needs_approval": false, "note": "", "reason": "DUPLICATE"}')
    assert audit_detail_text(stored) == ("provider's refund id 2857 · 9 refund attempts left · "
                                          "Duplicate payment")
    assert "a repeat of an earlier request" in audit_detail_text('{"duplicate": true}')
    assert audit_detail_text('{"remaining_attempts": 1}') == "1 refund attempt left"
    assert audit_detail_text('{"outcome": "SEND_FAILED"}') == "outcome: send failed"
    assert provider_code_text("000000") == "Accepted"
    assert provider_code_text("400201") == "Refused (error 400201)"
    assert provider_code_text(None) == "—"


def test_a_money_column_has_one_number_of_decimals_per_currency() -> None:
    column = money_column([(Decimal("19.27"), "USDT"), (Decimal("32.657"), "USDT"),
                           (Decimal("0.020825"), "ETH"), (Decimal("1280"), "USDT"),
                           (None, "USDT"), (Decimal("0.1"), "ETH")])
    assert column == ["19.270 USDT", "32.657 USDT", "0.020825 ETH", "1,280.000 USDT", "—",
                      "0.100000 ETH"]
    # Never rounded: the most precise amount sets the places.
    assert money_column([(Decimal("0.00000001"), "BTC"), (Decimal("1"), "BTC")]) == [
        "0.00000001 BTC", "1.00000000 BTC"]


def test_every_date_input_writes_dates_one_way() -> None:
    """Each st.date_input in the dashboard passes format=DATE_FORMAT (2026-12-02, as every table
    and caption writes a date); Streamlit's own default is 2026/12/02."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "dashboard"
    calls = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "date_input":
                formats = [k.value for k in node.keywords if k.arg == "format"]
                calls.append((path.name, node.lineno,
                              ast.unparse(formats[0]) if formats else None))
    assert len(calls) >= 8, calls  # the pages that ask for dates
    assert [c for c in calls if c[2] != "DATE_FORMAT"] == []
    assert DATE_FORMAT == "YYYY-MM-DD"


def test_counted_nouns_never_read_1_lines() -> None:
    assert the(1, "line") == "the line" and the(3, "line") == "the 3 lines"
    assert the(1, "valid line") == "the valid line"
    assert plural(1, "entry", "entries") == "1 entry"
    assert plural(2, "entry", "entries") == "2 entries"
