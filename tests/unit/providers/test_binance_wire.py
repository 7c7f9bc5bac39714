"""Amounts cross the wire as exact decimal literals, never through float."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.providers.binance_pay import wire


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("25.17"), "25.17"),
        (Decimal("0.00000001"), "0.00000001"),
        (Decimal("1E-7"), "0.0000001"),
        (Decimal("1E+3"), "1000"),
        (Decimal("999999999999999.99999999"), "999999999999999.99999999"),
        (Decimal("1.500000000"), "1.50000000"),
        (Decimal("-2.5"), "-2.5"),
    ],
)
def test_decimal_is_written_as_plain_number_literal(value, text):
    assert wire.dumps({"a": value}) == '{"a":' + text + "}"


def test_more_than_eight_decimal_places_is_refused():
    with pytest.raises(wire.WireFormatError):
        wire.dumps({"a": Decimal("0.000000001")})


def test_float_is_refused():
    with pytest.raises(wire.WireFormatError):
        wire.dumps({"a": 1.5})


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity")])
def test_non_finite_is_refused(value):
    with pytest.raises(wire.WireFormatError):
        wire.dumps([value])


def test_encode_body_is_compact_and_drops_none():
    body = wire.encode_body({"x": None, "y": "é", "z": [1, True, None], "n": {"k": Decimal("1")}})
    assert body == '{"y":"é","z":[1,true,null],"n":{"k":1}}'.encode()


def test_loads_keeps_fractions_as_decimal_and_big_ints_exact():
    data = wire.loads(b'{"a":0.88000000,"b":29383937493038367292,"c":"1.10"}')
    assert data["a"] == Decimal("0.88000000") and isinstance(data["a"], Decimal)
    assert data["b"] == 29383937493038367292
    assert data["c"] == "1.10"


def test_loads_refuses_nan():
    with pytest.raises(wire.WireFormatError):
        wire.loads(b'{"a":NaN}')


def test_round_trip_is_exact():
    value = Decimal("12345678.12345678")
    assert wire.loads(wire.dumps({"v": value}))["v"] == value
