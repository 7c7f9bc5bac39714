from __future__ import annotations

from decimal import Decimal

import pytest

from services.core.errors import InputError
from services.payouts.planning import (
    PayoutInstruction,
    batch_request_id,
    new_upload_ref,
    plan_batches,
)
from services.payouts.validation import validate_payout_file


def _line(number: int, currency: str = "USDT", send_id: str | None = None) -> PayoutInstruction:
    return PayoutInstruction(
        number, "BINANCE_ID", f"{354678000 + number}", Decimal("1.5"), currency, "", send_id
    )


def test_a_1201_line_file_becomes_three_batches():
    rows = "".join(f"BINANCE_ID,{354600000 + n},{n}.25,USDT,line {n},\n" for n in range(1, 1202))
    data = ("receive_type,receiver,amount,currency,remark,merchant_send_id\n" + rows).encode()
    result = validate_payout_file(data)
    assert result.findings == ()
    batches = plan_batches(result.instructions(), upload_ref="PDUPLOAD1", max_lines=500)
    assert [(b.request_id, b.currency, b.line_count) for b in batches] == [
        ("PDUPLOAD1B001", "USDT", 500),
        ("PDUPLOAD1B002", "USDT", 500),
        ("PDUPLOAD1B003", "USDT", 201),
    ]
    assert sum((b.total for b in batches), Decimal(0)) == sum(
        Decimal(f"{n}.25") for n in range(1, 1202)
    )
    assert batches[0].total == sum(line.amount for line in batches[0].lines)
    assert batches[2].lines[-1].file_line == 1202
    assert batches[2].lines[-1].merchant_send_id == "PDUPLOAD1L0001202"


def test_split_per_currency_in_file_order_with_stable_ids():
    lines = [_line(2, "USDT"), _line(3, "BTC"), _line(4, "USDT", "OWN1"), _line(5, "BTC")]
    first = plan_batches(lines, upload_ref="PDX", max_lines=500)
    again = plan_batches(list(reversed(lines)), upload_ref="PDX", max_lines=500)
    assert first == again
    assert [(b.request_id, b.currency, [ln.file_line for ln in b.lines]) for b in first] == [
        ("PDXB001", "BTC", [3, 5]),
        ("PDXB002", "USDT", [2, 4]),
    ]
    assert [ln.merchant_send_id for ln in first[1].lines] == ["PDXL0000002", "OWN1"]


def test_batches_never_exceed_the_provider_limit():
    batches = plan_batches([_line(n) for n in range(2, 1003)], upload_ref="PDX", max_lines=500)
    assert [b.line_count for b in batches] == [500, 500, 1]
    with pytest.raises(InputError):
        plan_batches([_line(2)], upload_ref="PDX", max_lines=0)


def test_single_payout_providers_get_one_line_per_request_and_no_limit_means_no_cut():
    singles = plan_batches([_line(n) for n in range(2, 6)], upload_ref="PDX", max_lines=1)
    assert [b.line_count for b in singles] == [1, 1, 1, 1]
    assert len({b.request_id for b in singles}) == 4
    [whole] = plan_batches([_line(n) for n in range(2, 1003)], upload_ref="PDX", max_lines=None)
    assert whole.line_count == 1001


def test_upload_refs_are_checked_and_fresh_ones_fit_the_id_lengths():
    with pytest.raises(InputError):
        plan_batches([_line(2)], upload_ref="not-alnum", max_lines=500)
    ref = new_upload_ref()
    assert len(ref) == 20 and ref.isalnum() and ref != new_upload_ref()
    assert len(batch_request_id(ref, 999)) <= 32
    [batch] = plan_batches([_line(9_999_999)], upload_ref=ref, max_lines=500)
    assert len(batch.lines[0].merchant_send_id) == 28


def test_a_send_id_can_never_be_planned_twice():
    with pytest.raises(InputError, match="lines 2 and 3"):
        plan_batches([_line(2, send_id="A1"), _line(3, send_id="A1")], upload_ref="PDX",
                     max_lines=500)
