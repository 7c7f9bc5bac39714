"""The provider port: what services may ask of any payment provider.

Names are provider-neutral so that Binance Pay and Monetix can sit behind the same
``PaymentProvider``. Every amount is a ``Decimal``; every id the provider assigns is a
``str`` (Binance ids exceed 2**63). Adapters raise only ``services.providers.errors``.

Merchant ids (``merchant_order_id``, ``refund_request_id``, ``batch_request_id``,
``merchant_request_id``) are generated and stored by the service BEFORE the call and
reused unchanged on every retry: the provider treats a repeated id as the same request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, runtime_checkable


class OrderState(StrEnum):
    CREATED = "CREATED"
    PENDING = "PENDING"
    PAID = "PAID"
    CANCELED = "CANCELED"
    EXPIRED = "EXPIRED"
    ERROR = "ERROR"
    REFUNDING = "REFUNDING"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"


class RefundState(StrEnum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class PayoutBatchState(StrEnum):
    ACCEPTED = "ACCEPTED"
    PROCESSING = "PROCESSING"
    SUCCEEDED = "SUCCEEDED"
    PARTIALLY_SUCCEEDED = "PARTIALLY_SUCCEEDED"
    FAILED = "FAILED"
    CANCELED = "CANCELED"


class PayoutLineState(StrEnum):
    PROCESSING = "PROCESSING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    AWAITING_RECEIPT = "AWAITING_RECEIPT"
    RETURNED = "RETURNED"


class ContractState(StrEnum):
    AWAITING_SIGNATURE = "AWAITING_SIGNATURE"
    SIGNED = "SIGNED"
    TERMINATED = "TERMINATED"
    EXPIRED = "EXPIRED"


class DebitState(StrEnum):
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


@dataclass(frozen=True, slots=True)
class CheckoutLinks:
    checkout_url: str | None = None
    deeplink: str | None = None
    universal_url: str | None = None
    qr_code_link: str | None = None
    qr_content: str | None = None


@dataclass(frozen=True, slots=True)
class Payer:
    """Who is asked to pay, for providers that need it up front (Juicyway sessions require a
    named customer with e-mail and phone); providers that identify the payer at checkout
    (Binance Pay) ignore it."""

    first_name: str
    last_name: str
    email: str
    phone_number: str
    country: str
    #: Our stable id for this person, for providers that key stored credentials and risk
    #: checks by customer (Monetix ``customer.id``). None lets the provider derive one.
    customer_id: str | None = None
    #: The person's own IP address when PayDesk saw it (a customer-facing checkout); None for
    #: a request an operator creates, where the provider falls back to what its settings say.
    ip_address: str | None = None


@dataclass(frozen=True, slots=True)
class CreatedOrder:
    provider_order_id: str
    merchant_order_id: str
    amount: Decimal | None
    currency: str | None
    expires_at: datetime | None
    links: CheckoutLinks
    #: True when the provider sends the QR and checkout links later, in a notification (a
    #: Monetix sale is only "accepted"; ``display_data`` follows in an intermediate callback).
    #: The links then arrive on a PAYMENT event as ``details["links"]`` (a ``CheckoutLinks``)
    #: with ``details["expires_at"]``, and ``links`` here is empty.
    links_pending: bool = False


@dataclass(frozen=True, slots=True)
class OrderStatus:
    provider_order_id: str
    merchant_order_id: str
    state: OrderState
    provider_status: str
    amount: Decimal
    currency: str
    created_at: datetime | None = None
    paid_at: datetime | None = None
    transaction_id: str | None = None
    payer_id: str | None = None
    commission: Decimal | None = None
    pass_through: str | None = None


@dataclass(frozen=True, slots=True)
class RefundResult:
    refund_request_id: str
    provider_refund_id: str
    provider_order_id: str
    order_amount: Decimal
    amount: Decimal
    refunded_total: Decimal
    remaining_attempts: int | None
    state: RefundState
    duplicate: bool = False
    commission_refunded: Decimal | None = None
    #: The provider's own status word, when its answer has one (a query does, a create may not).
    provider_status: str | None = None


@dataclass(frozen=True, slots=True)
class PayoutLineRequest:
    merchant_line_id: str
    receiver_type: str  # provider vocabulary, e.g. "BINANCE_ID" or "EMAIL"
    receiver: str
    amount: Decimal
    wallet: str = "FUNDING_WALLET"
    remark: str | None = None
    #: Who receives, for providers that must name the recipient (Monetix asks the payee's
    #: name and e-mail on every payout); Binance Pay ignores it.
    payee: Payer | None = None


@dataclass(frozen=True, slots=True)
class PayoutLine:
    merchant_line_id: str
    provider_line_id: str | None
    receiver_type: str
    receiver: str
    amount: Decimal
    state: PayoutLineState
    provider_status: str
    remark: str | None = None


@dataclass(frozen=True, slots=True)
class PayoutBatchResult:
    batch_request_id: str
    state: PayoutBatchState
    provider_status: str
    currency: str | None = None
    total_amount: Decimal | None = None
    total_paid: Decimal | None = None
    total_fee: Decimal | None = None
    total_number: int | None = None
    lines: tuple[PayoutLine, ...] = ()


@dataclass(frozen=True, slots=True)
class Contract:
    merchant_contract_code: str
    state: ContractState
    provider_status: str
    provider_contract_id: str | None = None
    pre_contract_id: str | None = None
    service_name: str | None = None
    single_limit: Decimal | None = None
    currency: str | None = None
    payer_id: str | None = None
    merchant_account_no: str | None = None
    links: CheckoutLinks = field(default_factory=CheckoutLinks)
    ends_at: datetime | None = None
    signing_expires_at: datetime | None = None
    terminated_at: datetime | None = None
    termination_way: str | None = None


@dataclass(frozen=True, slots=True)
class DebitNotice:
    merchant_request_id: str
    provider_notice_id: str
    notified_at: datetime | None


@dataclass(frozen=True, slots=True)
class DebitResult:
    merchant_request_id: str
    provider_debit_id: str
    provider_order_id: str | None
    state: DebitState
    provider_status: str
    applied_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Balance:
    asset: str
    available: Decimal
    frozen: Decimal
    wallet: str | None = None


@dataclass(frozen=True, slots=True)
class Certificate:
    serial: str
    public_key_pem: str


@dataclass(frozen=True, slots=True)
class ReportFile:
    report_type: str
    transaction_type: str | None
    report_date: str | None
    file_name: str
    download_url: str


@runtime_checkable
class PaymentProvider(Protocol):
    """Everything services may ask a payment provider. All methods block and raise
    ``services.providers.errors.ProviderError`` subclasses."""

    name: str

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
        payer: Payer | None = None,
    ) -> CreatedOrder: ...

    def get_order(
        self, *, merchant_order_id: str | None = None, provider_order_id: str | None = None
    ) -> OrderStatus: ...

    def close_order(
        self, *, merchant_order_id: str | None = None, provider_order_id: str | None = None
    ) -> None: ...

    def refund(
        self,
        *,
        refund_request_id: str,
        provider_order_id: str,
        amount: Decimal,
        reason: str | None = None,
        webhook_url: str | None = None,
    ) -> RefundResult: ...

    def get_refund(
        self,
        *,
        refund_request_id: str,
        provider_order_id: str | None = None,
        provider_refund_id: str | None = None,
    ) -> RefundResult:
        """``provider_order_id`` and ``provider_refund_id`` (what ``refund`` answered) are for
        providers that find a refund only through its payment (Monetix); others ignore them."""
        ...

    def create_payout_batch(
        self,
        *,
        batch_request_id: str,
        batch_name: str,
        currency: str,
        lines: Sequence[PayoutLineRequest],
        webhook_url: str | None = None,
    ) -> PayoutBatchResult: ...

    def get_payout_batch(self, *, batch_request_id: str) -> PayoutBatchResult: ...

    def create_contract(
        self,
        *,
        merchant_contract_code: str,
        service_name: str,
        single_limit: Decimal,
        currency: str,
        scenario_code: str = "Others",
        merchant_account_no: str | None = None,
        periodic: bool = False,
        cycle_type: str | None = None,
        cycle_value: int | None = None,
        first_deduct_at: datetime | None = None,
        ends_at: datetime | None = None,
        payer: Payer | None = None,
    ) -> Contract: ...

    def get_contract(
        self, *, merchant_contract_code: str | None = None, provider_contract_id: str | None = None
    ) -> Contract: ...

    def terminate_contract(
        self,
        *,
        merchant_contract_code: str | None = None,
        provider_contract_id: str | None = None,
        notes: str | None = None,
    ) -> None: ...

    def notify_debit(
        self,
        *,
        merchant_request_id: str,
        provider_contract_id: str,
        estimated_amount: Decimal,
        currency: str,
    ) -> DebitNotice: ...

    def debit(
        self,
        *,
        merchant_request_id: str,
        provider_contract_id: str,
        amount: Decimal,
        currency: str,
        product_name: str,
        notice_id: str | None = None,
        webhook_url: str | None = None,
        payer: Payer | None = None,
    ) -> DebitResult: ...

    def get_balances(
        self, *, wallet: str | None = None, currency: str | None = None
    ) -> tuple[Balance, ...]: ...

    def get_certificates(self) -> tuple[Certificate, ...]: ...

    def get_report(
        self,
        *,
        report_type: str,
        start: date,
        end: date,
        transaction_type: str | None = None,
    ) -> tuple[ReportFile, ...]: ...


@runtime_checkable
class SimulatedCustomer(Protocol):
    """A provider's sandbox playing the customer of a payment it holds (sandbox mode only).

    Each sandbox implements it in its own terms (Binance Pay pays the order, Monetix settles the
    sale, Juicyway settles the session); services call it without knowing which sandbox it is."""

    def customer_pays(self, *, merchant_order_id: str, provider_order_id: str | None) -> None:
        """The customer pays; the outcome reaches PayDesk the way the provider reports it (a
        notification, later). Raises ``errors.SandboxRefusal`` in words when it cannot be
        paid (unknown, already final, expired)."""
        ...
