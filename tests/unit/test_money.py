from decimal import Decimal

import pytest

from services.core.errors import MoneyError
from services.core.money import (
    Money, currency_decimals, exact_amount, parse_amount, positive_amount, to_decimal,
)


def test_a_float_is_refused_with_a_hint() -> None:
    with pytest.raises(MoneyError, match="Decimal or a string"):
        to_decimal(0.1)


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-inf", "abc", ""])
def test_non_numbers_and_non_finite_values_are_refused(text: str) -> None:
    with pytest.raises(MoneyError):
        to_decimal(text)


def test_strings_ints_and_decimals_are_read_exactly() -> None:
    assert to_decimal(" 12.50 ") == Decimal("12.50")
    assert to_decimal(3) == Decimal(3)
    assert to_decimal(Decimal("0.00000001")) == Decimal("0.00000001")


def test_crypto_allows_8_decimals_and_refuses_9() -> None:
    assert exact_amount("0.12345678", "BTC") == Decimal("0.12345678")
    with pytest.raises(MoneyError, match="more than 8 decimal places"):
        exact_amount("0.123456789", "BTC")


def test_fiat_follows_iso_minor_units() -> None:
    assert currency_decimals("JPY") == 0
    assert currency_decimals("usd") == 2
    with pytest.raises(MoneyError, match="more than 0 decimal places"):
        exact_amount("100.5", "JPY")


def test_unknown_currency_is_named() -> None:
    with pytest.raises(MoneyError, match="unsupported currency 'XYZ'"):
        currency_decimals("XYZ")


def test_zero_and_negative_amounts_are_not_positive() -> None:
    with pytest.raises(MoneyError, match="greater than zero"):
        positive_amount("0", "USDT")
    with pytest.raises(MoneyError, match="without \\+ or -"):
        positive_amount("-1", "USDT")


def test_money_refuses_cross_currency_arithmetic() -> None:
    assert Money(Decimal("1.5"), "usdt") + Money(Decimal("2"), "USDT") == Money(Decimal("3.5"), "USDT")
    with pytest.raises(MoneyError, match="cannot combine"):
        Money(Decimal(1), "USDT") + Money(Decimal(1), "USDC")
    with pytest.raises(MoneyError):
        Money(1.0, "USDT")  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["12345678901234567890123", "92233720368.54775808",
                                  "1" * 40 + ".5", "9" * 5000])
def test_amounts_too_large_to_store_are_a_field_error_not_a_traceback(text: str) -> None:
    for currency in ("USDT", "USD", "JPY"):
        with pytest.raises(MoneyError, match="largest amount") as exc:
            exact_amount(text, currency, field="refund amount")
        assert exc.value.field == "refund amount"
    with pytest.raises(MoneyError):
        positive_amount(text, "USDT")


def test_the_largest_storable_amount_is_accepted() -> None:
    assert exact_amount("92233720368.54775807", "USDT") == Decimal("92233720368.54775807")


def test_payment_request_form_names_the_amount_field_for_a_huge_amount() -> None:
    from services.orders.payment_requests import PaymentRequestInvalid, PaymentTerms, validate

    terms = PaymentTerms("binance_pay", "Binance Pay", ("USDT",), 60, 15)
    with pytest.raises(PaymentRequestInvalid) as exc:
        validate(amount="1" * 30, currency="USDT", product="Widget",
                 customer_email="a@example.com", expiry_minutes="30", terms=terms)
    assert list(exc.value.problems) == ["amount"]
    assert "largest amount" in exc.value.problems["amount"]


@pytest.mark.parametrize("text", [
    "1e1000000", "1e3", "1E3", "1_000", "+5", "-5", "\u22125", "\uff11\uff12", "\u0661\u0662",
    "\u0967", "1,000", "1 000", "1.2.3", ".5", "5.", "0x10", "Infinity", "NaN", "12 USDT",
    "\u00a012", "１.5",
])
def test_only_plain_ascii_digits_with_one_dot_are_amounts(text: str) -> None:
    with pytest.raises(MoneyError, match="like 1234.56|without \\+ or -") as exc:
        parse_amount(text, "USDT", field="refund amount")
    assert exc.value.field == "refund amount"
    assert "refund amount" in str(exc.value)


def test_a_blank_amount_says_so_and_names_the_form() -> None:
    with pytest.raises(MoneyError, match="empty; write digits") as exc:
        parse_amount("  ", "USDT", field="amount")
    assert exc.value.field == "amount"


def test_plain_amounts_are_read_at_the_currency_scale() -> None:
    assert parse_amount(" 12.5 ", "USDT") == Decimal("12.50000000")
    assert parse_amount("007", "USD") == Decimal("7.00")
    assert parse_amount("100", "JPY") == Decimal("100")
    assert parse_amount("0.12345678", None) == Decimal("0.12345678")
    with pytest.raises(MoneyError, match="more than 8 decimal places") as exc:
        parse_amount("0.123456789", None)
    assert exc.value.code == "too_many_decimals"


def test_a_huge_decimal_from_code_is_refused_without_overflow() -> None:
    for value in (Decimal("1e1000000"), Decimal("-1e1000000")):
        with pytest.raises(MoneyError, match="largest amount") as exc:
            parse_amount(value, "USDT")
        assert exc.value.code == "too_large"
