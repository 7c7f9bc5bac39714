"""What Monetix offers for Binance Pay (providers.md part A and §16), for the core to ask."""

from __future__ import annotations

from datetime import timedelta

from iso4217 import Currency

from services.providers.capabilities import Capabilities, PayerField, PayoutMode, RecurringMode

from .amounts import BINANCE_PAY_UNSUPPORTED
from .client import ReceiveType
from .errors import PROVIDER

#: Every ISO 4217 currency with a minor unit, less those Binance Pay through Monetix refuses.
FIAT_CURRENCIES: dict[str, int] = {
    c.code: c.exponent for c in Currency
    if c.exponent is not None and c.code not in BINANCE_PAY_UNSUPPORTED
    and not c.code.startswith("X")
}

CAPABILITIES = Capabilities(
    provider=PROVIDER,
    title="Monetix",
    payment_currencies=FIAT_CURRENCIES,
    # "The QR code is valid only for 20 minutes" (seed 003); the request cannot change it.
    default_payment_expiry=timedelta(minutes=20),
    max_payment_expiry=timedelta(minutes=20),
    # unify/sale requires customer first_name, last_name and email (providers.md part A);
    # the customer id and IP come from the e-mail and the operator IP setting.
    payer_fields=frozenset({PayerField.FIRST_NAME, PayerField.LAST_NAME, PayerField.EMAIL}),
    close_payment=False,
    refund=True,
    partial_refund=True,
    # A refund reuses the purchase's payment_id, so a second one in flight could not be told
    # apart from a repeat of the first.
    max_refunds_in_flight=1,
    payouts=PayoutMode.SINGLE,
    max_payout_lines=1,
    payout_receiver_types=frozenset(t.value for t in ReceiveType),
    payout_currencies=frozenset(FIAT_CURRENCIES),
    recurring=RecurringMode.STORED_CREDENTIAL,
    debit_currencies=frozenset(FIAT_CURRENCIES),
    balances=False,
    statements=False,
    not_offered={
        "close_payment": "Monetix cannot cancel an unpaid Binance Pay payment; its QR code "
        "expires by itself after 20 minutes.",
        "balances": "Monetix publishes balances only through its Data API, whose address for "
        "this account is not known; read them in the Monetix Dashboard.",
        "notify_debit": "Monetix sends no advance notice of a stored-credential charge; the "
        "charge is made directly.",
        "recurring_schedule": "Monetix stored credentials carry no schedule or end date: "
        "PayDesk charges them when due and stops by cancelling the registration.",
        "statements": "Monetix statements are downloaded from its Dashboard as CSV reports; "
        "upload them on the Reconciliation page.",
    },
)
