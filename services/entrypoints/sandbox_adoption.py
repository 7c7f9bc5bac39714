"""Store-backed lookups for the in-process sandbox: it adopts orders and contracts it never saw.

Demo data and a store that outlived a sandbox restart hold paid orders and signed contracts the
in-memory sandbox does not know. The sandbox asks these lookups (it cannot import the store) and
gets a neutral snapshot back. Only refunds the provider had accepted (REFUNDING, SUCCESS) count
towards the snapshot's refunded total: a refund being sent right now must not count twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from sqlalchemy import create_engine, func
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool
from sqlmodel import Session, col, select

from data.models import Mandate, Order, PayoutBatch, PayoutLine, Refund
from services.providers.binance_pay.sandbox import (
    ContractSnapshot,
    OrderSnapshot,
    PayoutLineSnapshot,
    PayoutSnapshot,
    RefundSnapshot,
)

ACCEPTED_REFUND_STATES = ("REFUNDING", "SUCCESS")
# Batches the provider took (our guesses about a send, SENDING/UNKNOWN, are not adopted: the
# real provider may not have them).
_TAKEN_BATCH_STATES = ("ACCEPTED", "PROCESSING", "SUCCESS", "PART_SUCCESS", "FAILED")
_LINE_STATES = {"PENDING": "PROCESSING"}
# Snapshots carry PayDesk's own words; the sandbox translates them into its provider's.
_ADOPTED_CONTRACT_STATES = ("INITIAL", "SIGNED", "TERMINATED", "EXPIRED")


def _ms(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)


class StoreLookups:
    """Reads through its own pool-less engine: the sandbox calls it rarely, from any thread."""

    def __init__(self, database_url: str) -> None:
        self._url = database_url
        self._engine: Engine | None = None

    def _session(self) -> Session:
        if self._engine is None:
            self._engine = create_engine(self._url, poolclass=NullPool)
        return Session(self._engine)

    def order(self, provider_order_id: str | None,
              merchant_order_id: str | None) -> OrderSnapshot | None:
        with self._session() as session:
            statement = select(Order)
            if provider_order_id:
                statement = statement.where(Order.provider_order_id == provider_order_id)
            elif merchant_order_id:
                statement = statement.where(Order.merchant_order_id == merchant_order_id)
            else:
                return None
            order = session.exec(statement).first()
            if order is None or not order.provider_order_id or order.id is None:
                return None
            refunded, attempts = session.exec(
                select(func.sum(Refund.amount), func.count())
                .where(Refund.order_id == order.id,
                       col(Refund.status).in_(ACCEPTED_REFUND_STATES))
            ).one()
            return OrderSnapshot(
                merchant_order_id=order.merchant_order_id, provider_order_id=order.provider_order_id,
                amount=order.amount, currency=order.currency, status=order.status,
                refunded=refunded if refunded is not None else Decimal(0), refund_attempts=int(attempts or 0),
                paid_at_ms=_ms(order.paid_at), created_at_ms=_ms(order.created_at),
                payer_id=order.payer_id, product_name=order.product_name or "",
            )

    def contract(self, code: str | None, contract_id: str | None) -> ContractSnapshot | None:
        with self._session() as session:
            statement = select(Mandate)
            if contract_id:
                statement = statement.where(Mandate.contract_id == contract_id)
            elif code:
                statement = statement.where(Mandate.merchant_contract_code == code)
            else:
                return None
            mandate = session.exec(statement).first()
            # CREATING/UNKNOWN/REFUSED are our own guesses about a create: adopting them would
            # answer "exists" where the real provider may answer "not found".
            if mandate is None or mandate.status not in _ADOPTED_CONTRACT_STATES:
                return None
            return ContractSnapshot(
                merchant_contract_code=mandate.merchant_contract_code,
                status=mandate.status,
                service_name=mandate.service_name[:32],
                single_limit=mandate.single_upper_limit,
                currency=mandate.currency,
                contract_id=mandate.contract_id,
                pre_contract_id=mandate.pre_contract_id,
                scenario_code=mandate.scenario_code or "Others",
                periodic=mandate.periodic,
                cycle_type=mandate.cycle_type,
                cycle_value=mandate.cycle_value,
                first_deduct_ms=_ms(mandate.first_deduct_at),
                open_user_id=mandate.open_user_id,
                created_at_ms=_ms(mandate.created_at),
                request_expire_ms=_ms(mandate.expires_at),
                termination_way=mandate.termination_way,
                termination_ms=_ms(mandate.terminated_at),
            )

    def refund(self, refund_request_id: str) -> RefundSnapshot | None:
        with self._session() as session:
            row = session.exec(
                select(Refund, Order).join(Order, col(Order.id) == col(Refund.order_id))
                .where(Refund.refund_request_id == refund_request_id)).first()
            if row is None:
                return None
            refund, order = row
            # Only refunds the provider had accepted: one still being sent may not exist there.
            if refund.status not in ACCEPTED_REFUND_STATES or not order.provider_order_id:
                return None
            return RefundSnapshot(
                refund_request_id=refund.refund_request_id, provider_order_id=order.provider_order_id,
                merchant_order_id=order.merchant_order_id, amount=refund.amount,
                status=refund.status, refund_id=refund.provider_refund_id,
                created_at_ms=_ms(refund.created_at))

    def payout(self, request_id: str) -> PayoutSnapshot | None:
        with self._session() as session:
            batch = session.exec(
                select(PayoutBatch).where(PayoutBatch.request_id == request_id)).first()
            if batch is None or batch.id is None or batch.status not in _TAKEN_BATCH_STATES:
                return None
            lines = session.exec(select(PayoutLine).where(PayoutLine.batch_id == batch.id)
                                 .order_by(col(PayoutLine.file_line))).all()
            return PayoutSnapshot(
                request_id=batch.request_id, batch_name=batch.batch_name or batch.request_id,
                currency=batch.currency, status=batch.status, created_at_ms=_ms(batch.sent_at),
                lines=tuple(
                    PayoutLineSnapshot(
                        merchant_send_id=line.merchant_send_id, receive_type=line.receive_type,
                        receiver=line.receiver, amount=line.amount,
                        status=_LINE_STATES.get(line.status, line.status),
                        order_id=line.provider_order_id,
                        claim_deadline_ms=_ms(line.claim_deadline), remark=line.remark)
                    for line in lines))

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def store_lookups(database_url: str) -> StoreLookups:
    """The lookups the sandbox adopts unknown orders, contracts, refunds and payouts through."""
    return StoreLookups(database_url)
