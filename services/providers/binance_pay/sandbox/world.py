"""All sandbox state in one place, plus the helpers every domain module needs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from services.providers.sandbox_kit import SandboxClock, Scheduler

from .state import (
    Contract,
    Debit,
    DebitNotice,
    IdFactory,
    Order,
    PayoutBatch,
    Refund,
    Timings,
    Wallets,
    WalletTransfer,
)
from .webhooks import Delivery, Outbox, WebhookSigner, envelope


class World:
    def __init__(
        self,
        *,
        clock: SandboxClock,
        timings: Timings,
        signer: WebhookSigner,
        merchant_id: str,
        public_base_url: str,
    ) -> None:
        self.clock = clock
        self.timings = timings
        self.signer = signer
        self.merchant_id = merchant_id
        self.public_base_url = public_base_url.rstrip("/")
        self.ids = IdFactory()
        self.wallets = Wallets()
        self.scheduler = Scheduler()
        self.outbox = Outbox(timings.webhook_retry_s)
        self.orders: dict[str, Order] = {}
        self.order_by_trade_no: dict[str, str] = {}
        self.refunds: dict[str, Refund] = {}
        self.payouts: dict[str, PayoutBatch] = {}
        self.contracts: dict[str, Contract] = {}  # by merchantContractCode
        self.contract_by_id: dict[str, str] = {}
        self.notices: dict[str, DebitNotice] = {}
        self.debits: dict[str, Debit] = {}
        self.transfers: dict[str, WalletTransfer] = {}
        self.sub_merchants: dict[str, str] = {}
        #: Email receivers that already have a Binance account (payouts settle at once).
        self.registered_receivers: set[str] = set()
        #: Receivers or payers for whom the next transfers or debits fail.
        self.failing_parties: set[str] = set()
        self.events: list[dict[str, Any]] = []
        #: Fallbacks for ids this sandbox never issued (see adoption.py); None = unknown stays unknown.
        self.adopt_order: Callable[[str | None, str | None], Order | None] | None = None
        self.adopt_contract: Callable[[str | None, str | None], Contract | None] | None = None
        self.adopt_refund: Callable[[str], Refund | None] | None = None
        self.adopt_payout: Callable[[str], PayoutBatch | None] | None = None

    def now(self) -> int:
        return self.clock.now_ms()

    def log(self, kind: str, at_ms: int | None = None, **detail: Any) -> None:
        self.events.append(
            {"time": self.now() if at_ms is None else at_ms, "event": kind, **detail}
        )

    def emit(
        self,
        biz_type: str,
        biz_id: str,
        biz_status: str,
        data: Mapping[str, Any],
        *,
        at_ms: int,
        webhook_url: str | None,
        origin_path: str,
    ) -> None:
        """Queue a notification; it leaves after the configured delivery delay."""
        body = envelope(biz_type, biz_id, biz_status, data)
        self.outbox.add(
            Delivery(
                biz_type=biz_type,
                biz_id=biz_id,
                biz_status=biz_status,
                body=body,
                due_ms=at_ms + self.timings.webhook_delay_s * 1000,
                origin_path=origin_path,
                target_url=webhook_url,
            )
        )
        self.log("webhook_queued", at_ms, bizType=biz_type, bizIdStr=biz_id, bizStatus=biz_status)

    def link(self, kind: str, ident: str) -> str:
        return f"{self.public_base_url}/sandbox/{kind}/{ident}"

    def order(self, prepay_id: str | None, merchant_trade_no: str | None) -> Order | None:
        found = None
        if prepay_id:
            found = self.orders.get(str(prepay_id))
        elif merchant_trade_no:
            key = self.order_by_trade_no.get(merchant_trade_no)
            found = self.orders.get(key) if key else None
        if found is None and self.adopt_order is not None and (prepay_id or merchant_trade_no):
            found = self.adopt_order(str(prepay_id) if prepay_id else None, merchant_trade_no)
        return found

    def contract(self, code: str | None, contract_id: Any) -> Contract | None:
        given_id = str(contract_id) if contract_id not in (None, "") else None
        if given_id is not None:
            code = self.contract_by_id.get(given_id)
        found = self.contracts.get(code) if code else None
        if found is None and self.adopt_contract is not None and (code or given_id):
            found = self.adopt_contract(None if given_id else code, given_id)
        return found
