"""What the provider chosen for a payout offers: how lines go out (batches of at most N, or one
payout per line), to which receivers, in which currencies. From its capabilities, so planning,
pages and the command line never carry one provider's limits.

New uploads go to the default provider (``payout_terms(services)``); a saved batch is sent to
and followed at the provider that owns it (``batch_provider``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from data.models import PayoutBatch
from services.core.context import Services
from services.providers.capabilities import Capabilities, PayoutMode


@dataclass(frozen=True)
class PayoutTerms:
    provider: str
    title: str
    mode: PayoutMode
    #: Lines per provider request (1 for single payouts); None: no limit we know of.
    max_lines: int | None
    receiver_types: frozenset[str]
    currencies: frozenset[str]

    @property
    def batch_rule(self) -> str:
        """How the planned batches are cut, in words for the page."""
        if self.mode is PayoutMode.SINGLE or self.max_lines == 1:
            return (f"{self.title} pays out one recipient per request: every line goes out as "
                    "its own payout, under its own request id.")
        most = f"at most {self.max_lines:,} lines" if self.max_lines else "any number of lines"
        return f"One currency per batch, {most}; each goes out under its request id."


def terms_of(capabilities: Capabilities) -> PayoutTerms:
    return PayoutTerms(
        provider=capabilities.provider, title=capabilities.title, mode=capabilities.payouts,
        max_lines=1 if capabilities.payouts is PayoutMode.SINGLE
        else capabilities.max_payout_lines,
        receiver_types=capabilities.payout_receiver_types,
        currencies=capabilities.payout_currencies)


def payout_terms(services: Services, provider: str | None = None) -> PayoutTerms:
    """The terms of ``provider`` (the default provider for None); ``NotOfferedError`` in words
    when it makes no payouts."""
    return terms_of(services.require(provider, "payouts"))


def batch_provider(services: Services, request_id: str) -> str | None:
    """The provider that owns a saved batch (None when there is no such batch). Batches record
    their provider since migration 0013; older ones were filled with 'binance_pay'."""
    with services.uow() as uow:
        batch = uow.session.exec(
            select(PayoutBatch).where(PayoutBatch.request_id == request_id)).first()
        return batch.provider if batch is not None else None
