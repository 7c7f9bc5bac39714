"""Reconciliation runs: match a period's ledger against chosen statements, store, reopen, resolve.

A run keeps its inputs (period, time zone, statement ids and their hashes, parameters) and every
item it classified, matched ones included, so reopening it later shows exactly what was decided
and its reports come out byte for byte the same.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd

from data.bulk import NULL_INT, insert_columns
from data.models import ReconciliationItem, ReconciliationRun
from data.queries import reconciliation as q
from services.core import audit
from services.core.access import Actor
from services.core.context import Services
from services.core.errors import ConflictError, InputError, NotFoundError
from services.reconciliation import matching as m
from services.core.refusals import require

# Which ledger statuses mean money moved (or moved and came back) at the provider.
_EXPECT: dict[str, dict[str, str]] = {
    "payment": dict.fromkeys(
        ("PAID", "REFUNDING", "REFUNDED", "PARTIALLY_REFUNDED", "FULL_REFUNDED"), m.MOVED),
    "refund": {"SUCCESS": m.MOVED, "REFUNDING": m.MOVED},
    "payout": {"SUCCESS": m.MOVED, "AWAITING_RECEIPT": m.MOVED, "PROCESSING": m.MOVED,
               "FAIL": m.RETURNED, "REFUNDED": m.RETURNED},
    "debit": {"SUCCESS": m.MOVED},
}
# A failure the provider never gave an id to was turned down before any money left (a batch
# refused for a low balance, say): the provider writes neither the debit nor its return. Once a
# line has a provider id, the money left and, failing, came back (RETURNED above).
_NOTHING_WITHOUT_PROVIDER_ID: frozenset[tuple[str, str]] = frozenset({("payout", "FAIL")})
_STRING_ITEM_COLUMNS = ("klass", "kind", "ledger_ref", "group_ref", "provider_ref", "matched_by",
                        "currency", "ledger_status", "provider_status")
_MONEY_ITEM_COLUMNS = ("ledger_amount", "provider_amount", "difference", "ledger_fee",
                       "provider_fee", "fee_difference", "provider_balance")
MAX_DAYS = 92


@dataclass(frozen=True)
class RunView:
    id: int
    period_start: date
    period_end: date
    timezone: str
    statement_ids: tuple[int, ...]
    window_minutes: int
    totals: dict[str, int]
    break_count: int  # unresolved
    ledger_count: int
    statement_line_count: int
    created_by: str
    created_at: datetime

    @property
    def breaks(self) -> int:
        return sum(n for k, n in self.totals.items() if k != m.MATCHED)


def check_period(start: date, end: date) -> None:
    if end < start:
        raise InputError("the period ends before it starts", field="to")
    if (end - start).days >= MAX_DAYS:
        raise InputError(f"reconcile at most {MAX_DAYS} days at a time", field="to")


def period_bounds(start: date, end: date, zone_name: str) -> tuple[datetime, datetime]:
    """Local calendar days [start, end] as UTC instants [from, to)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(zone_name)
    lo = datetime.combine(start, time(0), zone).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time(0), zone).astimezone(UTC)
    return lo, hi


def micros(values: list[datetime | None]) -> np.ndarray:
    """UTC datetimes (naive ones are UTC, as SQLite returns them) as int64 microseconds."""
    series = pd.to_datetime(pd.Series(values, dtype=object), utc=True)
    out = series.dt.as_unit("us").astype("int64").to_numpy().copy()
    out[series.isna().to_numpy()] = NULL_INT
    return out


def _nullable_ints(values: list[int | None]) -> np.ndarray:
    return np.array([NULL_INT if v is None else int(v) for v in values], dtype=np.int64)


def _expectation(kind: str, status: str, provider_ref: object) -> str:
    if status == q.NEEDS_REVIEW:
        return m.REVIEW
    if (kind, status) in _NOTHING_WITHOUT_PROVIDER_ID and (provider_ref is None
                                                          or provider_ref == ""):
        return m.NONE
    return _EXPECT[kind].get(status, m.NONE)


def ledger_frame(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    cols = list(zip(*rows, strict=True)) if rows else [[] for _ in range(10)]
    kind, ids, ref, group, pref, currency, amount, fee, status, at = cols
    expect = [_expectation(k, str(s).upper(), p)
              for k, s, p in zip(kind, status, pref, strict=True)]
    return pd.DataFrame({
        "kind": np.array(kind, dtype=object), "ledger_id": _nullable_ints(list(ids)),
        "ledger_ref": np.array(ref, dtype=object), "group_ref": np.array(group, dtype=object),
        "provider_ref": np.array(pref, dtype=object),
        "currency": np.array(currency, dtype=object), "amount": _nullable_ints(list(amount)),
        "fee": _nullable_ints(list(fee)), "status": np.array(status, dtype=object),
        "expect": np.array(expect, dtype=object), "at": micros(list(at)),
    }, columns=list(m.LEDGER_COLUMNS))


def statement_frame(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    cols = list(zip(*rows, strict=True)) if rows else [[] for _ in range(10)]
    line_id, kind, pref, mref, currency, amount, fee, balance, status, at = cols
    return pd.DataFrame({
        "line_id": _nullable_ints(list(line_id)), "kind": np.array(kind, dtype=object),
        "provider_ref": np.array(pref, dtype=object), "merchant_ref": np.array(mref, dtype=object),
        "currency": np.array(currency, dtype=object), "amount": _nullable_ints(list(amount)),
        "fee": _nullable_ints(list(fee)), "balance": _nullable_ints(list(balance)),
        "status": np.array([s or "" for s in status], dtype=object), "at": micros(list(at)),
    }, columns=list(m.STATEMENT_COLUMNS))


def _text_column(series: pd.Series) -> np.ndarray:
    values = series.to_numpy(dtype=object).copy()
    values[pd.isna(values)] = None
    return values


def _carry_over(session: object, run_id: int, items: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """A break resolved in an earlier run and found again unchanged stays resolved."""
    n = len(items)
    resolved = np.zeros(n, dtype=bool)
    note = np.full(n, None, dtype=object)
    by = np.full(n, None, dtype=object)
    at = np.full(n, NULL_INT, dtype=np.int64)
    earlier = q.resolved_earlier(session, run_id)  # type: ignore[arg-type]
    if not earlier or not n:
        return resolved, note, by, at
    known: dict[tuple[object, ...], tuple[object, ...]] = {}
    for kind, ref, pref, klass, diff, text, who, when in earlier:
        known.setdefault((kind, ref, pref, klass, int(diff)), (text, who, when))
    keys = zip(items["kind"], _text_column(items["ledger_ref"]),
               _text_column(items["provider_ref"]), items["klass"], items["difference"],
               strict=True)
    for i, key in enumerate(keys):
        hit = known.get(key) if key[3] != m.MATCHED else None
        if hit is not None:
            resolved[i], note[i], by[i] = True, hit[0], hit[1]
            at[i] = micros([hit[2]])[0]  # type: ignore[list-item]
    return resolved, note, by, at


def start_run(services: Services, actor: Actor, *, start: date, end: date,
              statement_ids: list[int], window_minutes: int = 10) -> RunView:
    require(services, actor, "reconciliation.run")
    check_period(start, end)
    if not 0 <= window_minutes <= 24 * 60:
        raise InputError("the time window is 0 to 1440 minutes", field="window")
    if not statement_ids:
        # Without the provider's side every PayDesk item would read "missing at provider":
        # thousands of false breaks that say nothing.
        raise InputError("choose a statement to reconcile against: pick one already imported, "
                         "upload one, or pull the provider's reports for the period",
                         field="statements")
    zone = services.settings.timezone
    lo, hi = period_bounds(start, end, zone)
    margin = timedelta(days=1, minutes=window_minutes)
    params = m.MatchParameters(window_us=window_minutes * 60_000_000,
                               period_from_us=int(micros([lo])[0]),
                               period_to_us=int(micros([hi])[0]))
    with services.uow() as uow:
        session = uow.session
        chosen = q.statements(session, sorted(set(statement_ids)), limit=10_000)
        if len(chosen) != len(set(statement_ids)):
            raise NotFoundError("one of the chosen statements does not exist")
        ledger = ledger_frame(q.ledger_rows(session, lo - margin, hi + margin))
        raw = statement_frame(q.statement_line_rows(
            session, [s.id for s in chosen if s.id is not None], lo - margin, hi + margin))
        items = m.match(ledger, m.fold_statement(raw), params)
        items = items.sort_values(["at", "kind", "ledger_ref", "provider_ref", "klass"],
                                  kind="stable", na_position="first").reset_index(drop=True)
        totals = m.class_counts(items)
        inputs = {"from": start.isoformat(), "to": end.isoformat(), "timezone": zone,
                  "statements": sorted(s.content_sha256 for s in chosen),
                  "window_minutes": window_minutes}
        run = ReconciliationRun(
            period_from=lo, period_to=hi, timezone=zone,
            statement_ids=json.dumps(sorted(s.id for s in chosen if s.id is not None)),
            parameters_json=json.dumps({"window_minutes": window_minutes,
                                        "from": start.isoformat(), "to": end.isoformat()}),
            inputs_sha256=hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest(),
            ledger_count=int((items["ledger_id"] != NULL_INT).sum()),
            statement_line_count=len(raw), totals_json=json.dumps(totals),
            created_by=actor.username, created_at=services.now(),
        )
        session.add(run)
        session.flush()
        assert run.id is not None
        resolved, note, by, resolved_at = _carry_over(session, run.id, items)
        columns: dict[str, np.ndarray] = {
            "run_id": np.full(len(items), run.id, dtype=np.int64),
            "ledger_id": items["ledger_id"].to_numpy(np.int64),
            "statement_line_id": items["statement_line_id"].to_numpy(np.int64),
            "occurred_at": items["at"].to_numpy(np.int64),
            "resolved": resolved, "note": note, "resolved_by": by, "resolved_at": resolved_at,
        }
        for name in _STRING_ITEM_COLUMNS:
            columns[name] = _text_column(items[name])
        for name in _MONEY_ITEM_COLUMNS:
            columns[name] = items[name].to_numpy(np.int64)
        insert_columns(session.connection(), ReconciliationItem.__table__, columns)  # type: ignore[attr-defined]
        run.break_count = int(((items["klass"] != m.MATCHED).to_numpy() & ~resolved).sum())
        audit.record(uow, actor=actor, action="reconciliation.run", target_type="recon_run",
                     target_id=run.id, at=services.now(),
                     detail={"from": start.isoformat(), "to": end.isoformat(), "timezone": zone,
                             "statements": json.loads(run.statement_ids), **totals})
        uow.commit()
        return _view(run)


def _view(run: ReconciliationRun) -> RunView:
    params = json.loads(run.parameters_json)
    return RunView(
        id=run.id or 0, period_start=date.fromisoformat(params["from"]),
        period_end=date.fromisoformat(params["to"]), timezone=run.timezone,
        statement_ids=tuple(json.loads(run.statement_ids)),
        window_minutes=int(params["window_minutes"]), totals=json.loads(run.totals_json),
        break_count=run.break_count, ledger_count=run.ledger_count,
        statement_line_count=run.statement_line_count, created_by=run.created_by,
        created_at=run.created_at,
    )


def list_runs(services: Services, actor: Actor, limit: int = 100) -> list[RunView]:
    require(services, actor, "orders.view")
    with services.uow() as uow:
        return [_view(r) for r in q.runs(uow.session, limit)]


def get_run(services: Services, actor: Actor, run_id: int) -> RunView:
    require(services, actor, "orders.view")
    with services.uow() as uow:
        run = uow.session.get(ReconciliationRun, run_id)
        if run is None:
            raise NotFoundError(f"reconciliation run {run_id} does not exist")
        return _view(run)


@dataclass(frozen=True)
class ItemView:
    id: int
    klass: str
    kind: str
    ledger_ref: str | None
    group_ref: str | None
    provider_ref: str | None
    matched_by: str | None
    currency: str
    occurred_at: datetime
    ledger_status: str | None
    provider_status: str | None
    ledger_amount: Decimal
    provider_amount: Decimal
    difference: Decimal
    ledger_fee: Decimal
    provider_fee: Decimal
    fee_difference: Decimal
    provider_balance: Decimal | None
    resolved: bool
    note: str | None
    resolved_by: str | None
    resolved_at: datetime | None


def list_items(services: Services, actor: Actor, run_id: int, *,
               classes: list[str] | None = None, unresolved_only: bool = False) -> list[ItemView]:
    require(services, actor, "orders.view")
    with services.uow() as uow:
        rows = q.run_items(uow.session, run_id, classes, unresolved_only)
        return [ItemView(
            id=r.id or 0, klass=r.klass, kind=r.kind, ledger_ref=r.ledger_ref,
            group_ref=r.group_ref, provider_ref=r.provider_ref, matched_by=r.matched_by,
            currency=r.currency, occurred_at=_aware(r.occurred_at),
            ledger_status=r.ledger_status, provider_status=r.provider_status,
            ledger_amount=r.ledger_amount, provider_amount=r.provider_amount,
            difference=r.difference, ledger_fee=r.ledger_fee, provider_fee=r.provider_fee,
            fee_difference=r.fee_difference, provider_balance=r.provider_balance,
            resolved=r.resolved, note=r.note, resolved_by=r.resolved_by,
            resolved_at=_aware(r.resolved_at) if r.resolved_at else None,
        ) for r in rows]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def resolve_item(services: Services, actor: Actor, item_id: int, note: str) -> None:
    """Mark one break explained; the note says why. Audited, and only once."""
    require(services, actor, "reconciliation.resolve")
    note = (note or "").strip()
    if not note:
        raise InputError("say why this difference is acceptable", field="note")
    if len(note) > 1024:
        raise InputError("keep the note under 1,024 characters", field="note")
    with services.uow() as uow:
        item = uow.session.get(ReconciliationItem, item_id)
        if item is None:
            raise NotFoundError(f"reconciliation item {item_id} does not exist")
        if q.mark_resolved(uow.session, item_id, note, actor.username, services.now()) != 1:
            raise ConflictError("this line is not an open break (matched, or already resolved)")
        q.set_break_count(uow.session, item.run_id)
        audit.record(uow, actor=actor, action="reconciliation.resolve",
                     target_type="recon_item", target_id=item_id, amount=item.difference,
                     currency=item.currency, at=services.now(),
                     detail={"run": item.run_id, "class": item.klass, "note": note,
                             "reference": item.ledger_ref or item.provider_ref})
        uow.commit()


def unresolved_breaks(services: Services, run_id: int) -> int:
    with services.uow() as uow:
        return q.unresolved_breaks(uow.session, run_id)


@dataclass(frozen=True)
class BreakSummary:
    """A run's breaks as they stand now: open and resolved per class, open ones per local day."""

    open_by_class: dict[str, int]
    resolved_by_class: dict[str, int]
    open_per_day: list[tuple[date, str, int]]

    @property
    def open(self) -> int:
        return sum(self.open_by_class.values())


def break_summary(services: Services, actor: Actor, run_id: int) -> BreakSummary:
    """Counts that move when a break is resolved (the stored totals keep what the run found)."""
    require(services, actor, "orders.view")
    run = get_run(services, actor, run_id)
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(run.timezone)
    with services.uow() as uow:
        rows = q.breaks_by_day(uow.session, run_id)
    open_by: Counter[str] = Counter()
    resolved_by: Counter[str] = Counter()
    per_day: Counter[tuple[date, str]] = Counter()
    for at, klass, resolved in rows:
        if resolved:
            resolved_by[klass] += 1
            continue
        open_by[klass] += 1
        per_day[(_aware(at).astimezone(zone).date(), klass)] += 1
    return BreakSummary(dict(open_by), dict(resolved_by),
                        sorted((day, klass, n) for (day, klass), n in per_day.items()))


def breaks_per_day(services: Services, actor: Actor, run_id: int) -> list[tuple[date, str, int]]:
    """(local day, class, count) of the run's open breaks, for the chart."""
    return break_summary(services, actor, run_id).open_per_day


def provider_item_count(services: Services, run_id: int) -> int:
    """Items with a statement side: fee and return lines are folded into the item they belong
    to, so a statement has more lines than the run has provider items."""
    with services.uow() as uow:
        return q.items_with_statement(uow.session, run_id)


def discard_run(services: Services, actor: Actor, run_id: int) -> None:
    """Remove a run and its items (a run against the wrong statement, say); audited. The
    statements and PayDesk's records are untouched, and resolutions live on in the audit log."""
    require(services, actor, "reconciliation.run")
    with services.uow() as uow:
        run = uow.session.get(ReconciliationRun, run_id)
        if run is None:
            raise NotFoundError(f"reconciliation run {run_id} does not exist")
        view = _view(run)
        q.delete_run(uow.session, run_id)
        audit.record(uow, actor=actor, action="reconciliation.discard", target_type="recon_run",
                     target_id=run_id, at=services.now(),
                     detail={"from": view.period_start.isoformat(),
                             "to": view.period_end.isoformat(),
                             "statements": list(view.statement_ids), **view.totals,
                             "open_breaks": view.break_count})
        uow.commit()
