"""The shared display helpers: labels instead of codes, readable audit details, em dashes."""

from __future__ import annotations

from datetime import UTC, datetime

from dashboard.components.badges import badge_css, styled_status
from dashboard.components.formatting import (
    EMPTY,
    audit_action_label,
    audit_detail_text,
    audit_target_text,
    code_label,
    format_cycle,
    format_time,
    or_empty,
    plural,
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
