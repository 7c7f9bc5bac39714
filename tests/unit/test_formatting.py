from decimal import Decimal

from dashboard.components.formatting import format_amount, format_change, format_money, format_tile_amount


def test_amounts_keep_every_significant_decimal_and_at_least_two() -> None:
    assert format_amount(Decimal("1234.5")) == "1,234.50"
    assert format_amount(Decimal("0.00012345")) == "0.00012345"
    assert format_money(Decimal("47736.28980000"), "USDT") == "47,736.2898 USDT"


def test_tiles_round_half_even_to_a_short_figure() -> None:
    assert format_tile_amount(Decimal("47736.285"), "USDT") == "47,736.28"
    assert format_tile_amount(Decimal("0.55084031"), "BTC") == "0.5508"


def test_changes_are_signed_percentages_or_absent() -> None:
    assert format_change(Decimal("0.0864")) == "+8.6%"
    assert format_change(None) is None
