"""One customer's whole relationship: orders, refunds, contracts, debits, payouts, and totals.

Found by e-mail (or its start: the name people know is usually the first part of it) or by
Binance payer id. Lists show the most recent items; totals per currency come from SQL over all
of them, so a customer with thousands of orders is summed exactly without loading them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from data.models import DirectDebit, Mandate, Order, PayoutBatch, PayoutLine, Refund
from data.queries import customers as q
from services.core.access import Actor
from services.core.context import Services
from services.core.refusals import require
from services.core.errors import InputError

RECENT = 200
SEARCH_LIMIT = 25
# Money that reached the merchant; refunds are counted separately as money that went back.
PAID_ORDER_STATES = ("PAID", "REFUNDING", "REFUNDED", "FULL_REFUNDED")


@dataclass
class CurrencyTotals:
    currency: str
    orders: int = 0
    paid_in: Decimal = Decimal(0)
    refunded: Decimal = Decimal(0)
    collected: Decimal = Decimal(0)  # successful direct debits
    paid_out: Decimal = Decimal(0)  # payout lines paid to the customer

    @property
    def net(self) -> Decimal:
        """What the merchant kept from this customer: money in minus money back and out."""
        return self.paid_in + self.collected - self.refunded - self.paid_out


@dataclass
class CustomerProfile:
    email: str
    payer_ids: list[str]
    totals: list[CurrencyTotals]
    order_count: int
    orders: list[Order] = field(default_factory=list)
    refunds: list[tuple[Refund, str]] = field(default_factory=list)
    mandates: list[Mandate] = field(default_factory=list)
    debits: list[tuple[DirectDebit, str]] = field(default_factory=list)
    payouts: list[tuple[PayoutLine, PayoutBatch]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.orders or self.mandates or self.payouts)


def search(services: Services, actor: Actor, text: str) -> list[str]:
    """E-mails of customers matching `text`: an e-mail's start, or an exact payer id."""
    require(services, actor, "orders.view")
    needle = (text or "").strip().lower()
    if len(needle) < 2:
        raise InputError("type at least 2 characters of the e-mail, or the payer id",
                         field="search", value=text)
    with services.uow() as uow:
        found = q.matching_emails(uow.session, needle, SEARCH_LIMIT)
        if needle.isdigit():
            found = sorted({*found, *q.emails_of_payer(uow.session, needle, SEARCH_LIMIT)})
    return found[:SEARCH_LIMIT]


def profile(services: Services, actor: Actor, email: str) -> CustomerProfile:
    require(services, actor, "orders.view")
    email = (email or "").strip().lower()
    if "@" not in email:
        raise InputError("open a customer by e-mail address", field="email", value=email)
    totals: dict[str, CurrencyTotals] = {}

    def of(currency: str) -> CurrencyTotals:
        return totals.setdefault(currency, CurrencyTotals(currency))

    with services.uow() as uow:
        s = uow.session
        payers = q.payer_ids(s, email)
        order_count = 0
        for currency, status, count, amount in q.order_totals(s, email):
            of(currency).orders += count
            order_count += count
            if status in PAID_ORDER_STATES:
                of(currency).paid_in += amount or Decimal(0)
        for currency, status, _, amount in q.refund_totals(s, email):
            if status == "SUCCESS":
                of(currency).refunded += amount or Decimal(0)
        for currency, status, _, amount in q.debit_totals(s, email):
            if status == "SUCCESS":
                of(currency).collected += amount or Decimal(0)
        for currency, status, _, amount in q.payout_totals(s, email, payers):
            if status == "SUCCESS":
                of(currency).paid_out += amount or Decimal(0)
        found = CustomerProfile(
            email=email, payer_ids=payers, order_count=order_count,
            totals=[totals[c] for c in sorted(totals)],
            orders=q.recent_orders(s, email, RECENT), refunds=q.refunds(s, email, RECENT),
            mandates=q.mandates(s, email), debits=q.debits(s, email, RECENT),
            payouts=q.payout_lines(s, email, payers, RECENT),
        )
        s.expunge_all()  # plain rows for the page, read after the session closes
    return found
