"""What Juicyway offers for Binance Pay (reference/providers.md sections 11, 14 and 16)."""

from __future__ import annotations

from datetime import timedelta

from services.providers.capabilities import Capabilities, PayerField

from .errors import PROVIDER
from .wire import MINOR_UNIT_EXPONENT

CAPABILITIES = Capabilities(
    provider=PROVIDER,
    title="Juicyway",
    payment_currencies=dict(MINOR_UNIT_EXPONENT),
    # The capture page says sessions last 30 minutes; its own example shows 12 hours. We keep
    # our own stop at 30 minutes whatever Juicyway answers (providers.md 14.1).
    default_payment_expiry=timedelta(minutes=30),
    max_payment_expiry=timedelta(minutes=30),
    # A payment session requires a named customer with e-mail, E.164 phone number and billing
    # country (providers.md part B, POST /payment-sessions).
    payer_fields=frozenset(PayerField),
    confirm_notifications=True,
    not_offered={
        "close_payment": "Juicyway has no way to cancel a payment session; it expires by itself.",
        "refund": "Juicyway offers no refunds through its API. Refund the customer outside "
        "PayDesk and record it here so that reconciliation expects it.",
        "payouts": "Juicyway pays out only to saved bank or crypto beneficiaries, not to "
        "Binance Pay users.",
        "recurring": "Juicyway offers no recurring payments or mandates.",
        "balances": "Juicyway publishes no business balance endpoint.",
    },
)
