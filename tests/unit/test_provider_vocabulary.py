"""Above the provider port PayDesk speaks one vocabulary for every provider.

Binance Pay's field names, event names and status words live in its own package (and in the
migrations that created the old columns). Anywhere else in services/ or data/ they mean that a
rule was written for one provider only, so this test fails on the first one it finds.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("services", "data")
#: Where Binance's vocabulary belongs.
EXEMPT = ("services/providers/binance_pay/", "data/migrations/versions/")
# Migrations up to the one that renamed the old columns (0013) may name them.
NEUTRAL_SINCE = "0014"

BINANCE_WORDS = re.compile(
    r"merchantTradeNo|prepayId|bizType|bizStatus|bizIdStr|\bbizId\b|merchantContractCode"
    r"|merchantSendId|refundRequestId|contractIdStr|openUserId|transactTime"
    r"|\bPAY_SUCCESS\b|\bPAY_CLOSED\b|\bPAY_REFUND\b|\bREFUND_SUCCESS\b|\bREFUND_REJECTED?\b"
    r"|\bREFUND_FAIL\b|\bDIRECT_DEBIT_CT\b|\bPAYOUT_NON_BN\b|\bCONTRACT_SIGNED\b"
    r"|\bCONTRACT_TERMINATED\b|\bCONTRACT_EXPIRED\b|BinancePay-|binancepay-"
    r"|\bmerchant_trade_no\b|\bprepay_id\b|\bbiz_type\b|\bbiz_status\b|\bbiz_id(_str)?\b"
    r"|\bcertificate_sn\b"
    # a rule written for Binance only: comparing an item's provider with its name
    r"|[!=]=\s*[\"']binance_pay[\"']|[\"']binance_pay[\"']\s*[!=]="
)


def _scanned_files() -> list[Path]:
    files = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith("services/providers/binance_pay/"):
                continue
            if rel.startswith("data/migrations/versions/") and path.name < NEUTRAL_SINCE:
                continue
            files.append(path)
    return files


def test_no_binance_word_above_the_port() -> None:
    found = []
    for path in _scanned_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = BINANCE_WORDS.search(line)
            if match:
                rel = path.relative_to(ROOT).as_posix()
                found.append(f"{rel}:{number}: {match.group(0)!r} in {line.strip()[:90]}")
    assert not found, "Binance Pay's vocabulary outside its package:\n" + "\n".join(found)


def test_the_scan_sees_the_core_and_would_catch_a_binance_word() -> None:
    scanned = {p.relative_to(ROOT).as_posix() for p in _scanned_files()}
    assert "services/inbound/receiver.py" in scanned and "data/models/orders.py" in scanned
    assert not any(p.startswith("services/providers/binance_pay/") for p in scanned)
    for planted in ('if order.provider == "binance_pay":', "data.get('merchantTradeNo')",
                    'status == "PAY_SUCCESS"', "order.prepay_id"):
        assert BINANCE_WORDS.search(planted), planted
    for neutral in ("order.merchant_order_id", "event.provider_status", "REFUND_SETTLED"):
        assert not BINANCE_WORDS.search(neutral), neutral
