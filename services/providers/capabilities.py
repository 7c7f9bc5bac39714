"""What a provider offers and within which limits, declared by each provider package.

Services and pages ask these instead of hard-coding one provider's rules. ``None`` for a limit
means "no limit we know of"; a capability that is absent is False, and the matching port method
raises ``NotOfferedError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum


class PayoutMode(StrEnum):
    NONE = "none"
    #: Many lines in one request (Binance Pay: up to 500 per batch).
    BATCH = "batch"
    #: One request per recipient (Monetix).
    SINGLE = "single"


class PayerField(StrEnum):
    """What a provider may need to know about the person asked to pay, before the payment is
    created (the names of ``services.providers.base.Payer``'s fields)."""

    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    EMAIL = "email"
    PHONE_NUMBER = "phone_number"
    COUNTRY = "country"


class RecurringMode(StrEnum):
    NONE = "none"
    #: Binance Pay direct-debit contracts signed by the customer.
    DIRECT_DEBIT = "direct_debit"
    #: Stored credentials registered on a sale (Monetix COF).
    STORED_CREDENTIAL = "stored_credential"


@dataclass(frozen=True)
class Capabilities:
    provider: str
    #: Human name for pages and messages ("Binance Pay", "Monetix", "Juicyway").
    title: str
    #: Currency -> decimal places PayDesk may send for a payment.
    payment_currencies: Mapping[str, int]
    default_payment_expiry: timedelta
    #: What the provider must be told about the payer when a payment is created (empty: the
    #: payer identifies themselves at checkout and no ``Payer`` is sent).
    payer_fields: frozenset[PayerField] = frozenset()
    max_payment_expiry: timedelta | None = None
    close_payment: bool = False
    refund: bool = False
    partial_refund: bool = False
    #: How many refund requests one payment accepts in its life (Binance Pay: 10).
    max_refund_attempts: int | None = None
    #: At most this many refunds of one payment may be in flight at once (Monetix: 1).
    max_refunds_in_flight: int | None = None
    payouts: PayoutMode = PayoutMode.NONE
    max_payout_lines: int | None = None
    payout_receiver_types: frozenset[str] = frozenset()
    payout_currencies: frozenset[str] = frozenset()
    recurring: RecurringMode = RecurringMode.NONE
    debit_currencies: frozenset[str] = frozenset()
    balances: bool = False
    statements: bool = False
    #: Notifications must be confirmed by a query before they move money.
    confirm_notifications: bool = False
    #: Why each missing capability is missing, in words for a finance user.
    not_offered: Mapping[str, str] = field(default_factory=dict)

    @property
    def needs_payer(self) -> bool:
        return bool(self.payer_fields)

    def why_not(self, capability: str) -> str:
        return self.not_offered.get(
            capability, f"{self.title} does not offer this through its API"
        )
