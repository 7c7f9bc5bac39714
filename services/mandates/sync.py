"""Following contracts, debits and pre-debit notices to their end with the provider: one item at a
time and the worker jobs over everything still open."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select

from data.models import DebitNotice, DirectDebit, Mandate
from data.queries.sync_candidates import stale_open_ids
from services.core import audit
from services.core.context import Services
from services.core.errors import PayDeskError
from services.inbound import evidence
from services.inbound.sync_runner import sync_job
from services.mandates.contracts import sync_contract
from services.mandates.debits import resend_notice, send_debit
from services.mandates.events import (
    _ORDER_TO_DEBIT,
    CREATING,
    D_PENDING,
    D_UNKNOWN,
    DEBIT_OPEN,
    INITIAL,
    PROCESSING,
    SYNC_MIN_AGE,
    UNKNOWN_CONTRACT,
    change_outcome,
    debit_transition,
)
from services.providers.errors import NotFoundError as ProviderNotFound
from services.providers.errors import ProviderError


def sync_open_contracts(services: Services, *, limit: int = 200) -> dict[str, int]:
    """Sync job: contracts waiting for a signature or in doubt, asked to the provider."""

    with services.uow() as uow:
        ids = uow.session.exec(
            select(Mandate.id).where(col(Mandate.status).in_((INITIAL, UNKNOWN_CONTRACT)))
            .order_by(col(Mandate.updated_at)).limit(limit)).all()
    for mandate_id in ids:
        sync_contract(services, None, mandate_id)
    return {"checked": len(ids)}


def sync_debit(services: Services, merchant_request_id: str) -> str:
    """Resolve one open debit: the order it created answers (queried by its provider order ID once
    pay/apply gave us one, else by its merchant id); a debit the provider never received is sent
    again under the same id."""

    with services.uow() as uow:
        debit = uow.session.exec(select(DirectDebit).where(
            DirectDebit.merchant_request_id == merchant_request_id)).first()
        status = debit.status if debit else None
        provider_order_id = debit.provider_order_id if debit else None
        mandate = uow.session.get(Mandate, debit.mandate_id) if debit else None
        provider_name = mandate.provider if mandate is not None else None
    if status is None:
        return f"unknown debit {merchant_request_id}"
    if status not in DEBIT_OPEN:
        return f"{merchant_request_id}: {status}, nothing to do"
    try:
        provider = services.provider_for(provider_name)  # the mandate's provider
        order = (provider.get_order(provider_order_id=provider_order_id) if provider_order_id
                 else provider.get_order(merchant_order_id=merchant_request_id))
    except ProviderNotFound:
        if status in (D_PENDING, D_UNKNOWN) and not provider_order_id:
            outcome = send_debit(services, merchant_request_id)
            return f"{merchant_request_id}: not at the provider, sent again -> {outcome.status}"
        return f"{merchant_request_id}: provider does not know it; left {status}"
    except ProviderError as error:
        return f"{merchant_request_id}: query failed ({error}); left {status}"
    except PayDeskError as error:  # the mandate's provider is not enabled in this deployment
        return f"{merchant_request_id}: {error}; left {status}"
    with services.uow() as uow:
        change = debit_transition(uow, merchant_request_id,
                                  _ORDER_TO_DEBIT.get(order.state, PROCESSING), services.now(),
                                  provider_order_id=order.provider_order_id, amount=order.amount,
                                  currency=order.currency, source="query",
                                  provider_status=order.provider_status)
        if change and change[0] != change[1] and change[1] != evidence.NEEDS_REVIEW:
            audit.record(uow, actor=audit.SYSTEM, action="debit.synced", target_type="debit",
                         target_id=merchant_request_id, idempotency_key=merchant_request_id,
                         provider_code=order.provider_status, outcome=change_outcome(change),
                         at=services.now())
        uow.commit()
    return f"{merchant_request_id}: {status} -> {change[1] if change else status}"


def sync_open_debits(services: Services, *, older_than_seconds: int = 30,
                     limit: int = 200) -> dict[str, int]:
    with services.uow() as uow:
        due = stale_open_ids(
            uow.session, id_column=DirectDebit.merchant_request_id,
            status_column=DirectDebit.status, updated_column=DirectDebit.updated_at,
            statuses=DEBIT_OPEN, not_after=services.now() - timedelta(seconds=older_than_seconds),
            limit=limit)
    for request_id in due:
        sync_debit(services, request_id)
    return {"checked": len(due)}


@sync_job("debits", model=DirectDebit, batch=100)
class DebitSync:
    @staticmethod
    def candidates(services: Services, now: datetime):  # type: ignore[no-untyped-def]
        return (select(DirectDebit.id)
                .where(col(DirectDebit.status).in_(DEBIT_OPEN),
                       col(DirectDebit.updated_at) <= now - SYNC_MIN_AGE)
                .order_by(col(DirectDebit.updated_at), col(DirectDebit.id)))

    @staticmethod
    def handle(services: Services, item_id: int) -> str:
        with services.uow() as uow:
            debit = uow.session.get(DirectDebit, item_id)
            if debit is None or debit.status not in DEBIT_OPEN:
                return "settled"
            request_id, before = debit.merchant_request_id, debit.status
        sync_debit(services, request_id)
        with services.uow() as uow:
            after = uow.session.get(DirectDebit, item_id)
            status = after.status if after is not None else "gone"
        return "unchanged" if status == before else status.lower()


@sync_job("contracts", model=Mandate, batch=100)
class ContractSync:
    @staticmethod
    def candidates(services: Services, now: datetime):  # type: ignore[no-untyped-def]
        return (select(Mandate.id)
                .where(col(Mandate.status).in_((CREATING, UNKNOWN_CONTRACT, INITIAL)),
                       col(Mandate.updated_at) <= now - SYNC_MIN_AGE)
                .order_by(col(Mandate.updated_at), col(Mandate.id)))

    @staticmethod
    def handle(services: Services, item_id: int) -> str:

        with services.uow() as uow:
            mandate = uow.session.get(Mandate, item_id)
            before = mandate.status if mandate is not None else None
        if before is None:
            return "gone"
        try:
            after = sync_contract(services, None, item_id).status
        except PayDeskError as error:  # one contract in trouble must not stop the pass
            return f"error:{type(error).__name__}"[:24]
        return "unchanged" if after == before else after.lower()


@sync_job("debit_notices", model=DebitNotice, batch=100)
class NoticeSync:
    @staticmethod
    def candidates(services: Services, now: datetime):  # type: ignore[no-untyped-def]
        return (select(DebitNotice.id)
                .where(col(DebitNotice.status).in_(("PENDING", "UNKNOWN")),
                       col(DebitNotice.created_at) <= now - SYNC_MIN_AGE)
                .order_by(col(DebitNotice.created_at), col(DebitNotice.id)))

    @staticmethod
    def handle(services: Services, item_id: int) -> str:

        return resend_notice(services, item_id)
