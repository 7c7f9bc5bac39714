"""What Binance Pay (direct) offers, with its documented limits (binance-pay-protocol.md)."""

from __future__ import annotations

from datetime import timedelta

from services.providers.capabilities import Capabilities, PayoutMode, RecurringMode

from .errors import PROVIDER

_CRYPTO = ("USDT", "USDC", "FDUSD", "BNB", "BTC", "ETH")

CAPABILITIES = Capabilities(
    provider=PROVIDER,
    title="Binance Pay",
    payment_currencies=dict.fromkeys(_CRYPTO, 8),
    # Orders expire after 1 hour unless told otherwise (section 4.1, orderExpireTime).
    default_payment_expiry=timedelta(minutes=15),
    max_payment_expiry=timedelta(hours=1),
    # The customer identifies themselves in the Binance app at checkout: no payer is sent.
    payer_fields=frozenset(),
    close_payment=True,
    refund=True,
    partial_refund=True,
    max_refund_attempts=10,  # section 4.5: "up to 10 refunds per order"
    payouts=PayoutMode.BATCH,
    max_payout_lines=500,  # section 4.7
    payout_receiver_types=frozenset({"BINANCE_ID", "EMAIL"}),
    payout_currencies=frozenset(_CRYPTO),
    recurring=RecurringMode.DIRECT_DEBIT,
    debit_currencies=frozenset({"USDT", "USDC"}),
    balances=True,
    statements=True,
)
