"""Minor units <-> Decimal, exact both ways, with each currency's ISO 4217 exponent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.providers.errors import InvalidParameterError
from services.providers.monetix.amounts import AmountError, exponent, from_minor, to_minor


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("100.00", "EUR", 10000),
        ("100", "eur", 10000),
        ("0.01", "USD", 1),
        ("1500", "JPY", 1500),
        ("1.500", "KWD", 1500),
        ("0.001", "BHD", 1),
        ("12345678901234567.89", "EUR", 1234567890123456789),
        ("1E+2", "EUR", 10000),
    ],
)
def test_to_minor_is_exact(amount, currency, minor):
    assert to_minor(Decimal(amount), currency) == minor


@pytest.mark.parametrize(
    ("minor", "currency", "amount"),
    [(10000, "EUR", "100.00"), (0, "EUR", "0.00"), (1500, "JPY", "1500"),
     (1500, "KWD", "1.500"), ("250", "USD", "2.50"), (1234567890123456789, "EUR",
                                                       "12345678901234567.89")],
)
def test_from_minor_is_exact_and_keeps_the_currency_scale(minor, currency, amount):
    value = from_minor(minor, currency)
    assert value == Decimal(amount)
    assert str(value) == amount


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("10.005", "EUR"), ("0.5", "JPY"), ("1.0001", "KWD"), ("-1.00", "EUR")],
)
def test_amounts_without_an_exact_minor_form_are_refused(amount, currency):
    with pytest.raises(AmountError) as caught:
        to_minor(Decimal(amount), currency)
    assert isinstance(caught.value, InvalidParameterError)
    assert currency in str(caught.value) or "negative" in str(caught.value)


@pytest.mark.parametrize("value", [10.0, 10, "10.00", True, Decimal("NaN"), Decimal("Infinity")])
def test_to_minor_takes_finite_decimals_only(value):
    with pytest.raises(AmountError):
        to_minor(value, "EUR")


@pytest.mark.parametrize("value", [10.5, "10.5", "ten", True, None, "-5", -5, Decimal("1.5")])
def test_from_minor_takes_integers_only(value):
    with pytest.raises(AmountError):
        from_minor(value, "EUR")


@pytest.mark.parametrize("currency", ["EURO", "XXX", "XAU", "ZZZ", "", "12A", None])
def test_unknown_or_unpayable_currencies_are_refused(currency):
    with pytest.raises(AmountError):
        exponent(currency)


def test_a_project_may_override_an_exponent():
    assert to_minor(Decimal("150"), "ISK", {"ISK": 2}) == 15000
    assert exponent("ISK") == 0
