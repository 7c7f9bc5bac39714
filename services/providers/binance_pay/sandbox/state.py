"""In-memory records of the sandbox: what Binance would keep in its databases."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal(0)
WALLETS = ("FUNDING_WALLET", "SPOT_WALLET")


@dataclass
class Order:
    prepay_id: str
    merchant_trade_no: str
    amount: Decimal
    currency: str
    created_ms: int
    expire_ms: int
    origin_path: str
    terminal_type: str = "WEB"
    trade_type: str = "WEB"
    product_name: str = ""
    product_type: str | None = None
    pass_through: str | None = None
    webhook_url: str | None = None
    fiat_currency: str | None = None
    fiat_amount: Decimal | None = None
    status: str = "INITIAL"
    payment_in_flight: bool = False
    transaction_id: str | None = None
    open_user_id: str | None = None
    transact_ms: int | None = None
    commission: Decimal = ZERO
    refunded: Decimal = ZERO
    refund_attempts: int = 0
    pending_refunds: int = 0


@dataclass
class Refund:
    refund_id: str
    refund_request_id: str
    prepay_id: str
    amount: Decimal
    refunded_after: Decimal
    remaining_attempts: int
    commission: Decimal
    created_ms: int
    origin_path: str
    webhook_url: str | None = None
    status: str = "REFUND_PENDING"


@dataclass
class PayoutLine:
    order_id: str
    merchant_send_id: str
    receive_type: str
    receiver: str
    amount: Decimal
    transfer_method: str
    remark: str | None = None
    status: str = "PROCESSING"
    payee_id: str | None = None


@dataclass
class PayoutBatch:
    payout_id: str
    request_id: str
    batch_name: str
    currency: str
    total_amount: Decimal
    total_number: int
    lines: list[PayoutLine]
    created_ms: int
    origin_path: str
    biz_scene: str = "DIRECT_TRANSFER"
    webhook_url: str | None = None
    status: str = "ACCEPTED"


@dataclass
class Contract:
    pre_contract_id: str
    merchant_contract_code: str
    service_name: str
    scenario_code: str
    single_limit: Decimal
    currency: str
    periodic: bool
    request_expire_ms: int
    contract_end_ms: int
    created_ms: int
    origin_path: str
    merchant_account_no: str | None = None
    cycle_type: str | None = None
    cycle_value: int | None = None
    first_deduct_ms: int | None = None
    webhook_url: str | None = None
    contract_id: str | None = None
    status: str = "INITIAL"
    open_user_id: str | None = None
    termination_way: str | None = None
    termination_ms: int | None = None


@dataclass
class DebitNotice:
    order_id: str
    merchant_request_id: str
    contract_id: str
    estimated_amount: Decimal
    currency: str
    created_ms: int


@dataclass
class Debit:
    order_id: str
    prepay_id: str
    merchant_request_id: str
    contract_id: str
    amount: Decimal
    currency: str
    applied_ms: int
    status: str = "PROCESSING"


@dataclass
class WalletTransfer:
    tran_id: str
    currency: str
    amount: Decimal
    transfer_type: str
    created_ms: int
    status: str = "SUCCESS"


@dataclass(frozen=True)
class LedgerEntry:
    time_ms: int
    kind: str  # PAYMENT, FEE, REFUND, PAYOUT, PAYOUT_RETURN, DIRECT_DEBIT, TRANSFER, ADJUSTMENT
    wallet: str
    currency: str
    amount: Decimal  # signed: + credits the merchant
    reference: str
    merchant_reference: str


class IdFactory:
    """Numeric ids like Binance's. Prepay and contract ids start above 2**63 on purpose:
    a client that squeezes them through int64 or float fails loudly in tests."""

    BASES = {
        "prepay": 9_300_000_000_000_000_000,
        "contract": 9_400_000_000_000_000_000,
        "pre_contract": 580_000_000_000_000_000,
        "refund": 284_000_000_000_000_000,
        "payout": 391_000_000_000_000_000,
        "payout_line": 392_000_000_000_000_000,
        "notice": 455_000_000_000_000_000,
        "debit": 456_000_000_000_000_000,
        "transaction": 100_000_000_000,
        "user": 350_000_000,
        "submerchant": 300_000_000,
    }

    #: Kinds whose ids name things the merchant stores (unique there): these never repeat.
    STORED = ("prepay", "contract", "pre_contract", "refund", "payout", "payout_line", "notice",
              "debit")

    def __init__(self, first: int | None = None) -> None:
        # Counting from 1 on every start re-issued the previous run's ids: the merchant's store
        # still holds them (a unique-constraint error on the first new order, refunds aimed at
        # an old order). Starting at the wall clock in microseconds keeps every run above every
        # earlier one for as long as a run issues fewer ids than microseconds pass before the
        # next start, and leaves 1e17 ids of room under each base.
        start = time.time_ns() // 1_000 if first is None else first
        self._counters = {kind: itertools.count(start + 1 if kind in self.STORED else 1)
                          for kind in self.BASES}

    def next(self, kind: str) -> str:
        return str(self.BASES[kind] + next(self._counters[kind]))


class Wallets:
    """Available and frozen balance per (wallet, asset), with a ledger of every movement."""

    def __init__(self) -> None:
        self.available: dict[tuple[str, str], Decimal] = {}
        self.frozen: dict[tuple[str, str], Decimal] = {}
        self.ledger: list[LedgerEntry] = []
        self.updated_ms = 0

    def get(self, wallet: str, asset: str) -> tuple[Decimal, Decimal]:
        return self.available.get((wallet, asset), ZERO), self.frozen.get((wallet, asset), ZERO)

    def set(self, wallet: str, asset: str, value: Decimal, now: int) -> None:
        old = self.available.get((wallet, asset), ZERO)
        self.available[(wallet, asset)] = value
        self.frozen.setdefault((wallet, asset), ZERO)
        self.updated_ms = now
        if value != old:
            self.ledger.append(
                LedgerEntry(now, "ADJUSTMENT", wallet, asset, value - old, "sandbox", "")
            )

    def move(
        self,
        wallet: str,
        asset: str,
        delta: Decimal,
        now: int,
        *,
        kind: str,
        reference: str,
        merchant_reference: str = "",
        freeze: bool = False,
    ) -> None:
        """Credit (+) or debit (-) available; ``freeze`` parks a debit in the frozen column."""
        key = (wallet, asset)
        self.available[key] = self.available.get(key, ZERO) + delta
        if freeze:
            self.frozen[key] = self.frozen.get(key, ZERO) - delta
        self.updated_ms = now
        self.ledger.append(
            LedgerEntry(now, kind, wallet, asset, delta, reference, merchant_reference)
        )

    def release(self, wallet: str, asset: str, amount: Decimal, *, back_to_available: bool,
                now: int, reference: str, merchant_reference: str = "") -> None:
        """Settle a frozen amount: gone for good, or returned to available."""
        key = (wallet, asset)
        self.frozen[key] = self.frozen.get(key, ZERO) - amount
        self.updated_ms = now
        if back_to_available:
            self.available[key] = self.available.get(key, ZERO) + amount
            self.ledger.append(
                LedgerEntry(now, "PAYOUT_RETURN", wallet, asset, amount, reference,
                            merchant_reference)
            )

    def assets(self) -> list[str]:
        return sorted({asset for (_, asset) in self.available} | {a for (_, a) in self.frozen})


@dataclass
class Timings:
    """Delays (seconds of sandbox time) between a cause and its outcome."""

    payment_settle_s: int = 2
    close_settle_s: int = 1
    refund_settle_s: int = 3
    payout_processing_s: int = 2
    payout_settle_s: int = 5
    receipt_window_s: int = 72 * 3600
    debit_settle_s: int = 3
    predebit_frozen_s: int = 24 * 3600
    default_order_ttl_s: int = 3600
    default_contract_sign_window_s: int = 3600
    webhook_delay_s: int = 1
    webhook_retry_s: tuple[int, ...] = (15, 30, 60, 300, 900, 3600)
    #: Share of each payment Binance keeps as its fee.
    commission_rate: Decimal = Decimal("0.004")
    fx_usd: dict[str, Decimal] = field(
        default_factory=lambda: {
            "USDT": Decimal(1), "USDC": Decimal(1), "BUSD": Decimal(1), "FDUSD": Decimal(1),
            "BNB": Decimal(600), "BTC": Decimal(60000), "ETH": Decimal(3000),
            "MBOX": Decimal("0.1"), "USD": Decimal(1), "HKD": Decimal("0.128"),
            "EUR": Decimal("1.08"),
        }
    )
