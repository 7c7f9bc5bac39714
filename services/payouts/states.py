"""The life of a payout batch and of its lines, in one place for every payout module.

Batch: DRAFT -> PENDING_APPROVAL -> APPROVED | REJECTED; an APPROVED batch is claimed as SENDING
(its requestId already stored), then the provider's answer: ACCEPTED, PROCESSING, and the
provider's final SUCCESS, PART_SUCCESS, FAILED, CANCELED. UNKNOWN means the call left and no
answer came back; SEND_FAILED means the provider refused the request outright (nothing was
created there), so sending it again under the same requestId is safe.

Lines: PENDING until the provider reports them, then PROCESSING, SUCCESS, FAIL,
AWAITING_RECEIPT (an email receiver has 72 hours to sign up) and REFUNDED (they did not).
"""

from __future__ import annotations

DRAFT = "DRAFT"
PENDING_APPROVAL = "PENDING_APPROVAL"
APPROVED = "APPROVED"
REJECTED = "REJECTED"
DISCARDED = "DISCARDED"
SENDING = "SENDING"
UNKNOWN = "UNKNOWN"
SEND_FAILED = "SEND_FAILED"
ACCEPTED = "ACCEPTED"
PROCESSING = "PROCESSING"
SUCCESS = "SUCCESS"
PART_SUCCESS = "PART_SUCCESS"
FAILED = "FAILED"
CANCELED = "CANCELED"

PROVIDER_BATCH_STATES = (ACCEPTED, PROCESSING, SUCCESS, PART_SUCCESS, FAILED, CANCELED)
# Never moves again. PART_SUCCESS is not here: a receiver who signs up late turns it to SUCCESS.
FINAL_BATCH = frozenset({SUCCESS, FAILED, CANCELED, REJECTED, DISCARDED})
# Ready to go out, or out with the outcome not yet known: what a sender may pick up.
SENDABLE = frozenset({APPROVED, SEND_FAILED})
IN_FLIGHT = frozenset({SENDING, UNKNOWN})
# Never claimed by a sender: no provider news can be about them.
NOT_SENT = frozenset({DRAFT, PENDING_APPROVAL, APPROVED})
# What the provider calls the end of a batch; lines may still be open (services.payouts.events).
PROVIDER_FINAL = frozenset({SUCCESS, PART_SUCCESS, FAILED, CANCELED})
# Sent and not settled: what the sync job follows.
FOLLOWED = frozenset({ACCEPTED, PROCESSING, PART_SUCCESS, UNKNOWN})

# The order in which a batch may only move forward (final states rank highest).
_BATCH_RANK = {
    DRAFT: 0, PENDING_APPROVAL: 1, APPROVED: 2, SEND_FAILED: 3, SENDING: 4, UNKNOWN: 4,
    ACCEPTED: 5, PROCESSING: 6, PART_SUCCESS: 7, SUCCESS: 8, FAILED: 8, CANCELED: 8,
    REJECTED: 9, DISCARDED: 9,
}

LINE_PENDING = "PENDING"
LINE_PROCESSING = "PROCESSING"
LINE_SUCCESS = "SUCCESS"
LINE_FAIL = "FAIL"
LINE_AWAITING = "AWAITING_RECEIPT"
LINE_REFUNDED = "REFUNDED"
LINE_STATES = (LINE_PENDING, LINE_PROCESSING, LINE_SUCCESS, LINE_FAIL, LINE_AWAITING,
               LINE_REFUNDED)
FINAL_LINE = frozenset({LINE_SUCCESS, LINE_FAIL, LINE_REFUNDED})
_LINE_RANK = {LINE_PENDING: 0, LINE_PROCESSING: 1, LINE_AWAITING: 2, LINE_SUCCESS: 3,
              LINE_FAIL: 3, LINE_REFUNDED: 3}

CLAIM_WINDOW_HOURS = 72


def batch_may_move(before: str, after: str) -> bool:
    """True when a batch in `before` may take `after` from provider news (never backwards)."""
    if before == after or before in FINAL_BATCH or before in NOT_SENT:
        return False
    if before == PART_SUCCESS:
        return after == SUCCESS
    return _BATCH_RANK.get(after, 0) >= _BATCH_RANK.get(before, 0)


def line_may_move(before: str, after: str) -> bool:
    if before == after or before in FINAL_LINE:
        return False
    return _LINE_RANK.get(after, 0) > _LINE_RANK.get(before, 0)
