"""Balances, wallet transfers, sub-merchants, certificates and ledger-built reports."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from . import validate as v
from .gateway import ApiFail
from .state import WALLETS, ZERO, LedgerEntry, WalletTransfer
from .world import World

REPORT_KINDS = {
    ("Transaction", "Payment"): ("PAYMENT", "FEE", "DIRECT_DEBIT", "REFUND"),
    ("Transaction", "Payout"): ("PAYOUT", "PAYOUT_RETURN"),
    ("Settlement", "Payment"): ("PAYMENT", "FEE", "DIRECT_DEBIT"),
    ("Settlement", "Refund"): ("REFUND",),
}
MAX_REPORT_DAYS = 92
FILE_RE = re.compile(r"^(Transaction|Settlement)_(Payment|Payout|Refund)_(\d{8})\.csv$")


def _balance_rows(world: World, wallet: str, currency: str | None) -> list[dict[str, Any]]:
    assets = [currency] if currency else world.wallets.assets()
    btc = world.timings.fx_usd["BTC"]
    rows = []
    for asset in assets:
        available, frozen = world.wallets.get(wallet, asset)
        usd = available * world.timings.fx_usd.get(asset, ZERO)
        rows.append(
            {
                "asset": asset,
                "available": v.amount_number(available),
                "freeze": v.amount_number(frozen),
                "availableFiatValuation": v.amount_number(usd),
                "availableBtcValuation": v.amount_number(usd / btc),
            }
        )
    return rows


def balance_v2(world: World, params: dict[str, Any], path: str) -> dict[str, Any]:
    wallet = v.choice(params, "wallet", frozenset(WALLETS))
    currency = v.currency(params, "currency", need=False)
    return {
        "balance": _balance_rows(world, wallet, currency),
        "wallet": wallet,
        "updateTime": world.wallets.updated_ms or world.now(),
        "fiat": "USD",
    }


def balance_v1(world: World, params: dict[str, Any], path: str) -> dict[str, Any]:
    # The v1 answer is undocumented; the v2 shape is the least surprising stand-in.
    v.required(params, "currency")
    return balance_v2(world, params, path)


def wallet_transfer(world: World, params: dict[str, Any], path: str) -> dict[str, Any]:
    request_id = v.text(params, "requestId", max_len=32, alnum=True)
    currency = v.currency(params, "currency")
    amount = v.amount(params, "amount")
    kind = v.choice(params, "transferType", {"TO_MAIN", "TO_PAY"})
    if request_id in world.transfers:
        raise ApiFail("400102", "requestId was already used")
    source, target = (
        ("FUNDING_WALLET", "SPOT_WALLET")
        if kind == "TO_MAIN"
        else ("SPOT_WALLET", "FUNDING_WALLET")
    )
    if world.wallets.get(source, currency)[0] < amount:  # type: ignore[arg-type,operator]
        raise ApiFail("400304", f"Not enough {currency} in {source}")
    now = world.now()
    for wallet, delta in ((source, -amount), (target, amount)):  # type: ignore[operator]
        world.wallets.move(
            wallet,
            currency,
            delta,
            now,
            kind="TRANSFER",  # type: ignore[arg-type]
            reference=request_id,
            merchant_reference=request_id,
        )  # type: ignore[arg-type]
    item = WalletTransfer(request_id, currency, amount, kind, now)  # type: ignore[arg-type]
    world.transfers[item.tran_id] = item
    return _transfer_answer(item)


def _transfer_answer(item: WalletTransfer) -> dict[str, Any]:
    return {
        "tranId": item.tran_id,
        "status": item.status,
        "currency": item.currency,
        "amount": v.amount_text(item.amount),
        "transferType": item.transfer_type,
    }


def wallet_transfer_query(world: World, params: dict[str, Any], path: str) -> dict[str, Any]:
    tran_id = str(v.required(params, "tranId"))
    item = world.transfers.get(tran_id)
    if item is None:
        raise ApiFail("400202", "Transfer not found")
    return _transfer_answer(item)


def submerchant_add(world: World, params: dict[str, Any], path: str) -> dict[str, Any]:
    name = v.text(params, "merchantName", max_len=128)
    kind = v.integer(params, "merchantType")
    if kind not in (1, 2, 3, 4, 5):
        raise ApiFail("400102", "merchantType must be 1 to 5")
    v.text(params, "merchantMcc", max_len=8)
    v.text(params, "country", max_len=256)
    if name in world.sub_merchants:
        raise ApiFail("400205", "Sub-merchant already exists")
    world.sub_merchants[name] = world.ids.next("submerchant")  # type: ignore[index]
    return {"subMerchantId": int(world.sub_merchants[name])}  # type: ignore[index]


def certificates(world: World, params: dict[str, Any], path: str) -> list[dict[str, str]]:
    return [{"certSerial": world.signer.cert_serial, "certPublic": world.signer.public_pem}]


def _day(text: Any, name: str) -> date:
    try:
        return datetime.strptime(str(text), "%d/%m/%Y").date()
    except ValueError:
        raise ApiFail("400102", f"{name} must be dd/MM/yyyy") from None


def _entry_day(entry: LedgerEntry) -> date:
    return datetime.fromtimestamp(entry.time_ms / 1000, tz=UTC).date()


def report(world: World, params: dict[str, Any], path: str) -> list[dict[str, str]]:
    kind = v.choice(params, "reportType", {"Transaction", "Settlement"})
    start = _day(v.required(params, "startDate"), "startDate")
    end = _day(v.required(params, "endDate"), "endDate")
    if end < start or (end - start).days > MAX_REPORT_DAYS:
        raise ApiFail("400102", "endDate must follow startDate by at most 3 months")
    if kind == "Transaction":
        subtypes = [v.choice(params, "transactionType", {"Payment", "Payout"})]
    else:
        subtypes = ["Payment", "Refund"]
    files = []
    for subtype in subtypes:
        kinds = REPORT_KINDS[(kind, subtype)]
        days = sorted({_entry_day(e) for e in world.wallets.ledger if e.kind in kinds})
        for day in days:
            if start <= day <= end:
                name = f"{kind}_{subtype}_{day:%Y%m%d}.csv"
                files.append(
                    {
                        "reportType": kind,
                        "transactionType": subtype,
                        "transactionDate": day.strftime("%d/%m/%Y"),
                        "fileName": name,
                        "downloadUrl": world.link("reports", name),
                    }
                )
    return files


def report_csv(world: World, file_name: str) -> bytes | None:
    """The content behind a report ``downloadUrl``, rebuilt from the ledger on demand."""
    match = FILE_RE.match(file_name)
    if not match or (match[1], match[2]) not in REPORT_KINDS:
        return None
    kinds = REPORT_KINDS[(match[1], match[2])]
    day = datetime.strptime(match[3], "%Y%m%d").replace(tzinfo=UTC)
    lo, hi = day.timestamp() * 1000, (day + timedelta(days=1)).timestamp() * 1000
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["time_utc", "type", "wallet", "currency", "amount", "reference", "merchant_reference"]
    )
    for e in world.wallets.ledger:
        if e.kind in kinds and lo <= e.time_ms < hi:
            when = datetime.fromtimestamp(e.time_ms / 1000, tz=UTC).isoformat()
            writer.writerow(
                [
                    when,
                    e.kind,
                    e.wallet,
                    e.currency,
                    v.amount_text(e.amount),
                    e.reference,
                    e.merchant_reference,
                ]
            )
    return out.getvalue().encode("utf-8")


def sum_ledger(entries: list[LedgerEntry], currency: str) -> Decimal:
    return sum((e.amount for e in entries if e.currency == currency), ZERO)
