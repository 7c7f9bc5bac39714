"""Sandbox helpers: a sample month of ledger data and a provider statement built from it.

Live mode gets statements from Binance. In sandbox mode the demo data never went through the
in-process sandbox, so its reports are empty; `sandbox_statement` writes the file Binance would
have sent for PayDesk's own records, optionally with one injected difference of every class, so
the page, the tests and the browser journey have something real to reconcile.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pandas as pd

from data.models import DirectDebit, Mandate, Order, PayoutBatch, PayoutLine, Refund
from data.queries import reconciliation as q
from data.types import from_scaled_int
from services.core.context import Services
from services.core.errors import ConfigurationError
from services.reconciliation import matching as m
from services.reconciliation.runs import ledger_frame, period_bounds
from services.reconciliation.statements import BINANCE_COLUMNS

_HEADER = [BINANCE_COLUMNS[k] for k in ("time", "type")] + [
    "wallet", BINANCE_COLUMNS["currency"], BINANCE_COLUMNS["amount"],
    BINANCE_COLUMNS["provider_id"], BINANCE_COLUMNS["merchant_id"]]
_TYPES = {"payment": "PAYMENT", "refund": "REFUND", "payout": "PAYOUT", "debit": "DIRECT_DEBIT"}


@dataclass
class SandboxStatement:
    content: bytes
    # reference (merchant id as the item shows it) -> the class the injection must produce
    expected: dict[str, str] = field(default_factory=dict)


def _text(scaled: int) -> str:
    return f"{from_scaled_int(scaled):f}"


def _ref(value: object) -> str:
    """A reference cell; a missing one is empty. pandas' text columns hold a missing value as
    NaN, which is truthy: `value or ""` wrote the word "nan" as every id-less line's reference,
    and all those lines then looked like one line repeated (duplicates, and their ledger items
    missing at provider)."""
    return "" if value is None or pd.isna(value) else str(value)


def sandbox_statement(services: Services, start: date, end: date, *,
                      inject: bool = False) -> SandboxStatement:
    if services.settings.mode != "sandbox":
        raise ConfigurationError("sample statements exist in sandbox mode only")
    lo, hi = period_bounds(start, end, services.settings.timezone)
    with services.uow() as uow:
        ledger = ledger_frame(q.ledger_rows(uow.session, lo, hi))
    ledger = ledger.sort_values(["at", "kind", "ledger_ref"], kind="stable").reset_index(drop=True)
    rows: list[list[str]] = []
    expected: dict[str, str] = {}
    moved = ledger[ledger["expect"] != m.NONE]
    picks: dict[str, int] = {}
    if inject:
        payments = moved.index[(moved["kind"] == "payment").to_numpy()].tolist()
        with_fee = [i for i in payments if ledger.at[i, "fee"] != m.NULL_INT]
        none = ledger.index[(ledger["expect"] == m.NONE) & (ledger["kind"] == "payment")].tolist()
        refunds = moved.index[(moved["kind"] == "refund").to_numpy()].tolist()
        for name, pool, position in (("amount_mismatch", payments, 1), ("fee", with_fee, 3),
                                     ("missing", payments, 5), ("by_merchant", payments, 7),
                                     ("by_amount", payments, 9), ("duplicate", refunds, 0),
                                     ("status", none, 0)):
            taken = set(picks.values())
            free = [i for i in pool if i not in taken]
            if free:
                picks[name] = free[min(position, len(free) - 1)]
    chosen = {v: k for k, v in picks.items()}
    for i in list(moved.index) + ([picks["status"]] if "status" in picks else []):
        item = ledger.loc[i]
        what = chosen.get(i)
        ref = item["ledger_ref"]
        if what == "missing":
            expected[ref] = m.MISSING_AT_PROVIDER
            continue
        when = datetime.fromtimestamp(int(item["at"]) // 1_000_000 + 1, UTC).isoformat()
        amount = int(item["amount"])
        pref = _ref(item["provider_ref"])
        mref = ref if item["kind"] != "payout" else f"{_ref(item['group_ref'])}/{ref}"
        if what == "amount_mismatch":
            amount += 1_000_000  # 0.01
            expected[ref] = m.AMOUNT_MISMATCH
        elif what == "by_merchant":
            pref = "8" + pref[1:] if pref else ""
            expected[ref] = m.MATCHED
        elif what == "by_amount":
            pref, mref = "", ""
            expected[ref] = m.MATCHED
        elif what == "status":
            expected[ref] = m.STATUS_MISMATCH
        line = [when, _TYPES[item["kind"]], "FUNDING_WALLET", item["currency"], _text(amount),
                pref, mref]
        rows.append(line)
        if what == "duplicate":
            rows.append(list(line))
            expected[ref] = m.DUPLICATE
        if item["kind"] == "payout" and item["expect"] == m.RETURNED:
            rows.append([when, "PAYOUT_RETURN", "FUNDING_WALLET", item["currency"],
                         _text(-amount), pref, mref])
        fee = int(item["fee"])
        if fee != m.NULL_INT and fee and item["kind"] in ("payment", "debit") and pref:
            if what == "fee":
                fee += 1_000_000
                expected[ref] = m.FEE_DIFFERENCE
            rows.append([when, "FEE", "FUNDING_WALLET", item["currency"], _text(-fee), pref, mref])
    if inject:
        when = datetime.fromtimestamp(int(micros_mid(lo, hi)) // 1_000_000, UTC).isoformat()
        rows.append([when, "PAYMENT", "FUNDING_WALLET", "USDT", "12.34000000",
                     "9999000000000000001", "UNKNOWN-ORDER-1"])
        expected["UNKNOWN-ORDER-1"] = m.MISSING_IN_PAYDESK
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_HEADER)
    writer.writerows(rows)
    return SandboxStatement(out.getvalue().encode("utf-8"), expected)


def micros_mid(lo: datetime, hi: datetime) -> int:
    middle = lo + (hi - lo) / 2
    return int(middle.timestamp()) * 1_000_000


def seed_sample_month(services: Services, month_start: date, *, orders: int = 60) -> None:
    """A small, deterministic month: orders (some unpaid), refunds, a payout batch, debits."""
    if services.settings.mode != "sandbox":
        raise ConfigurationError("sample data exists in sandbox mode only")
    base = datetime.combine(month_start, datetime.min.time(), UTC) + timedelta(hours=9)
    step = timedelta(days=27) / max(orders, 1)
    with services.uow() as uow:
        s = uow.session
        paid: list[Order] = []
        for n in range(orders):
            at = base + step * n
            status = "EXPIRED" if n % 10 == 4 else "PAID"
            amount = Decimal(10 + n) + Decimal(n % 7) / 100
            order = Order(merchant_order_id=f"SO{month_start:%Y%m}{n:05d}",
                          provider_order_id=str(9_300_000_000_000_100_000 + n), amount=amount,
                          currency="USDT" if n % 3 else "USDC", status=status,
                          fee=(amount / 100).quantize(Decimal("0.00000001")) if status == "PAID"
                          else None, created_at=at - timedelta(minutes=3),
                          paid_at=at if status == "PAID" else None, updated_at=at)
            s.add(order)
            if status == "PAID":
                paid.append(order)
        s.flush()
        for k, order in enumerate(paid[2::9]):
            s.add(Refund(order_id=order.id or 0, refund_request_id=f"SR{order.merchant_order_id}",
                         provider_refund_id=str(284_000_000_000_100_000 + k),
                         amount=(order.amount / 2).quantize(Decimal("0.01")),
                         currency=order.currency, reason="CUSTOMER_REQUEST", status="SUCCESS",
                         created_at=order.paid_at + timedelta(days=1),  # type: ignore[operator]
                         completed_at=order.paid_at + timedelta(days=1, minutes=1)))  # type: ignore[operator]
        sent = base + timedelta(days=12)
        batch = PayoutBatch(request_id=f"SB{month_start:%Y%m}01", currency="USDT",
                            total_amount=Decimal("60"), line_count=4, status="PART_SUCCESS",
                            created_at=sent - timedelta(hours=1), sent_at=sent)
        s.add(batch)
        s.flush()
        for k, status in enumerate(("SUCCESS", "SUCCESS", "FAIL", "SUCCESS")):
            s.add(PayoutLine(batch_id=batch.id or 0, file_line=k + 2,
                             merchant_send_id=f"SL{month_start:%Y%m}{k:03d}", receive_type="EMAIL",
                             receiver=f"r{k}@example.com", amount=Decimal(15), currency="USDT",
                             status=status, provider_order_id=str(392_000_000_000_100_000 + k)))
        mandate = Mandate(merchant_contract_code=f"SM{month_start:%Y%m}", service_name="Plan",
                          single_upper_limit=Decimal(50), currency="USDT", status="SIGNED")
        s.add(mandate)
        s.flush()
        for k in range(3):
            at = base + timedelta(days=5 + 7 * k)
            s.add(DirectDebit(mandate_id=mandate.id or 0,
                              merchant_request_id=f"SD{month_start:%Y%m}{k:03d}",
                              provider_order_id=str(9_300_000_000_000_200_000 + k),
                              amount=Decimal(20),
                              currency="USDT", status="SUCCESS", created_at=at, completed_at=at))
        uow.commit()
