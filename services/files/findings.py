"""What validation reports: one Finding per problem, in a stable order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]
ERROR: Severity = "error"
WARNING: Severity = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem. `line` is the line the user sees (header = line 1), None for the whole file;
    `column` is the header text as written in the file (or the expected name when it is missing);
    `value` is the cell as read; `message` says how to fix it."""

    line: int | None
    column: str | None
    value: str | None
    severity: Severity
    code: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }


class FindingList:
    """Collects findings with their column's position in the file, then sorts them.

    Order: whole-file findings first, then by line, by the column's position left to right
    (findings about a whole line before cell findings), then by code, so output is deterministic.
    """

    def __init__(self) -> None:
        self._items: list[tuple[int, int, int, str, str, Finding]] = []

    def add(self, finding: Finding, position: int = -1) -> None:
        line = finding.line
        whole_file = 0 if line is None else 1
        self._items.append(
            (whole_file, line or 0, position, finding.code, finding.value or "", finding)
        )

    def extend(self, findings: list[Finding], position: int = -1) -> None:
        for finding in findings:
            self.add(finding, position)

    def sorted(self) -> tuple[Finding, ...]:
        return tuple(item[-1] for item in sorted(self._items, key=lambda item: item[:-1]))
