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

from data.models import Mandate, Order, Refund
from services.providers.binance_pay.sandbox import ContractSnapshot, OrderSnapshot

ACCEPTED_REFUND_STATES = ("REFUNDING", "SUCCESS")
_CONTRACT_STATES = {"INITIAL": "INITIAL", "SIGNED": "CONTRACT_SIGNED",
                    "TERMINATED": "CONTRACT_TERMINATED", "EXPIRED": "CONTRACT_EXPIRED"}


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

    def order(self, prepay_id: str | None, merchant_trade_no: str | None) -> OrderSnapshot | None:
        with self._session() as session:
            statement = select(Order)
            if prepay_id:
                statement = statement.where(Order.prepay_id == prepay_id)
            elif merchant_trade_no:
                statement = statement.where(Order.merchant_trade_no == merchant_trade_no)
            else:
                return None
            order = session.exec(statement).first()
            if order is None or not order.prepay_id or order.id is None:
                return None
            refunded, attempts = session.exec(
                select(func.sum(Refund.amount), func.count())
                .where(Refund.order_id == order.id,
                       col(Refund.status).in_(ACCEPTED_REFUND_STATES))
            ).one()
            return OrderSnapshot(
                merchant_trade_no=order.merchant_trade_no, prepay_id=order.prepay_id,
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
            if mandate is None or mandate.status not in _CONTRACT_STATES:
                return None
            return ContractSnapshot(
                merchant_contract_code=mandate.merchant_contract_code,
                status=_CONTRACT_STATES.get(mandate.status, mandate.status),
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

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def store_lookups(database_url: str) -> tuple[Callable[..., OrderSnapshot | None],
                                              Callable[..., ContractSnapshot | None]]:
    lookups = StoreLookups(database_url)
    return lookups.order, lookups.contract
