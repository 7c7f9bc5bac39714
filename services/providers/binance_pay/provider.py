"""``BinancePayProvider``: the ``PaymentProvider`` port implemented over ``BinancePayClient``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from services.providers import base

from . import models
from .capabilities import CAPABILITIES
from .client import BinancePayClient

ORDER_STATES = {
    "INITIAL": base.OrderState.CREATED,
    "PENDING": base.OrderState.PENDING,
    "PAID": base.OrderState.PAID,
    "CANCELED": base.OrderState.CANCELED,
    "EXPIRED": base.OrderState.EXPIRED,
    "ERROR": base.OrderState.ERROR,
    "REFUNDING": base.OrderState.REFUNDING,
    "REFUNDED": base.OrderState.PARTIALLY_REFUNDED,
    "FULL_REFUNDED": base.OrderState.REFUNDED,
}
REFUND_STATES = {
    "REFUND_PENDING": base.RefundState.PENDING,
    "REFUND_SUCCESS": base.RefundState.SUCCEEDED,
    "REFUND_FAIL": base.RefundState.FAILED,
    "REFUND_REJECTED": base.RefundState.FAILED,
}
BATCH_STATES = {
    "ACCEPTED": base.PayoutBatchState.ACCEPTED,
    "PROCESSING": base.PayoutBatchState.PROCESSING,
    "SUCCESS": base.PayoutBatchState.SUCCEEDED,
    "PART_SUCCESS": base.PayoutBatchState.PARTIALLY_SUCCEEDED,
    "FAILED": base.PayoutBatchState.FAILED,
    "CANCELED": base.PayoutBatchState.CANCELED,
}
LINE_STATES = {
    "PROCESSING": base.PayoutLineState.PROCESSING,
    "SUCCESS": base.PayoutLineState.SUCCEEDED,
    "FAIL": base.PayoutLineState.FAILED,
    "AWAITING_RECEIPT": base.PayoutLineState.AWAITING_RECEIPT,
    "REFUNDED": base.PayoutLineState.RETURNED,
}
CONTRACT_STATES = {
    "INITIAL": base.ContractState.AWAITING_SIGNATURE,
    "CONTRACT_SIGNED": base.ContractState.SIGNED,
    "CONTRACT_TERMINATED": base.ContractState.TERMINATED,
    "CONTRACT_EXPIRED": base.ContractState.EXPIRED,
}
DEBIT_STATES = {
    "INIT": base.DebitState.PENDING,
    "PROCESSING": base.DebitState.PROCESSING,
    "SUCCESS": base.DebitState.SUCCEEDED,
    "FAILED": base.DebitState.FAILED,
}


def _ms(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value / 1000, tz=UTC)


def _to_ms(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


def _refund(
    result: models.RefundResult, state: base.RefundState, commission: Decimal | None = None
) -> base.RefundResult:
    return base.RefundResult(
        refund_request_id=result.refundRequestId,
        provider_refund_id=result.refundId,
        provider_order_id=result.prepayId,
        order_amount=result.orderAmount,
        amount=result.refundAmount,
        refunded_total=result.refundedAmount,
        remaining_attempts=result.remainingAttempts,
        state=state,
        duplicate=result.duplicateRequest == "Y",
        commission_refunded=commission,
        provider_status=getattr(result, "refundStatus", None),
    )


def _contract(r: models.ContractQueryResult) -> base.Contract:
    return base.Contract(
        merchant_contract_code=r.merchantContractCode,
        state=CONTRACT_STATES.get(r.bizStatus, base.ContractState.AWAITING_SIGNATURE),
        provider_status=r.bizStatus,
        provider_contract_id=r.contractId,
        pre_contract_id=r.preContractId,
        service_name=r.serviceName,
        single_limit=r.singleUpperLimit,
        currency=r.currency,
        payer_id=r.openUserId,
        merchant_account_no=r.merchantAccountNo,
        ends_at=_ms(r.contractEndTime),
        terminated_at=_ms(r.contractTerminationTime),
        termination_way=r.contractTerminationWay,
    )


class BinancePayProvider:
    """Provider-neutral face of Binance Pay. Raises ``services.providers.errors`` only."""

    name = "binance_pay"
    capabilities = CAPABILITIES

    def __init__(self, client: BinancePayClient) -> None:
        self.client = client

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
        payer: base.Payer | None = None,  # Binance identifies the payer at checkout
    ) -> base.CreatedOrder:
        goods = {
            "goodsType": "02",
            "goodsCategory": "Z000",
            "referenceGoodsId": merchant_order_id,
            "goodsName": goods_name,
        }
        r = self.client.create_order_v3(
            merchant_trade_no=merchant_order_id,
            order_amount=amount,
            currency=currency,
            description=description,
            goods_details=[goods],
            return_url=return_url,
            cancel_url=cancel_url,
            webhook_url=webhook_url,
            order_expire_time=_to_ms(expires_at),
            pass_through_info=pass_through,
        )
        links = base.CheckoutLinks(
            r.checkoutUrl, r.deeplink, r.universalUrl, r.qrcodeLink, r.qrContent
        )
        return base.CreatedOrder(
            r.prepayId,
            merchant_order_id,
            r.totalFee or amount,
            r.currency or currency,
            _ms(r.expireTime),
            links,
        )

    def get_order(
        self, *, merchant_order_id: str | None = None, provider_order_id: str | None = None
    ) -> base.OrderStatus:
        r = self.client.query_order(
            prepay_id=provider_order_id, merchant_trade_no=merchant_order_id
        )
        return base.OrderStatus(
            provider_order_id=r.prepayId,
            merchant_order_id=r.merchantTradeNo,
            # A status we do not know must not read as final: money may have moved.
            state=ORDER_STATES.get(r.status, base.OrderState.PENDING),
            provider_status=r.status,
            amount=r.orderAmount,
            currency=r.currency,
            created_at=_ms(r.createTime),
            paid_at=_ms(r.transactTime),
            transaction_id=r.transactionId,
            payer_id=r.openUserId,
            commission=r.commission,
            pass_through=r.passThroughInfo,
        )

    def close_order(
        self, *, merchant_order_id: str | None = None, provider_order_id: str | None = None
    ) -> None:
        self.client.close_order(prepay_id=provider_order_id, merchant_trade_no=merchant_order_id)

    def refund(
        self,
        *,
        refund_request_id: str,
        provider_order_id: str,
        amount: Decimal,
        reason: str | None = None,
        webhook_url: str | None = None,
    ) -> base.RefundResult:
        r = self.client.refund(
            refund_request_id=refund_request_id,
            prepay_id=provider_order_id,
            refund_amount=amount,
            refund_reason=reason,
            webhook_url=webhook_url,
        )
        return _refund(r, base.RefundState.PENDING)

    def get_refund(
        self,
        *,
        refund_request_id: str,
        provider_order_id: str | None = None,  # Binance finds a refund by our id alone
        provider_refund_id: str | None = None,
    ) -> base.RefundResult:
        del provider_order_id, provider_refund_id
        r = self.client.query_refund(refund_request_id=refund_request_id)
        return _refund(
            r, REFUND_STATES.get(r.refundStatus, base.RefundState.PENDING), r.refundCommission
        )

    def create_payout_batch(
        self,
        *,
        batch_request_id: str,
        batch_name: str,
        currency: str,
        lines: Sequence[base.PayoutLineRequest],
        webhook_url: str | None = None,
    ) -> base.PayoutBatchResult:
        details = [
            {
                "merchantSendId": ln.merchant_line_id,
                "receiveType": ln.receiver_type,
                "receiver": ln.receiver,
                "transferAmount": ln.amount,
                "transferMethod": ln.wallet,
                "remark": ln.remark,
            }
            for ln in lines
        ]
        total = sum((ln.amount for ln in lines), Decimal(0))
        r = self.client.batch_payout(
            request_id=batch_request_id,
            batch_name=batch_name,
            currency=currency,
            total_amount=total,
            total_number=len(details),
            transfer_detail_list=details,
            webhook_url=webhook_url,
        )
        return base.PayoutBatchResult(
            batch_request_id=r.requestId,
            state=BATCH_STATES.get(r.status, base.PayoutBatchState.ACCEPTED),
            provider_status=r.status,
            currency=currency,
            total_amount=total,
            total_number=len(details),
        )

    def get_payout_batch(self, *, batch_request_id: str) -> base.PayoutBatchResult:
        r = self.client.query_payout(request_id=batch_request_id)
        lines = tuple(
            base.PayoutLine(
                merchant_line_id=d.merchantSendId,
                provider_line_id=d.orderId,
                receiver_type=d.receiveType,
                receiver=d.receiver,
                amount=d.amount,
                state=LINE_STATES.get(d.status, base.PayoutLineState.PROCESSING),
                provider_status=d.status,
                remark=d.remark,
            )
            for d in r.transferDetailList
        )
        return base.PayoutBatchResult(
            batch_request_id=r.requestId,
            state=BATCH_STATES.get(r.batchStatus, base.PayoutBatchState.PROCESSING),
            provider_status=r.batchStatus,
            currency=r.currency,
            total_amount=r.totalAmount,
            total_paid=r.totalPaidAmount,
            total_fee=r.totalPayoutFee,
            total_number=r.totalNumber,
            lines=lines,
        )

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
        payer: base.Payer | None = None,  # the customer signs in the Binance app
    ) -> base.Contract:
        del payer
        r = self.client.create_contract(
            merchant_contract_code=merchant_contract_code,
            service_name=service_name,
            scenario_code=scenario_code,
            single_upper_limit=single_limit,
            currency=currency,
            periodic=periodic,
            cycle_type=cycle_type,
            cycle_value=cycle_value,
            first_deduct_time=_to_ms(first_deduct_at),
            merchant_account_no=merchant_account_no,
            contract_end_time=_to_ms(ends_at),
        )
        return base.Contract(
            merchant_contract_code=merchant_contract_code,
            state=base.ContractState.AWAITING_SIGNATURE,
            provider_status="INITIAL",
            pre_contract_id=r.preContractId,
            service_name=service_name,
            single_limit=single_limit,
            currency=currency,
            merchant_account_no=merchant_account_no,
            links=base.CheckoutLinks(
                getattr(r, "checkoutUrl", None), r.deeplink, None, r.qrcodeLink, r.qrContent
            ),
            ends_at=_ms(r.contractEndTime),
            signing_expires_at=_ms(r.requestExpireTime),
        )

    def get_contract(
        self, *, merchant_contract_code: str | None = None, provider_contract_id: str | None = None
    ) -> base.Contract:
        return _contract(
            self.client.query_contract(
                merchant_contract_code=merchant_contract_code, contract_id=provider_contract_id
            )
        )

    def terminate_contract(
        self,
        *,
        merchant_contract_code: str | None = None,
        provider_contract_id: str | None = None,
        notes: str | None = None,
    ) -> None:
        self.client.terminate_contract(
            merchant_contract_code=merchant_contract_code,
            contract_id=provider_contract_id,
            termination_notes=notes,
        )

    def notify_debit(
        self,
        *,
        merchant_request_id: str,
        provider_contract_id: str,
        estimated_amount: Decimal,
        currency: str,
    ) -> base.DebitNotice:
        r = self.client.pay_notify(
            merchant_request_id=merchant_request_id,
            contract_id=provider_contract_id,
            estimated_amount=estimated_amount,
            currency=currency,
        )
        return base.DebitNotice(r.merchantRequestId, r.orderId, _ms(r.transactionTime))

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
        payer: base.Payer | None = None,  # the contract already names the payer
    ) -> base.DebitResult:
        del payer
        r = self.client.pay_apply(
            merchant_request_id=merchant_request_id,
            contract_id=provider_contract_id,
            amount=amount,
            currency=currency,
            product_name=product_name,
            pre_biz_id=notice_id,
            webhook_url=webhook_url,
        )
        return base.DebitResult(
            r.merchantRequestId,
            r.orderId,
            r.prepayId,
            DEBIT_STATES.get(r.status, base.DebitState.PROCESSING),
            r.status,
            _ms(r.appliedTime),
        )

    def get_balances(
        self, *, wallet: str | None = None, currency: str | None = None
    ) -> tuple[base.Balance, ...]:
        r = self.client.wallet_balance(wallet=wallet or "FUNDING_WALLET", currency=currency)
        return tuple(base.Balance(b.asset, b.available, b.freeze, r.wallet) for b in r.balance)

    def get_certificates(self) -> tuple[base.Certificate, ...]:
        return tuple(
            base.Certificate(c.certSerial, c.certPublic) for c in self.client.certificates()
        )

    def get_report(
        self, *, report_type: str, start: date, end: date, transaction_type: str | None = None
    ) -> tuple[base.ReportFile, ...]:
        files = self.client.download_report(
            report_type=report_type,
            start_date=start,
            end_date=end,
            transaction_type=transaction_type,
        )
        return tuple(
            base.ReportFile(
                f.reportType, f.transactionType, f.transactionDate, f.fileName, f.downloadUrl
            )
            for f in files
        )
