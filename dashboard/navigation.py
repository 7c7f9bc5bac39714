"""The product's sections, in the order the sidebar shows them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from services.core.access import ALL_ROLES, roles_for

PAGES_DIR = Path(__file__).with_name("app_pages")
#: For st.page_link from any row that names a customer (with query_params={"email": ...}).
CUSTOMERS_PAGE = "app_pages/customers.py"


@dataclass(frozen=True)
class Section:
    group: str
    title: str
    file: str
    icon: str
    url_path: str
    # Who sees the section at all; what they may do on it is checked again by the services.
    roles: frozenset[str] = ALL_ROLES


SECTIONS: tuple[Section, ...] = (
    Section("Work", "Inbox", "inbox.py", ":material/inbox:", "inbox"),
    Section("Money in", "Overview", "overview.py", ":material/monitoring:", "overview"),
    Section("Money in", "Orders", "orders.py", ":material/receipt_long:", "orders"),
    Section("Money in", "Payment requests", "payment_requests.py", ":material/qr_code_2:",
            "payment-requests"),
    Section("Money in", "Customers", "customers.py", ":material/group:", "customers"),
    Section("Money out", "Payouts", "payouts.py", ":material/send_money:", "payouts"),
    Section("Money out", "Refunds", "refunds.py", ":material/undo:", "refunds"),
    Section("Money out", "Mandates & debits", "mandates.py", ":material/autorenew:", "mandates"),
    Section("Books", "Reconciliation", "reconciliation.py", ":material/balance:", "reconciliation"),
    Section("Books", "Scheduled reports", "reports.py", ":material/schedule_send:", "reports"),
    Section("Books", "Audit", "audit.py", ":material/policy:", "audit", roles_for("audit.view")),
    Section("Admin", "Settings", "settings.py", ":material/settings:", "settings",
            roles_for("settings.manage")),
    Section("Admin", "Users", "users.py", ":material/manage_accounts:", "users",
            roles_for("users.manage")),
    Section("Account", "My account", "account.py", ":material/account_circle:", "account"),
)


def page_path(section: Section) -> Path:
    return PAGES_DIR / section.file


def sections_for(role: str) -> tuple[Section, ...]:
    return tuple(section for section in SECTIONS if role in section.roles)


def page_for(url_path: str, role: str) -> Section | None:
    """The section at `url_path` when `role` may open it (for links between pages)."""
    return next((s for s in sections_for(role) if s.url_path == url_path), None)


def link_target(section: Section) -> str:
    """What st.page_link and AppTest's switch_page take: the file relative to the app script."""
    return f"{PAGES_DIR.name}/{section.file}"


def inbox_title(waiting: int) -> str:
    """The Inbox entry in the navigation carries the count of what waits, as a badge."""
    return f"Inbox · {waiting}" if waiting else "Inbox"
