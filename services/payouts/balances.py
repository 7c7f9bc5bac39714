"""Wallet balances per provider and asset, read at a stated moment, and what a payout needs of them.

One reading feeds every place that compares money to send with the wallet: the upload preview,
the approver's screen and the send itself (which refuses to start while a batch cannot be
funded). A reading that failed says so in words; it never shows as a zero balance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from services.core.access import Actor
from services.core.context import Services
from services.core.refusals import require
from services.core.errors import ConflictError
from services.core.money import plain_amount
from services.providers.errors import ProviderError

# Payouts leave from this wallet (services.payouts.sending sends every batch from it).
PAYOUT_WALLET = "FUNDING_WALLET"
WALLET_NAMES = {"FUNDING_WALLET": "Funding wallet", "SPOT_WALLET": "Spot wallet"}


@dataclass(frozen=True)
class WalletBalance:
    provider: str
    wallet: str
    asset: str
    available: Decimal
    frozen: Decimal


@dataclass(frozen=True)
class BalanceReading:
    """What the provider said at `read_at`, or why it could not be asked (`error`)."""

    read_at: datetime
    balances: tuple[WalletBalance, ...]
    error: str | None = None

    def available(self, asset: str) -> Decimal:
        return sum((b.available for b in self.balances if b.asset == asset), Decimal(0))


@dataclass(frozen=True)
class FundingRow:
    currency: str
    needed: Decimal
    available: Decimal | None  # None: the balance could not be read

    @property
    def short_by(self) -> Decimal:
        if self.available is None:
            return Decimal(0)
        return max(self.needed - self.available, Decimal(0))


@dataclass(frozen=True)
class FundingCheck:
    """Money a payout needs per currency against one reading of the wallet."""

    reading: BalanceReading
    rows: tuple[FundingRow, ...]

    @property
    def short(self) -> tuple[FundingRow, ...]:
        return tuple(r for r in self.rows if r.short_by > 0)

    @property
    def readable(self) -> bool:
        return self.reading.error is None

    @property
    def can_fund(self) -> bool:
        """True when nothing needs funding, or the wallet (read without error) covers it."""
        return not self.rows or (self.readable and not self.short)

    def sentence(self) -> str:
        """The check in one sentence for a person: what is missing, or that all is covered."""
        if not self.readable:
            return (f"the wallet balance could not be read ({self.reading.error}); "
                    "nothing can be sent until it can")
        if not self.short:
            return "the wallet holds enough for every currency of this payout"
        return "; ".join(
            f"{r.currency}: needs {plain_amount(r.needed)}, the wallet holds "
            f"{plain_amount(r.available or Decimal(0))}, short by {plain_amount(r.short_by)}"
            for r in self.short)


class FundingShortError(ConflictError):
    """Sending refused before anything left: the wallet cannot fund a batch (or is unreadable)."""

    def __init__(self, message: str, check: FundingCheck) -> None:
        super().__init__(message)
        self.check = check


def provider_label(code: str, services: Services | None = None) -> str:
    """The provider's name for people, as its capabilities declare it."""
    if services is not None:
        return services.providers.title(code)
    return code.replace("_", " ").title()


def wallet_label(code: str) -> str:
    return WALLET_NAMES.get(code, code.replace("_", " ").capitalize())


def read_balances(services: Services, actor: Actor | None = None) -> BalanceReading:
    """Ask the provider now for the payout wallet's balance of every asset."""
    if actor is not None:
        require(services, actor, "orders.view")
    provider = services.provider  # payouts leave from the default provider's wallet
    read_at = services.now()
    caps = services.capabilities_for(provider.name)
    if not caps.balances:
        return BalanceReading(read_at, (), caps.why_not("balances"))
    try:
        found = provider.get_balances(wallet=PAYOUT_WALLET)
    except ProviderError as error:
        return BalanceReading(read_at, (), error.message or type(error).__name__)
    rows = tuple(sorted(
        (WalletBalance(provider.name, b.wallet or PAYOUT_WALLET, b.asset, b.available, b.frozen)
         for b in found),
        key=lambda b: (b.provider, b.wallet, b.asset)))
    return BalanceReading(read_at, rows)


def compare(reading: BalanceReading, needs: Mapping[str, Decimal]) -> FundingCheck:
    """`needs` (currency -> amount to send) against the reading; a missing asset holds zero."""
    rows = tuple(
        FundingRow(currency, needed, reading.available(currency) if reading.error is None
                   else None)
        for currency, needed in sorted(needs.items()) if needed > 0)
    return FundingCheck(reading, rows)


def check_funding(services: Services, needs: Mapping[str, Decimal]) -> FundingCheck:
    """A fresh reading compared with what is about to be sent."""
    return compare(read_balances(services), needs)
