"""``JuicywayProvider``: the ``PaymentProvider`` port over ``JuicywayClient``.

Juicyway offers payment requests and queries only (``capabilities.py``); every other port
operation raises ``NotOfferedError`` with the reason in words, before anything is sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, NoReturn

from services.providers import base
from services.providers import errors as neutral
from services.providers.events import InboundEvent

from . import webhooks
from .capabilities import CAPABILITIES
from .client import JuicywayClient
from .errors import PROVIDER
from .models import Customer, Payment

#: Juicyway cannot look a payment up by our reference; the list is scanned this far back.
MERCHANT_ID_LOOKBACK = timedelta(days=31)


def _status(payment: Payment) -> base.OrderStatus:
    return base.OrderStatus(
        provider_order_id=payment.id,
        merchant_order_id=payment.reference or "",
        # A status we do not know must not read as final: money may have moved.
        state=webhooks.state_of(payment) or base.OrderState.PENDING,
        provider_status=payment.status,
        amount=payment.amount if payment.amount is not None else Decimal(0),
        currency=payment.currency or "",
        created_at=payment.created_at,
    )


class JuicywayProvider:
    name = PROVIDER
    capabilities = CAPABILITIES

    def __init__(self, client: JuicywayClient, *, business_id: str) -> None:
        self.client = client
        self.business_id = business_id

    def parse_event(self, headers: Mapping[str, str], body: bytes) -> InboundEvent:
        return webhooks.parse_event(headers, body, business_id=self.business_id)

    def create_order(
        self,
        *,
        merchant_order_id: str,
        amount: Decimal,
        currency: str,
        description: str,
        goods_name: str,
        return_url: str | None = None,
        cancel_url: str | None = None,
        webhook_url: str | None = None,
        expires_at: datetime | None = None,
        pass_through: str | None = None,
        payer: base.Payer | None = None,
    ) -> base.CreatedOrder:
        if payer is None:
            raise neutral.InvalidParameterError(
                "Juicyway needs the customer's first and last name, e-mail, phone number and "
                "country for every payment request",
                merchant_request_id=merchant_order_id,
                provider=PROVIDER,
            )
        created = self.client.create_payment_request(
            reference=merchant_order_id,
            amount=amount,
            currency=currency,
            customer=Customer(payer.first_name, payer.last_name, payer.email,
                              payer.phone_number, payer.country),
            description=description,
            order_identifier=merchant_order_id,
            item_name=goods_name,
        )
        links = created.links
        return base.CreatedOrder(
            provider_order_id=created.provider_payment_id,
            merchant_order_id=merchant_order_id,
            amount=created.amount,
            currency=created.currency,
            expires_at=created.expires_at,
            links=base.CheckoutLinks(
                checkout_url=links.checkout_url,
                deeplink=links.deeplink,
                universal_url=links.payment_url,
                qr_code_link=links.qr_url,
            ),
        )

    def get_order(
        self, *, merchant_order_id: str | None = None, provider_order_id: str | None = None
    ) -> base.OrderStatus:
        if provider_order_id:
            return _status(self.client.get_payment(provider_order_id))
        if not merchant_order_id:
            raise neutral.InvalidParameterError("name the order", provider=PROVIDER)
        found = self.client.find_by_reference(
            merchant_order_id, since=datetime.now(UTC) - MERCHANT_ID_LOOKBACK
        )
        if found is None:
            raise neutral.NotFoundError(
                f"Juicyway has no payment with reference {merchant_order_id}",
                merchant_request_id=merchant_order_id,
                provider=PROVIDER,
            )
        return _status(found.payment)

    # -- what Juicyway does not offer -------------------------------------------------------

    def _not_offered(self, capability: str) -> NoReturn:
        raise neutral.NotOfferedError(CAPABILITIES.why_not(capability), provider=PROVIDER)

    def close_order(self, **_: Any) -> None:
        self._not_offered("close_payment")

    def refund(self, **_: Any) -> base.RefundResult:
        self._not_offered("refund")

    def get_refund(self, **_: Any) -> base.RefundResult:
        self._not_offered("refund")

    def create_payout_batch(self, **_: Any) -> base.PayoutBatchResult:
        self._not_offered("payouts")

    def get_payout_batch(self, **_: Any) -> base.PayoutBatchResult:
        self._not_offered("payouts")

    def create_contract(self, **_: Any) -> base.Contract:
        self._not_offered("recurring")

    def get_contract(self, **_: Any) -> base.Contract:
        self._not_offered("recurring")

    def terminate_contract(self, **_: Any) -> None:
        self._not_offered("recurring")

    def notify_debit(self, **_: Any) -> base.DebitNotice:
        self._not_offered("recurring")

    def debit(self, **_: Any) -> base.DebitResult:
        self._not_offered("recurring")

    def get_balances(self, **_: Any) -> tuple[base.Balance, ...]:
        self._not_offered("balances")

    def get_certificates(self) -> tuple[base.Certificate, ...]:
        return ()  # Juicyway signs with a shared key (the business id), not certificates

    def get_report(self, *, report_type: str, start: date, end: date,
                   transaction_type: str | None = None) -> tuple[base.ReportFile, ...]:
        del report_type, transaction_type
        return ()  # no statement files: reconciliation lists payments instead (list_payments)

    def list_payments(self, *, start: datetime, end: datetime) -> Sequence[base.OrderStatus]:
        return [_status(s.payment) for s in self.client.iter_payments(created_after=start,
                                                                      created_before=end)]
