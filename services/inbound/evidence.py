"""Provider news is evidence, not truth: its amount and currency are compared with ours.

Every notification and every query answer that names an amount for something we hold (an
order, a refund, a payout line, a debit) goes through `check` before it may change anything.
A mismatch never overwrites our figure and never moves the item's state: the item is marked
"needs review" (its `review_note` says what each side says), the disagreement is audited with
outcome "conflict" and both values, and reconciliation shows it as a break (our ledger keeps our
figure, the provider's statement has theirs). A validly signed notification for 25,000 on a
25 USDT order is exactly what a compromised key or a provider bug looks like.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from services.core import audit
from services.core.money import plain_amount
from services.core.unit_of_work import UnitOfWork

NEEDS_REVIEW = "needs_review"
_NOTE_MAX = 255


@dataclass(frozen=True)
class Figures:
    amount: Decimal | None
    currency: str | None

    def words(self) -> str:
        amount = "no amount" if self.amount is None else plain_amount(self.amount)
        return f"{amount} {self.currency or ''}".strip()


def disagreement(ours: Figures, theirs: Figures) -> str | None:
    """What differs, in words, or None when the provider's figures agree with ours. A figure
    the provider leaves out is no disagreement (many answers carry only a status)."""
    problems = []
    if theirs.amount is not None and ours.amount is not None and theirs.amount != ours.amount:
        problems.append("amount")
    if (theirs.currency and ours.currency
            and theirs.currency.strip().upper() != ours.currency.strip().upper()):
        problems.append("currency")
    return " and ".join(problems) or None


def check(uow: UnitOfWork, row: Any, *, target_type: str, target_id: str | int,
          ours: Figures, theirs: Figures, source: str, now: datetime,
          key: str | None = None) -> bool:
    """True when `theirs` agrees with `ours`. Otherwise marks `row` for review (it must have a
    `review_note`), audits the conflict with both values, and returns False: the caller then
    applies nothing of this news."""
    what = disagreement(ours, theirs)
    if what is None:
        return True
    note = (f"the provider reported {theirs.words()} ({source}) where PayDesk recorded "
            f"{ours.words()}: check with the provider before doing anything else")
    note = note[:_NOTE_MAX]
    if row.review_note == note:
        return False  # the same news again (a sync pass, a repeated delivery): audited once
    row.review_note = note
    uow.session.add(row)
    audit.record(
        uow, actor=audit.SYSTEM, action=f"{target_type}.{what.replace(' and ', '_')}_mismatch",
        target_type=target_type, target_id=target_id, amount=ours.amount,
        currency=ours.currency, idempotency_key=key, outcome="conflict", at=now,
        detail={"ours": {"amount": _text(ours.amount), "currency": ours.currency},
                "theirs": {"amount": _text(theirs.amount), "currency": theirs.currency},
                "source": source})
    return False


def reported_amount(value: Any) -> Decimal | None:
    """An amount field of a notification, exactly; None when absent or not a finite number
    (then there is nothing to compare, and the news carries no figure of its own)."""
    if value is None or isinstance(value, bool | float):
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


def _text(amount: Decimal | None) -> str | None:
    return None if amount is None else plain_amount(amount)
