"""Provider batches for the accepted lines: one currency each, at most the provider's line limit
(Binance Pay 500, Monetix 1: one payout per line), stable ids.

Ids are derived from the upload reference and the file's line numbers, never drawn at send time:
planning the same upload twice gives the same batch request IDs and line IDs, so a retry can only
ever repeat a request the provider already knows, never create a second payment.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from services.core.errors import InputError
from services.payouts.file_format import SEND_ID_MAX_CHARS

UPLOAD_REF_MAX_CHARS = 20
_UPLOAD_REF = re.compile(rf"[A-Za-z0-9]{{1,{UPLOAD_REF_MAX_CHARS}}}")


@dataclass(frozen=True, slots=True)
class PayoutInstruction:
    """One accepted file line, with exact values ready to send."""

    file_line: int
    receive_type: str
    receiver: str
    amount: Decimal
    currency: str
    remark: str
    merchant_send_id: str | None  # None: planning derives one


@dataclass(frozen=True, slots=True)
class PlannedLine:
    file_line: int
    merchant_send_id: str
    receive_type: str
    receiver: str
    amount: Decimal
    currency: str
    remark: str


@dataclass(frozen=True, slots=True)
class PlannedBatch:
    request_id: str
    currency: str
    lines: tuple[PlannedLine, ...]
    total: Decimal

    @property
    def line_count(self) -> int:
        return len(self.lines)


def new_upload_ref() -> str:
    """A fresh reference for one upload: 'PD' and 18 random hex digits."""
    return "PD" + secrets.token_hex(9).upper()


def batch_request_id(upload_ref: str, sequence: int) -> str:
    return f"{upload_ref}B{sequence:03d}"


def derived_send_id(upload_ref: str, file_line: int) -> str:
    return f"{upload_ref}L{file_line:07d}"


def plan_batches(
    lines: Iterable[PayoutInstruction],
    *,
    upload_ref: str,
    max_lines: int | None,
) -> list[PlannedBatch]:
    """Split per currency (alphabetical), keep file order inside each, cut every `max_lines`
    (the provider's limit: ``services.payouts.terms.payout_terms(...).max_lines``; None: no cut).

    Batches are numbered 1, 2, ... across currencies in that order; a line without a merchant
    send id gets one derived from the upload reference and its file line.
    """
    if not _UPLOAD_REF.fullmatch(upload_ref):
        raise InputError(
            f"upload reference '{upload_ref}' must be 1 to {UPLOAD_REF_MAX_CHARS} letters "
            "or digits",
            field="upload_ref",
            value=upload_ref,
        )
    if max_lines is not None and max_lines < 1:
        raise InputError(f"a batch holds at least 1 line, not {max_lines}")
    by_currency: dict[str, list[PlannedLine]] = {}
    seen_ids: dict[str, int] = {}
    for line in sorted(lines, key=lambda item: item.file_line):
        send_id = line.merchant_send_id or derived_send_id(upload_ref, line.file_line)
        if len(send_id) > SEND_ID_MAX_CHARS:
            raise InputError(f"merchant send id '{send_id}' is over {SEND_ID_MAX_CHARS} characters")
        if send_id in seen_ids:
            raise InputError(
                f"merchant send id '{send_id}' is on lines {seen_ids[send_id]} and "
                f"{line.file_line}; every line needs its own",
                row=line.file_line,
                field="merchant_send_id",
                value=send_id,
            )
        seen_ids[send_id] = line.file_line
        currency = line.currency.upper()
        by_currency.setdefault(currency, []).append(
            PlannedLine(
                file_line=line.file_line,
                merchant_send_id=send_id,
                receive_type=line.receive_type,
                receiver=line.receiver,
                amount=line.amount,
                currency=currency,
                remark=line.remark,
            )
        )
    batches: list[PlannedBatch] = []
    for currency in sorted(by_currency):
        planned = by_currency[currency]
        size = max_lines or len(planned)
        for start in range(0, len(planned), size):
            chunk = tuple(planned[start : start + size])
            batches.append(
                PlannedBatch(
                    request_id=batch_request_id(upload_ref, len(batches) + 1),
                    currency=currency,
                    lines=chunk,
                    total=sum((item.amount for item in chunk), Decimal(0)),
                )
            )
    return batches
