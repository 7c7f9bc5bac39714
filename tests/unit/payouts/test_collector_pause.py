"""Validation pauses the cycle collector for speed; it must always leave it as it found it."""

from __future__ import annotations

import gc

import pytest

from services.files.reading import UnreadableFileError
from services.payouts.validation import validate_payout_file

FILE = b"receive_type,receiver,amount,currency\r\nBINANCE_ID,123456789,1.5,USDT,extra\r\n"


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_left_as_it_was(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        result = validate_payout_file(FILE)
        assert gc.isenabled() is enabled
        with pytest.raises(UnreadableFileError):
            validate_payout_file(b'receive_type,receiver\r\n"unclosed\x00')
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
    assert [f.code for f in result.errors] == ["line_extra_cells"]
    assert str(result.table["receiver"].dtype) == "str"
    assert result.table["receiver"].tolist() == ["123456789"]
