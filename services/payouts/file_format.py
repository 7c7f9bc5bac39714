"""The payout file format: its columns, the header names we recognise, and the template.

The format is documented for people in FORMAT.md next to this module; keep the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from services.core.money import CRYPTO_CURRENCIES, STABLECOINS
from services.files.reading import IGNORED_IN_HEADERS, normalise_header

RECEIVE_TYPES: tuple[str, ...] = ("BINANCE_ID", "EMAIL")
# Binance Pay pays out crypto only; BUSD is retired, so a BUSD line could never be paid.
PAYOUT_CURRENCIES: frozenset[str] = CRYPTO_CURRENCIES - {"BUSD"}
USD_PEGGED: frozenset[str] = STABLECOINS & PAYOUT_CURRENCIES

# Lines per provider batch are the provider's (Capabilities.max_payout_lines, through
# services.payouts.terms); these limits are the file's own.
REMARK_MAX_CHARS = 128
SEND_ID_MAX_CHARS = 32


@dataclass(frozen=True, slots=True)
class Column:
    name: str  # canonical name, used in code and in the template header
    label: str  # how the column is named to people
    required: bool
    aliases: tuple[str, ...]


COLUMNS: tuple[Column, ...] = (
    Column(
        "receive_type",
        "receive type",
        True,
        ("receivetype", "receivertype", "recipienttype", "type", "idtype", "accounttype"),
    ),
    Column(
        "receiver",
        "receiver",
        True,
        ("receiver", "recipient", "payee", "receiverid", "recipientid", "account", "beneficiary"),
    ),
    Column("amount", "amount", True, ("amount", "transferamount", "payoutamount", "sum", "value")),
    Column("currency", "currency", True, ("currency", "asset", "coin", "token", "ccy")),
    Column("remark", "remark", False, ("remark", "remarks", "note", "notes", "memo", "comment")),
    Column(
        "merchant_send_id",
        "merchant send id",
        False,
        ("merchantsendid", "sendid", "payoutid", "transferid", "merchantid", "reference"),
    ),
)
COLUMN_BY_NAME: dict[str, Column] = {column.name: column for column in COLUMNS}
REQUIRED_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.required)

_ALIASES: dict[str, str] = {}
for _column in COLUMNS:
    for _alias in (*_column.aliases, _column.name):
        _ALIASES[IGNORED_IN_HEADERS.sub("", _alias.lower())] = _column.name


def canonical_column(header: str) -> str | None:
    """The canonical column a header cell names, or None when we do not know it."""
    return _ALIASES.get(normalise_header(header))


def template_csv() -> bytes:
    """The downloadable template, UTF-8 with a BOM so that Excel picks the right encoding."""
    return resources.files(__package__).joinpath("template.csv").read_bytes()
