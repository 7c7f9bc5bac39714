"""Table models of the PayDesk store.

Money columns use `Money` (exact on SQLite and PostgreSQL); timestamps are UTC-aware. Statuses are
plain strings, so a new value never needs a migration; beside `status` (the state the services
decide on) each item keeps `provider_status`, the provider's own word as last reported, for display
and audit. Every money movement row carries the merchant id it was (or will be) sent under, unique,
so that a retry can only ever reuse it. Ids are provider-neutral and 64 long (migration 0013):
`merchant_order_id` is ours, `provider_order_id` the provider's.

The tables live in one module per part of the product; importing this package registers all
of them on ``SQLModel.metadata`` (Alembic and the models-equal-migrations test rely on that).
"""

from __future__ import annotations

from sqlalchemy import Index, text

from data.models._base import money_field, utcnow
from data.models.day_totals import (
    OrderDayTotal,
    RefundDayTotal,
    RollupZoneOffset,
)
from data.models.desk import (
    Alert,
    ReportRun,
    ReportSchedule,
    RuntimeSetting,
    SavedView,
)
from data.models.mandates import (
    DebitNotice,
    DirectDebit,
    Mandate,
)
from data.models.orders import (
    Order,
    Refund,
)
from data.models.payouts import (
    PayoutBatch,
    PayoutLine,
)
from data.models.people import (
    SignInThrottle,
    User,
    UserSession,
)
from data.models.reconciliation import (
    ReconciliationItem,
    ReconciliationRun,
    Statement,
    StatementLine,
    StatementMapping,
)
from data.models.records import (
    AppMeta,
    Approval,
    AuditEntry,
    AuditEntryImmutableError,
    WebhookDelivery,
)

# "Needs review" (migration 0008) is rare and asked for on every click (the Inbox count): a
# partial index per table holds only the flagged rows, so finding them never scans 10M orders.
for _table in (Order, Refund, PayoutLine, DirectDebit):
    Index(f"ix_{_table.__tablename__}_needs_review", _table.__table__.c.id,  # type: ignore[attr-defined]
          sqlite_where=text("review_note IS NOT NULL"),
          postgresql_where=text("review_note IS NOT NULL"))
del _table

__all__ = [
    "Alert",
    "AppMeta",
    "Approval",
    "AuditEntry",
    "AuditEntryImmutableError",
    "DebitNotice",
    "DirectDebit",
    "Mandate",
    "Order",
    "OrderDayTotal",
    "PayoutBatch",
    "PayoutLine",
    "ReconciliationItem",
    "ReconciliationRun",
    "Refund",
    "RefundDayTotal",
    "ReportRun",
    "ReportSchedule",
    "RollupZoneOffset",
    "RuntimeSetting",
    "SavedView",
    "SignInThrottle",
    "Statement",
    "StatementLine",
    "StatementMapping",
    "User",
    "UserSession",
    "WebhookDelivery",
    "money_field",
    "utcnow",
]
