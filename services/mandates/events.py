"""Following contracts and debits to their end: mandate, debit and payment news, status sync.

Contract states only move forward (INITIAL -> SIGNED -> TERMINATED | EXPIRED; INITIAL -> EXPIRED)
and debit states too (PENDING | UNKNOWN -> PROCESSING -> SUCCESS | FAIL), whatever order the
news arrives in. Two exceptions, because our own conclusions can be wrong and the provider's news
cannot: any provider state overrides our local CREATING/UNKNOWN/REFUSED, and a provider SUCCESS
overrides a debit FAIL (money was collected; audited as a "conflict"). Debit changes lock the
mandate row first, like the debit request itself, so the "one open debit per contract" rule reads
settled data.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlmodel import select

from data.models import DirectDebit, Mandate
from services.core import audit
from services.inbound import evidence
from services.core.context import Services
from services.inbound.dispatch import handles
from services.providers.events import EventKind, InboundEvent
from services.providers.base import Contract, ContractState, DebitState, OrderState
from services.core.row_locks import lock_row
from services.core.unit_of_work import UnitOfWork

# mandate statuses; CREATING/UNKNOWN/REFUSED are ours (before the provider has the contract)
CREATING, UNKNOWN_CONTRACT, REFUSED = "CREATING", "UNKNOWN", "REFUSED"
INITIAL, SIGNED, TERMINATED, EXPIRED = "INITIAL", "SIGNED", "TERMINATED", "EXPIRED"
CONTRACT_RANK = {CREATING: 0, UNKNOWN_CONTRACT: 0, INITIAL: 1, SIGNED: 2, TERMINATED: 3,
                 EXPIRED: 3, REFUSED: 3}
#: States only we set, before the provider has confirmed it holds the contract.
LOCAL_CONTRACT_STATES = (CREATING, UNKNOWN_CONTRACT, REFUSED)
PROVIDER_CONTRACT_STATES = (INITIAL, SIGNED, TERMINATED, EXPIRED)
_FROM_PROVIDER = {ContractState.AWAITING_SIGNATURE: INITIAL, ContractState.SIGNED: SIGNED,
                  ContractState.TERMINATED: TERMINATED, ContractState.EXPIRED: EXPIRED}

# debit statuses
D_PENDING, D_UNKNOWN, PROCESSING, SUCCESS, FAIL = (
    "PENDING", "UNKNOWN", "PROCESSING", "SUCCESS", "FAIL")
DEBIT_OPEN = (D_PENDING, D_UNKNOWN, PROCESSING)
DEBIT_RANK = {D_PENDING: 0, D_UNKNOWN: 0, PROCESSING: 1, SUCCESS: 2, FAIL: 2}


# --- contracts -----------------------------------------------------------------------------------


def contract_transition(uow: UnitOfWork, mandate: Mandate, to_status: str, now: datetime, *,
                        contract_id: str | None = None, open_user_id: str | None = None,
                        termination_way: str | None = None,
                        terminated_at: datetime | None = None,
                        provider_status: str | None = None) -> tuple[str, str]:
    """Move `mandate` forward to `to_status` (the caller commits); returns (before, after).
    `provider_status`, the provider's own word, is kept when the mandate ends up in `to_status`."""
    before = mandate.status
    if provider_status and (before == to_status or _contract_moves(before, to_status)):
        mandate.provider_status = provider_status[:64]
    if contract_id and not mandate.contract_id:
        mandate.contract_id = str(contract_id)
    if open_user_id and not mandate.open_user_id:
        mandate.open_user_id = str(open_user_id)
    if not _contract_moves(before, to_status):
        uow.session.add(mandate)
        return before, before
    mandate.status = to_status
    mandate.updated_at = now
    if to_status == SIGNED and mandate.signed_at is None:
        mandate.signed_at = now
    if to_status in (TERMINATED, EXPIRED):
        mandate.termination_way = termination_way or mandate.termination_way
        mandate.terminated_at = terminated_at or now
        mandate.next_debit_at = None
    uow.session.add(mandate)
    return before, to_status


def _contract_moves(before: str, to_status: str) -> bool:
    if to_status == UNKNOWN_CONTRACT:
        return before == CREATING
    if to_status == REFUSED:
        # A refused create must never hide a contract the provider already confirmed.
        return before in (CREATING, UNKNOWN_CONTRACT)
    if to_status in PROVIDER_CONTRACT_STATES and before in LOCAL_CONTRACT_STATES:
        return True
    return CONTRACT_RANK.get(to_status, 0) > CONTRACT_RANK.get(before, 0)


def apply_contract(uow: UnitOfWork, mandate: Mandate, contract: Contract,
                   now: datetime) -> tuple[str, str]:
    return contract_transition(
        uow, mandate, _FROM_PROVIDER.get(contract.state, INITIAL), now,
        contract_id=contract.provider_contract_id, open_user_id=contract.payer_id,
        termination_way=contract.termination_way, terminated_at=contract.terminated_at,
        provider_status=contract.provider_status)


@handles(EventKind.MANDATE)
def on_mandate(services: Services, uow: UnitOfWork, event: InboundEvent) -> str | None:
    """A contract changed state at the provider; None when the contract is not ours."""
    code = event.merchant_id
    to_status = _FROM_PROVIDER.get(event.state) if isinstance(event.state, ContractState) else None
    if not code or to_status is None:
        return None
    mandate_id = uow.session.exec(
        select(Mandate.id).where(Mandate.merchant_contract_code == code,
                                 Mandate.provider == event.provider)).first()
    if mandate_id is None:
        return None
    now = services.now()
    lock_row(uow, Mandate, mandate_id, now)
    mandate = uow.session.exec(select(Mandate).where(Mandate.id == mandate_id)
                               .execution_options(populate_existing=True)).one()
    details = event.details
    before, after = contract_transition(
        uow, mandate, to_status, now, contract_id=details.get("provider_contract_id"),
        open_user_id=details.get("payer_id"), termination_way=details.get("termination_way"),
        terminated_at=details.get("terminated_at"), provider_status=event.provider_status)
    if before == after:
        return "mandate_duplicate"
    audit.record(uow, actor=audit.SYSTEM, action="mandate.webhook", target_type="mandate",
                 target_id=code, provider_code=event.provider_status, outcome=after, at=now)
    return f"mandate_{after.lower()}"


# --- debits --------------------------------------------------------------------------------------


def debit_transition(uow: UnitOfWork, merchant_request_id: str, to_status: str, now: datetime,
                     *, provider_order_id: str | None = None, provider_pay_id: str | None = None,
                     error_code: str | None = None, error_message: str | None = None,
                     amount: Decimal | None = None, currency: str | None = None,
                     source: str = "answer",
                     provider_status: str | None = None) -> tuple[str, str] | None:
    """(before, after), or None for a debit we do not hold. `amount` and `currency` are what the
    provider reported (services.inbound.evidence): on a mismatch nothing moves and `after` is
    evidence.NEEDS_REVIEW."""
    mandate_id = uow.session.exec(select(DirectDebit.mandate_id).where(
        DirectDebit.merchant_request_id == merchant_request_id)).first()
    if mandate_id is None:
        return None
    lock_row(uow, Mandate, mandate_id, now)
    debit = uow.session.exec(
        select(DirectDebit).where(DirectDebit.merchant_request_id == merchant_request_id)
        .execution_options(populate_existing=True)).one()
    before = debit.status
    if amount is not None and not evidence.check(
            uow, debit, target_type="debit", target_id=merchant_request_id,
            ours=evidence.Figures(debit.amount, debit.currency),
            theirs=evidence.Figures(amount, currency), source=source, now=now,
            key=merchant_request_id):
        return before, evidence.NEEDS_REVIEW
    before_error = debit.error_message or debit.error_code or "no reason kept"
    if provider_order_id and not debit.provider_order_id:
        debit.provider_order_id = provider_order_id
    if provider_pay_id and not debit.provider_pay_id:
        debit.provider_pay_id = provider_pay_id
    overriding = before == FAIL and to_status == SUCCESS
    stays = DEBIT_RANK.get(to_status, 0) <= DEBIT_RANK.get(before, 0) and not (
        before == D_PENDING and to_status == D_UNKNOWN
    ) and not overriding
    if provider_status and (before == to_status or not stays):
        debit.provider_status = provider_status[:64]  # the provider's word, not stale news
    if stays:
        uow.session.add(debit)
        return before, before
    if overriding and debit.notice_id is not None and uow.session.exec(
            select(DirectDebit.id).where(DirectDebit.notice_id == debit.notice_id,
                                         DirectDebit.id != debit.id,
                                         DirectDebit.status != FAIL)).first() is not None:
        # The notice went to a later debit meanwhile; both collected, and the index allows one
        # live debit per notice: keep the money fact, drop the link (the conflict is audited).
        debit.notice_id = None
    debit.status = to_status
    debit.updated_at = now
    if error_code is not None or error_message is not None:
        debit.error_code = (error_code or "")[:16] or None
        debit.error_message = (error_message or "")[:512] or None
    if to_status in (SUCCESS, FAIL):
        debit.completed_at = now
    if overriding:
        debit.error_code = None
        debit.error_message = f"provider reported SUCCESS after a local FAIL ({before_error})"[:512]
    uow.session.add(debit)
    if to_status == SUCCESS:
        _advance_schedule(uow, mandate_id, now)
    return before, to_status


CONFLICT = "conflict"


def change_outcome(change: tuple[str, str] | None) -> str:
    """The audit outcome of a debit_transition result."""
    if change is None:
        return "?"
    return CONFLICT if change == (FAIL, SUCCESS) else change[1]


def _advance_schedule(uow: UnitOfWork, mandate_id: int, now: datetime) -> None:
    mandate = uow.session.get(Mandate, mandate_id)
    if mandate is None or not mandate.periodic or not mandate.cycle_value:
        return
    base = mandate.next_debit_at or now
    if mandate.cycle_type == "DAY":
        mandate.next_debit_at = base + timedelta(days=mandate.cycle_value)
    else:
        month = base.month - 1 + mandate.cycle_value
        mandate.next_debit_at = base.replace(year=base.year + month // 12, month=month % 12 + 1,
                                             day=min(base.day, 28))
    uow.session.add(mandate)


def _apply_debit_news(services: Services, uow: UnitOfWork, event: InboundEvent,
                      request_id: str, to_status: str, provider_order_id: str | None) -> str | None:
    now = services.now()
    change = debit_transition(uow, request_id, to_status, now, provider_order_id=provider_order_id,
                              error_message=None if to_status in (SUCCESS, PROCESSING)
                              else f"provider: {event.provider_status}",
                              amount=event.amount, currency=event.currency, source="webhook",
                              provider_status=event.provider_status)
    if change is None:
        return None  # an ordinary order payment: services.orders.events owns it
    if change[1] == evidence.NEEDS_REVIEW:
        return evidence.NEEDS_REVIEW
    if change[0] == change[1]:
        return "debit_duplicate"
    outcome = change_outcome(change)
    audit.record(uow, actor=audit.SYSTEM, action="debit.webhook", target_type="debit",
                 target_id=request_id, idempotency_key=request_id,
                 provider_code=event.provider_status, outcome=outcome, at=now)
    return f"debit_{outcome.lower()}"


@handles(EventKind.PAYMENT)
def on_debit_payment(services: Services, uow: UnitOfWork, event: InboundEvent) -> str | None:
    """Payment news about a direct-debit order (a provider that turns each debit into an order
    names the debit's request id as the order id); other payments are not ours."""
    request_id = event.merchant_id
    to_status = _ORDER_TO_DEBIT.get(event.state) if isinstance(event.state, OrderState) else None
    if not request_id or to_status is None:
        return None
    provider_order_id = event.provider_id
    known = uow.session.exec(select(DirectDebit.id).where(
        DirectDebit.merchant_request_id == request_id)).first()
    if known is None and provider_order_id:
        # Order id == debit request id is an assumption (protocol §10); the provider order id
        # the debit call returned is not.
        by_order = uow.session.exec(select(DirectDebit.merchant_request_id).where(
            DirectDebit.provider_order_id == provider_order_id)).first()
        request_id = by_order or request_id
    return _apply_debit_news(services, uow, event, request_id, to_status, provider_order_id)


_FROM_DEBIT_STATE = {DebitState.PENDING: D_PENDING, DebitState.PROCESSING: PROCESSING,
                     DebitState.SUCCEEDED: SUCCESS, DebitState.FAILED: FAIL}


@handles(EventKind.DEBIT)
def on_debit(services: Services, uow: UnitOfWork, event: InboundEvent) -> str | None:
    """A provider that reports debits as debits (a recurring charge): news about one of ours."""
    to_status = _FROM_DEBIT_STATE.get(event.state) if isinstance(event.state, DebitState) else None
    if not event.merchant_id or to_status is None:
        return None
    return _apply_debit_news(services, uow, event, event.merchant_id, to_status,
                             event.details.get("provider_order_id"))


# ERROR is left open: it does not say whether the customer was charged, and a FAIL here would
# free the contract for another debit that could charge twice. The sync keeps asking.
_ORDER_TO_DEBIT = {OrderState.PAID: SUCCESS, OrderState.CANCELED: FAIL, OrderState.EXPIRED: FAIL}


# --- sync jobs (services.inbound.sync_runner) --------------------------------------------------------------------

#: Younger rows may still be inside their first call from the dashboard.
SYNC_MIN_AGE = timedelta(seconds=30)
