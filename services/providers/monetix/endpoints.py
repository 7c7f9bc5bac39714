"""Monetix Gate and Payment Page addresses (providers.md part A §1, §2, §9.6)."""

#: Seen in three unrelated code bases; ``gate.monetix.com`` appears once and is unconfirmed,
#: so the host is a setting, not a constant services rely on.
GATE_URL = "https://api.trxhost.com"
PAYMENT_PAGE_URL = "https://paymentpage.trxhost.com/payment"

SALE = "/v2/payment/unify/sale"
STATUS = "/v2/payment/status"
REFUND = "/v2/payment/unify/refund"
PAYOUT = "/v2/payment/unify/payout"
RECURRING = "/v2/payment/unify/recurring"
#: Inferred from the platform's pattern for other methods (providers.md §2.7); not in the seed.
RECURRING_CANCEL = "/v2/payment/unify/recurring/cancel"

#: ``payment.by_method`` for Binance Pay on Gate, and the Payment Page method code.
BY_METHOD = "BinancePay"
FORCE_PAYMENT_METHOD = "unify_Binance_Pay"

#: The only request that changes nothing, so the only one repeated after it may have arrived.
READ_ONLY_PATHS = frozenset({STATUS})
