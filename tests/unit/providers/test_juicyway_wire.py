"""Minor units and Juicyway's error envelope."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.providers import errors as neutral
from services.providers.juicyway import errors, wire


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [(Decimal("12.34"), "USD", 1234), (Decimal("1000"), "NGN", 100000),
     (Decimal("0.01"), "CAD", 1), (Decimal("1.50"), "usd", 150)],
)
def test_minor_units_round_trip_exactly(amount: Decimal, currency: str, minor: int) -> None:
    assert wire.to_minor_units(amount, currency) == minor
    assert wire.from_minor_units(minor, currency) == amount


@pytest.mark.parametrize("amount", [Decimal("1.001"), Decimal("NaN"), Decimal("Infinity"), 1.5])
def test_amounts_finer_than_the_currency_or_not_decimal_are_refused(amount) -> None:
    with pytest.raises(wire.WireFormatError):
        wire.to_minor_units(amount, "USD")


def test_unsupported_currency_names_the_supported_ones() -> None:
    with pytest.raises(wire.WireFormatError, match="NGN, USD, CAD"):
        wire.to_minor_units(Decimal(1), "USDT")


@pytest.mark.parametrize("value", ["1.5", "abc", "1e400"])
def test_a_non_integer_minor_amount_is_refused(value: str) -> None:
    with pytest.raises(wire.WireFormatError):
        wire.from_minor_units(value, "USD")


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, "payment_expired", errors.PaymentExpired),
        (400, "payment_cancelled", errors.PaymentCancelled),
        (422, "validation_error", errors.ValidationFailed),
        (400, "insufficient_funds", neutral.InsufficientBalanceError),
        (401, None, neutral.AuthenticationError),
        (404, None, neutral.NotFoundError),
        (429, None, errors.RateLimited),
        (500, None, neutral.TransientServerError),
        (418, None, neutral.InvalidRequestError),
    ],
)
def test_errors_map_onto_the_neutral_tree(status: int, code, expected) -> None:
    error = errors.error_for(status, code, "m")
    assert isinstance(error, expected)
    assert error.outcome_unknown is (status >= 500)
