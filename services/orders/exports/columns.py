"""The columns an order export can hold, in their default order: read by the CLI's help text
without loading the export machinery (pyarrow, the store)."""

from __future__ import annotations

# key -> (header, kind); kind decides formatting and neutralisation.
COLUMNS: dict[str, tuple[str, str]] = {
    "id": ("Order id", "int"),
    "merchant_order_id": ("Order ID", "text"),
    "provider_order_id": ("Provider order ID", "text"),
    "transaction_id": ("Transaction id", "text"),
    "provider": ("Provider", "text"),
    "status": ("Status", "text"),
    "amount": ("Amount", "money"),
    "currency": ("Currency", "text"),
    "refunded_amount": ("Refunded", "money"),
    "fee": ("Fee", "money"),
    "customer_email": ("Customer email", "text"),
    "payer_id": ("Payer id", "text"),
    "product_name": ("Product", "text"),
    "product_type": ("Product type", "text"),
    "created_at": ("Created", "time"),
    "paid_at": ("Paid", "time"),
    "expires_at": ("Expires", "time"),
    "closed_at": ("Closed", "time"),
    "updated_at": ("Updated", "time"),
}
DEFAULT_COLUMNS: tuple[str, ...] = (
    "created_at", "merchant_order_id", "status", "amount", "currency", "refunded_amount",
    "customer_email", "product_name", "provider_order_id", "transaction_id", "provider",
)
