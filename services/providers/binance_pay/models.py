"""Typed views of Binance Pay response ``data`` objects.

Field names follow the wire (camelCase) so a model can be checked against the docs at a
glance. Ids are ``str`` (numbers are coerced: Binance ids can exceed 2**63) and amounts are
``Decimal`` whether Binance sent them as strings or as numbers. Unknown fields are kept.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict


class WireModel(BaseModel):
    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True, frozen=True)


class CreateOrderResult(WireModel):
    prepayId: str
    terminalType: str | None = None
    expireTime: int | None = None
    qrcodeLink: str | None = None
    qrContent: str | None = None
    checkoutUrl: str | None = None
    deeplink: str | None = None
    universalUrl: str | None = None
    currency: str | None = None
    totalFee: Decimal | None = None
    fiatCurrency: str | None = None
    fiatAmount: Decimal | None = None


class OrderQueryResult(WireModel):
    merchantId: str | None = None
    prepayId: str
    transactionId: str | None = None
    merchantTradeNo: str
    status: str
    currency: str
    orderAmount: Decimal
    openUserId: str | None = None
    passThroughInfo: str | None = None
    commission: Decimal | None = None
    transactTime: int | None = None
    createTime: int | None = None
    paymentInfo: dict[str, Any] | None = None


class RefundResult(WireModel):
    refundId: str
    refundRequestId: str
    prepayId: str
    orderAmount: Decimal
    refundedAmount: Decimal
    refundAmount: Decimal
    remainingAttempts: int | None = None
    payerOpenId: str | None = None
    duplicateRequest: str | None = None


class RefundQueryResult(RefundResult):
    refundedCommission: Decimal | None = None
    refundCommission: Decimal | None = None
    refundStatus: str


class PayoutTransferResult(WireModel):
    requestId: str
    status: str


class PayoutDetail(WireModel):
    orderId: str | None = None
    merchantSendId: str
    payerId: str | None = None
    amount: Decimal
    receiveType: str
    receiver: str
    payeeId: str | None = None
    transferMethod: str | None = None
    status: str
    remark: str | None = None


class PayoutQueryResult(WireModel):
    requestId: str
    batchStatus: str
    merchantId: str | None = None
    currency: str
    totalAmount: Decimal
    totalPaidAmount: Decimal | None = None
    totalPayoutFee: Decimal | None = None
    totalNumber: int
    transferDetailList: list[PayoutDetail] = []


class ContractCreateResult(WireModel):
    merchantId: str | None = None
    preContractId: str
    contractEndTime: int | None = None
    requestExpireTime: int | None = None
    qrContent: str | None = None
    qrcodeLink: str | None = None
    deeplink: str | None = None


class ContractQueryResult(WireModel):
    bizStatus: str
    merchantContractCode: str
    serviceName: str | None = None
    singleUpperLimit: Decimal | None = None
    currency: str | None = None
    contractId: str | None = None
    preContractId: str | None = None
    openUserId: str | None = None
    merchantAccountNo: str | None = None
    contractEndTime: int | None = None
    contractTerminationWay: str | None = None
    contractTerminationTime: int | None = None


class PayNotifyResult(WireModel):
    orderId: str
    merchantRequestId: str
    transactionTime: int | None = None


class PayApplyResult(WireModel):
    orderId: str
    prepayId: str | None = None
    merchantRequestId: str
    appliedTime: int | None = None
    status: str


class BalanceItem(WireModel):
    asset: str
    available: Decimal
    freeze: Decimal = Decimal(0)
    availableFiatValuation: Decimal | None = None
    availableBtcValuation: Decimal | None = None


class BalanceResult(WireModel):
    balance: list[BalanceItem]
    wallet: str | None = None
    updateTime: int | None = None
    fiat: str | None = None


class CertificateItem(WireModel):
    certSerial: str
    certPublic: str


class ReportFileItem(WireModel):
    reportType: str
    transactionType: str | None = None
    transactionDate: str | None = None
    fileName: str
    downloadUrl: str


class WalletTransferResult(WireModel):
    tranId: str
    status: str
    currency: str | None = None
    amount: Decimal | None = None
    transferType: str | None = None


class SubMerchantResult(WireModel):
    subMerchantId: str


class WebhookEnvelope(WireModel):
    bizType: str
    bizId: str
    bizIdStr: str | None = None
    bizStatus: str
    data: Any = None
