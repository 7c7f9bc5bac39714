"""The generated data set: one dict of numpy columns per table, in foreign-key order.

Columns use `data.bulk`'s canonical form (money as int64 scaled by 10**8, times as int64 µs UTC,
`NULL_INT` for NULL). Ids and foreign keys count from 1; the writer shifts them past existing rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

Columns = dict[str, np.ndarray]

TABLE_ORDER = ("orders", "refunds", "payout_batches", "payout_lines", "mandates", "direct_debits")
FOREIGN_KEYS: dict[str, dict[str, str]] = {
    "refunds": {"order_id": "orders"},
    "payout_lines": {"batch_id": "payout_batches"},
    "direct_debits": {"mandate_id": "mandates"},
}


@dataclass
class DemoData:
    tables: dict[str, Columns] = field(default_factory=dict)

    def count(self, table: str) -> int:
        columns = self.tables.get(table)
        return len(columns["id"]) if columns else 0


def objects(values: list[object]) -> np.ndarray:
    """An object column (keeps None and Python str as they are)."""
    column = np.empty(len(values), dtype=object)
    column[:] = values
    return column


def pick(options: tuple[str, ...] | list[str], index: np.ndarray) -> np.ndarray:
    return objects(list(options))[index]
