from __future__ import annotations

import pytest

from services.payouts.file_format import canonical_column, template_csv
from services.payouts.validation import validate_payout_file


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("receive_type", "receive_type"),
        ("Receive Type", "receive_type"),
        ("RECEIVETYPE", "receive_type"),
        (" receive-type ", "receive_type"),
        ("Recipient", "receiver"),
        ("Transfer Amount", "amount"),
        ("Asset", "currency"),
        ("Note", "remark"),
        ("Merchant Send ID", "merchant_send_id"),
        ("send_id", "merchant_send_id"),
        ("\ufeffreceiver", "receiver"),
        ("Name", None),
        ("", None),
    ],
)
def test_headers_ignore_case_spaces_and_underscores(header, column):
    assert canonical_column(header) == column


def test_the_template_is_a_valid_file_with_every_column():
    data = template_csv()
    assert data.startswith(
        b"\xef\xbb\xbfreceive_type,receiver,amount,currency,remark,merchant_send_id"
    )
    result = validate_payout_file(data)
    assert not result.has_errors
    assert [f.code for f in result.findings] == ["email_claim_window"]
    assert len(result.instructions()) == 2
