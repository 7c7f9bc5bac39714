"""Synchronous Binance Pay merchant API client: one typed method per endpoint.

Retry policy (constants below): a request is sent again only when doing so cannot move money
twice, and always with the same body, hence the same merchant ids:

- the connection failed before anything was sent (connect error/timeout, pool timeout);
- Binance answered 400000 (unknown error, "try again later");
- Binance answered 400003 (timestamp outside its window); the auth hook signs every attempt
  with a fresh timestamp and nonce.

A timeout or dropped connection after the request was sent raises ``UnknownOutcome`` at once:
the caller resolves it with the query endpoint or repeats the call with the SAME ids.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter

from services.providers.attempts import AttemptRecord

from . import endpoints as ep
from . import errors, models, wire
from .auth import BinancePaySignature, now_ms, random_nonce

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=3.0)
DEFAULT_MAX_RETRIES = 2
INITIAL_RETRY_DELAY = 0.25
MAX_RETRY_DELAY = 4.0
USER_AGENT = "paydesk-binance-pay/0.1"

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# A proxy may have forwarded the body before failing, a redirect loop and an undecodable body
# both mean the request went out: none of them says whether money moved.
_MAYBE_SENT = (
    httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError,
    httpx.DecodingError, httpx.TooManyRedirects,
)

M = TypeVar("M", bound=BaseModel)


def _drop_none(payload: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if v is not None}


def _long_id(value: str | int) -> int:
    """Binance types contract/notice ids as ``long`` on requests; Python ints are exact."""
    text = str(value)
    if not text.isdigit():
        raise errors.InvalidParamWrongValue(f"id {value!r} is not numeric", code="400102")
    return int(text)


class BinancePayClient:
    """Talks to Binance Pay (or the sandbox, through ``base_url`` or ``transport``)."""

    def __init__(
        self,
        api_key: str,
        api_secret: str,
        *,
        base_url: str = ep.PRODUCTION_BASE_URL,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        clock: Callable[[], int] = now_ms,
        nonce_factory: Callable[[], str] = random_nonce,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._auth = BinancePaySignature(
            api_key, api_secret, clock=clock, nonce_factory=nonce_factory
        )
        self._http = httpx.Client(
            base_url=base_url,
            transport=transport,
            timeout=timeout,
            auth=self._auth,
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
        )
        self._max_retries = max_retries
        self._sleep = sleep

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> BinancePayClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- transport ---------------------------------------------------------------------

    def call(
        self, path: str, payload: Mapping[str, Any], *, merchant_request_id: str | None = None
    ) -> Any:
        """POST ``payload`` to ``path`` and return the envelope's ``data``.

        The body is serialized once; every attempt sends these same bytes.
        """
        body = wire.encode_body(payload)
        attempt = 0
        record = AttemptRecord()
        while True:
            try:
                response = self._http.post(path, content=body)
            except _NOT_SENT as exc:
                refused = errors.Unreachable(
                    f"could not reach Binance Pay: {exc!r}",
                    merchant_request_id=merchant_request_id,
                    provider=errors.PROVIDER,
                )
                if attempt < self._max_retries:
                    record.failed(refused)
                    attempt += 1
                    self._backoff(attempt)
                    continue
                raise record.settle(refused) from exc
            except (*_MAYBE_SENT, httpx.HTTPError) as exc:
                # Any other httpx failure lands here too: a raw httpx exception must never
                # reach a user, and "maybe sent" is the only safe reading of one we did not foresee.
                raise errors.UnknownOutcome(
                    f"no answer from Binance Pay after sending {path}: {exc!r}; "
                    "query or repeat with the same merchant id",
                    merchant_request_id=merchant_request_id,
                    provider=errors.PROVIDER,
                ) from exc
            try:
                return self._interpret(response, merchant_request_id)
            except errors.BinancePayError as exc:
                if exc.code in errors.RETRYABLE_CODES and attempt < self._max_retries:
                    record.failed(exc)
                    attempt += 1
                    self._backoff(attempt)
                    continue
                settled = record.settle(exc)
                if settled is exc:
                    raise
                raise settled from exc

    def _backoff(self, attempt: int) -> None:
        delay = min(MAX_RETRY_DELAY, INITIAL_RETRY_DELAY * 2 ** (attempt - 1))
        self._sleep(delay * (0.75 + random.random() / 2))  # float-ok: jitter, not money

    @staticmethod
    def _interpret(response: httpx.Response, merchant_request_id: str | None) -> Any:
        status = response.status_code
        try:
            body = wire.loads(response.content)
        except ValueError:
            body = None
        common = {
            "http_status": status,
            "merchant_request_id": merchant_request_id,
            "provider": errors.PROVIDER,
        }
        if not isinstance(body, dict):
            snippet = response.text[:200]
            if status == 429:
                raise errors.RateLimited(f"rate limited: {snippet}", **common)
            if status >= 500:
                raise errors.ServerError(f"HTTP {status} from Binance Pay: {snippet}", **common)
            if status == 403:
                raise errors.EndpointNotFound(f"HTTP 403 (unknown endpoint?): {snippet}", **common)
            raise errors.BadResponse(f"unexpected HTTP {status} answer: {snippet}", **common)
        if body.get("status") == "SUCCESS" and str(body.get("code", "000000")) == "000000":
            return body.get("data")
        code = str(body.get("code") or "")
        message = str(body.get("errorMessage") or body.get("msg") or body.get("errorData") or "")
        if not code:
            if status >= 500:
                raise errors.ServerError(f"HTTP {status}: {message}", **common)
            raise errors.BadResponse(f"envelope without code: {str(body)[:200]}", **common)
        raise errors.error_for_code(
            code, message, http_status=status, merchant_request_id=merchant_request_id
        )

    def _typed(self, model: type[M], path: str, payload: Mapping[str, Any], rid: str | None) -> M:
        data = self.call(path, _drop_none(payload), merchant_request_id=rid)
        try:
            return model.model_validate(data)
        except ValueError as exc:
            raise errors.BadResponse(
                f"{path} answered data that does not fit {model.__name__}: {exc}",
                merchant_request_id=rid,
                provider=errors.PROVIDER,
            ) from exc

    # -- orders ------------------------------------------------------------------------

    def create_order_v3(
        self,
        *,
        merchant_trade_no: str,
        description: str,
        goods_details: Sequence[Mapping[str, Any]],
        order_amount: Decimal | None = None,
        currency: str | None = None,
        fiat_amount: Decimal | None = None,
        fiat_currency: str | None = None,
        terminal_type: str = "WEB",
        env: Mapping[str, Any] | None = None,
        sub_merchant_id: str | None = None,
        return_url: str | None = None,
        cancel_url: str | None = None,
        order_expire_time: int | None = None,
        support_pay_currency: str | None = None,
        pass_through_info: str | None = None,
        webhook_url: str | None = None,
        shipping: Mapping[str, Any] | None = None,
        buyer: Mapping[str, Any] | None = None,
        direct_debit_contract: Mapping[str, Any] | None = None,
        order_tags: Mapping[str, Any] | None = None,
    ) -> models.CreateOrderResult:
        payload = {
            "merchant": {"subMerchantId": sub_merchant_id} if sub_merchant_id else None,
            "env": {"terminalType": terminal_type, **(env or {})},
            "merchantTradeNo": merchant_trade_no,
            "orderAmount": order_amount,
            "currency": currency,
            "fiatAmount": fiat_amount,
            "fiatCurrency": fiat_currency,
            "description": description,
            "goodsDetails": list(goods_details),
            "shipping": shipping,
            "buyer": buyer,
            "returnUrl": return_url,
            "cancelUrl": cancel_url,
            "orderExpireTime": order_expire_time,
            "supportPayCurrency": support_pay_currency,
            "passThroughInfo": pass_through_info,
            "webhookUrl": webhook_url,
            "directDebitContract": direct_debit_contract,
            "orderTags": order_tags,
        }
        return self._typed(models.CreateOrderResult, ep.ORDER_V3, payload, merchant_trade_no)

    def create_order_v2(
        self,
        *,
        merchant_trade_no: str,
        order_amount: Decimal,
        currency: str,
        goods: Mapping[str, Any],
        terminal_type: str = "WEB",
        env: Mapping[str, Any] | None = None,
        sub_merchant_id: str | None = None,
        return_url: str | None = None,
        cancel_url: str | None = None,
        order_expire_time: int | None = None,
        support_pay_currency: str | None = None,
        pass_through_info: str | None = None,
        webhook_url: str | None = None,
        shipping: Mapping[str, Any] | None = None,
        buyer: Mapping[str, Any] | None = None,
    ) -> models.CreateOrderResult:
        payload = {
            "merchant": {"subMerchantId": sub_merchant_id} if sub_merchant_id else None,
            "env": {"terminalType": terminal_type, **(env or {})},
            "merchantTradeNo": merchant_trade_no,
            "orderAmount": order_amount,
            "currency": currency,
            "goods": goods,
            "shipping": shipping,
            "buyer": buyer,
            "returnUrl": return_url,
            "cancelUrl": cancel_url,
            "orderExpireTime": order_expire_time,
            "supportPayCurrency": support_pay_currency,
            "passThroughInfo": pass_through_info,
            "webhookUrl": webhook_url,
        }
        return self._typed(models.CreateOrderResult, ep.ORDER_V2, payload, merchant_trade_no)

    def query_order(
        self, *, prepay_id: str | None = None, merchant_trade_no: str | None = None
    ) -> models.OrderQueryResult:
        payload = {"prepayId": prepay_id, "merchantTradeNo": merchant_trade_no}
        return self._typed(models.OrderQueryResult, ep.ORDER_QUERY_V2, payload, merchant_trade_no)

    def close_order(
        self, *, prepay_id: str | None = None, merchant_trade_no: str | None = None
    ) -> bool:
        payload = _drop_none({"prepayId": prepay_id, "merchantTradeNo": merchant_trade_no})
        return bool(self.call(ep.ORDER_CLOSE, payload, merchant_request_id=merchant_trade_no))

    def refund(
        self,
        *,
        refund_request_id: str,
        prepay_id: str,
        refund_amount: Decimal,
        refund_reason: str | None = None,
        webhook_url: str | None = None,
    ) -> models.RefundResult:
        payload = {
            "refundRequestId": refund_request_id,
            "prepayId": prepay_id,
            "refundAmount": refund_amount,
            "refundReason": refund_reason,
            "webhookUrl": webhook_url,
        }
        return self._typed(models.RefundResult, ep.REFUND, payload, refund_request_id)

    def query_refund(self, *, refund_request_id: str) -> models.RefundQueryResult:
        payload = {"refundRequestId": refund_request_id}
        return self._typed(models.RefundQueryResult, ep.REFUND_QUERY, payload, refund_request_id)

    # -- payouts -----------------------------------------------------------------------

    def batch_payout(
        self,
        *,
        request_id: str,
        batch_name: str,
        currency: str,
        total_amount: Decimal,
        total_number: int,
        transfer_detail_list: Sequence[Mapping[str, Any]],
        biz_scene: str | None = None,
        webhook_url: str | None = None,
        sub_merchant_id: str | None = None,
    ) -> models.PayoutTransferResult:
        payload = {
            "requestId": request_id,
            "bizScene": biz_scene,
            "batchName": batch_name,
            "currency": currency,
            "totalAmount": total_amount,
            "totalNumber": total_number,
            "transferDetailList": [_drop_none(item) for item in transfer_detail_list],
            "webhookUrl": webhook_url,
            "subMerchantId": sub_merchant_id,
        }
        return self._typed(models.PayoutTransferResult, ep.PAYOUT_TRANSFER, payload, request_id)

    def query_payout(
        self, *, request_id: str, detail_status: str | None = None
    ) -> models.PayoutQueryResult:
        payload = {"requestId": request_id, "detailStatus": detail_status}
        return self._typed(models.PayoutQueryResult, ep.PAYOUT_QUERY, payload, request_id)

    # -- direct debit ------------------------------------------------------------------

    def create_contract(
        self,
        *,
        merchant_contract_code: str,
        service_name: str,
        scenario_code: str,
        single_upper_limit: Decimal,
        currency: str = "USDT",
        periodic: bool = False,
        cycle_debit_fixed: bool | None = None,
        cycle_type: str | None = None,
        cycle_value: int | None = None,
        first_deduct_time: int | None = None,
        merchant_account_no: str | None = None,
        request_expire_time: int | None = None,
        contract_end_time: int | None = None,
        sub_merchant_id: str | None = None,
        webhook_url: str | None = None,
    ) -> models.ContractCreateResult:
        payload = {
            "subMerchantId": sub_merchant_id,
            "merchantContractCode": merchant_contract_code,
            "serviceName": service_name,
            "scenarioCode": scenario_code,
            "singleUpperLimit": single_upper_limit,
            "currency": currency,
            "periodic": periodic,
            "cycleDebitFixed": cycle_debit_fixed,
            "cycleType": cycle_type,
            "cycleValue": cycle_value,
            "firstDeductTime": first_deduct_time,
            "merchantAccountNo": merchant_account_no,
            "requestExpireTime": request_expire_time,
            "contractEndTime": contract_end_time,
            "webhookUrl": webhook_url,
        }
        return self._typed(
            models.ContractCreateResult, ep.CONTRACT_CREATE, payload, merchant_contract_code
        )

    def query_contract(
        self, *, merchant_contract_code: str | None = None, contract_id: str | None = None
    ) -> models.ContractQueryResult:
        payload = {
            "merchantContractCode": merchant_contract_code,
            "contractId": _long_id(contract_id) if contract_id is not None else None,
        }
        return self._typed(
            models.ContractQueryResult, ep.CONTRACT_QUERY, payload, merchant_contract_code
        )

    def terminate_contract(
        self,
        *,
        merchant_contract_code: str | None = None,
        contract_id: str | None = None,
        termination_notes: str | None = None,
    ) -> bool:
        payload = _drop_none(
            {
                "merchantContractCode": merchant_contract_code,
                "contractId": _long_id(contract_id) if contract_id is not None else None,
                "terminationNotes": termination_notes,
            }
        )
        return bool(
            self.call(ep.CONTRACT_TERMINATE, payload, merchant_request_id=merchant_contract_code)
        )

    def pay_notify(
        self,
        *,
        merchant_request_id: str,
        contract_id: str,
        estimated_amount: Decimal,
        currency: str = "USDT",
        sub_merchant_id: str | None = None,
    ) -> models.PayNotifyResult:
        payload = {
            "subMerchantId": sub_merchant_id,
            "merchantRequestId": merchant_request_id,
            "tradeMode": "DIRECT_DEBIT",
            "bizId": _long_id(contract_id),
            "estimatedAmount": estimated_amount,
            "currency": currency,
        }
        return self._typed(models.PayNotifyResult, ep.PAY_NOTIFY, payload, merchant_request_id)

    def pay_apply(
        self,
        *,
        merchant_request_id: str,
        contract_id: str,
        amount: Decimal,
        product_name: str,
        currency: str | None = None,
        pre_biz_id: str | None = None,
        product_type: str | None = None,
        product_detail: str | None = None,
        webhook_url: str | None = None,
        sub_merchant_id: str | None = None,
    ) -> models.PayApplyResult:
        payload = {
            "subMerchantId": sub_merchant_id,
            "merchantRequestId": merchant_request_id,
            "tradeMode": "DIRECT_DEBIT",
            "bizId": _long_id(contract_id),
            "preBizId": _long_id(pre_biz_id) if pre_biz_id is not None else None,
            "amount": amount,
            "currency": currency,
            "productType": product_type,
            "productName": product_name,
            "productDetail": product_detail,
            "webhookUrl": webhook_url,
        }
        return self._typed(models.PayApplyResult, ep.PAY_APPLY, payload, merchant_request_id)

    # -- wallet, certificates, reports -------------------------------------------------

    def wallet_balance(
        self, *, wallet: str = "FUNDING_WALLET", currency: str | None = None
    ) -> models.BalanceResult:
        payload = {"wallet": wallet, "currency": currency}
        return self._typed(models.BalanceResult, ep.BALANCE_V2, payload, None)

    def certificates(self) -> list[models.CertificateItem]:
        data = self.call(ep.CERTIFICATES, {})
        return _CERTS.validate_python(data)

    def download_report(
        self,
        *,
        report_type: str,
        start_date: date,
        end_date: date,
        transaction_type: str | None = None,
    ) -> list[models.ReportFileItem]:
        payload = _drop_none(
            {
                "reportType": report_type,
                "transactionType": transaction_type,
                "startDate": start_date.strftime("%d/%m/%Y"),
                "endDate": end_date.strftime("%d/%m/%Y"),
            }
        )
        return _REPORTS.validate_python(self.call(ep.REPORT_GET_FILE, payload))

    def fetch_report_file(self, download_url: str) -> bytes:
        """Download a report file; the URL is pre-signed, so the request is not."""
        try:
            response = self._http.get(download_url, auth=None)
        except httpx.HTTPError as exc:
            raise errors.BadResponse(
                f"report download failed: {exc!r}", provider=errors.PROVIDER
            ) from exc
        if response.status_code != 200:
            raise errors.BadResponse(
                f"report download answered HTTP {response.status_code}",
                http_status=response.status_code,
                provider=errors.PROVIDER,
            )
        return response.content


_CERTS = TypeAdapter(list[models.CertificateItem])
_REPORTS = TypeAdapter(list[models.ReportFileItem])
