"""Scheduled reports: a finance user picks a report and a time of day; a worker writes it daily.

`run_due` is called by `paydesk sync --loop` after each pass and by `paydesk reports run`. At or
after the schedule's local time it writes the report of the previous local day into
PAYDESK_REPORTS_DIR. The run row is inserted before the file is written and is unique per
schedule and day, so several workers write each day's report once. The report runs with the
rights of the person who scheduled it: a disabled account's schedule fails, visibly.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from data.models import ReportRun, ReportSchedule, User
from data.queries import settlement_day as q
from services.core import audit
from services.core.access import Actor
from services.identity.sign_in import actor_of
from services.core.context import Services
from services.core.errors import ConflictError, InputError, NotFoundError, PayDeskError
from services.orders.exports.orders import COLUMNS, export_orders
from services.orders.book import FILTER_PARAMS, filters_from_params
from services.reconciliation.reports import Report, report_csv
from services.core.refusals import refuse, require

REPORTS = {"settlement": "Daily settlement report", "orders": "Orders of the day (CSV export)"}
RUNNING, DONE, FAILED = "RUNNING", "DONE", "FAILED"
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class ScheduleView:
    id: int
    report: str
    title: str
    time_of_day: str
    params: dict[str, Any]
    active: bool
    created_by: str


@dataclass(frozen=True)
class RunView:
    id: int
    schedule_id: int
    title: str
    for_day: date
    status: str
    started_at: datetime
    finished_at: datetime | None
    file_name: str | None
    row_count: int | None
    error: str | None


def _schedule_view(row: ReportSchedule) -> ScheduleView:
    return ScheduleView(row.id or 0, row.report, REPORTS.get(row.report, row.report),
                        row.time_of_day, json.loads(row.params_json), row.active, row.created_by)


def _check_params(report: str, params: dict[str, Any]) -> dict[str, Any]:
    if report not in REPORTS:
        raise InputError(f"unknown report '{report}'; choose {', '.join(REPORTS)}",
                         field="report", value=report)
    if report == "settlement":
        return {}
    filters = {k: str(v) for k, v in params.items() if k in FILTER_PARAMS and k not in
               ("from", "to") and v}
    _, problems = filters_from_params(filters)
    if problems:
        raise InputError("; ".join(problems), field="filters")
    columns = [c for c in params.get("columns", []) if c]
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise InputError(f"unknown column(s) {', '.join(unknown)}", field="columns")
    return {**filters, "columns": columns}


def create_schedule(services: Services, actor: Actor, *, report: str, time_of_day: str,
                    params: dict[str, Any] | None = None) -> ScheduleView:
    require(services, actor, "orders.export")
    at = (time_of_day or "").strip()
    if not _TIME.match(at):
        raise InputError("give the time of day as HH:MM, e.g. 06:30", field="time_of_day",
                         value=time_of_day)
    checked = _check_params(report, params or {})
    now = services.now()
    with services.uow() as uow:
        row = ReportSchedule(report=report, time_of_day=at, params_json=json.dumps(checked),
                             created_by=actor.username, created_at=now)
        uow.session.add(row)
        uow.session.flush()
        audit.record(uow, actor=actor, action="report.schedule", target_type="report_schedule",
                     target_id=row.id, at=now,
                     detail={"report": REPORTS[report], "time": at, **checked})
        uow.commit()
        return _schedule_view(row)


def set_active(services: Services, actor: Actor, schedule_id: int, active: bool) -> None:
    """Pause or resume a schedule; its owner or an admin may."""
    require(services, actor, "orders.export")
    now = services.now()
    with services.uow() as uow:
        row = uow.session.get(ReportSchedule, schedule_id)
        if row is None:
            raise NotFoundError(f"there is no report schedule {schedule_id}")
        if row.created_by != actor.username and actor.role != "admin":
            # Someone else's schedule: a refusal like a missing role, so it is on the record.
            refuse(services, actor, "report.pause" if not active else "report.resume",
                   f"only {row.created_by}, who scheduled it, or an admin may change this "
                   "schedule", target_type="report_schedule", target_id=schedule_id)
        row.active = active
        uow.session.add(row)
        audit.record(uow, actor=actor, action="report.resume" if active else "report.pause",
                     target_type="report_schedule", target_id=schedule_id, at=now,
                     detail={"report": REPORTS.get(row.report, row.report)})
        uow.commit()


def list_schedules(services: Services, actor: Actor) -> list[ScheduleView]:
    require(services, actor, "orders.export")
    with services.uow() as uow:
        return [_schedule_view(r) for r in uow.session.exec(
            select(ReportSchedule).order_by(col(ReportSchedule.time_of_day),
                                            col(ReportSchedule.id))).all()]


def list_runs(services: Services, actor: Actor, limit: int = 200) -> list[RunView]:
    require(services, actor, "orders.export")
    with services.uow() as uow:
        rows = uow.session.exec(
            select(ReportRun, ReportSchedule.report)
            .join(ReportSchedule, col(ReportSchedule.id) == ReportRun.schedule_id)
            .order_by(col(ReportRun.started_at).desc(), col(ReportRun.id).desc()).limit(limit)
        ).all()
        return [RunView(r.id or 0, r.schedule_id, REPORTS.get(report, report), r.for_day,
                        r.status, r.started_at, r.finished_at, r.file_name, r.row_count,
                        r.error) for r, report in rows]


def _folder(services: Services) -> Path:
    return Path(services.settings.reports_dir)


def run_file(services: Services, actor: Actor, run_id: int) -> tuple[str, bytes]:
    """(file name, bytes) of a finished run, for a download."""
    require(services, actor, "orders.export")
    with services.uow() as uow:
        run = uow.session.get(ReportRun, run_id)
        uow.session.expunge_all()
    if run is None or run.status != DONE or not run.file_name:
        raise NotFoundError(f"report run {run_id} has no file")
    path = _folder(services) / run.file_name
    if not path.is_file():
        raise NotFoundError(f"{run.file_name} is no longer in {_folder(services)}; "
                            "it was moved or deleted on the server")
    return path.name, path.read_bytes()


# --- writing -------------------------------------------------------------------------------------


def _bounds(day: date, zone: Any) -> tuple[datetime, datetime]:
    return (datetime.combine(day, time.min, zone),
            datetime.combine(day + timedelta(days=1), time.min, zone))


def settlement_report(services: Services, day: date) -> Report:
    columns = (("Day", "text"), ("Currency", "text"), ("Paid orders", "int"),
               ("Gross paid", "money"), ("Fees", "money"), ("Refunds", "int"),
               ("Refunded", "money"), ("Debits", "int"), ("Collected by debit", "money"),
               ("Payout lines", "int"), ("Paid out", "money"), ("Net", "money"))
    start, end = _bounds(day, services.settings.zone)
    zero = Decimal(0)
    rows: dict[str, list[Any]] = {}

    def row(currency: str) -> list[Any]:
        return rows.setdefault(currency, [day.isoformat(), currency, 0, zero, zero, 0, zero, 0,
                                          zero, 0, zero, zero])

    with services.uow() as uow:
        s = uow.session
        for currency, n, amount, fee in q.paid_orders(s, start, end):
            row(currency)[2:5] = [n, amount or zero, -(fee or zero)]
        for currency, n, amount in q.refunds_done(s, start, end):
            row(currency)[5:7] = [n, -(amount or zero)]
        for currency, n, amount in q.debits_collected(s, start, end):
            row(currency)[7:9] = [n, amount or zero]
        for currency, n, amount in q.payouts_paid(s, start, end):
            row(currency)[9:11] = [n, -(amount or zero)]
    for values in rows.values():
        values[11] = values[3] + values[4] + values[6] + values[8] + values[10]
    ordered = [rows[c] for c in sorted(rows)]
    return Report("settlement", "Daily settlement report", columns, ordered, [])


def _write(services: Services, actor: Actor, schedule: ReportSchedule, day: date,
           folder: Path) -> tuple[str, int]:
    params = json.loads(schedule.params_json)
    stem = f"{schedule.report}-{schedule.id}-{day.isoformat()}"
    name = f"{stem}.csv"
    partial = folder / f"{name}.partial"
    if schedule.report == "settlement":
        require(services, actor, "orders.export")
        report = settlement_report(services, day)
        partial.write_bytes(report_csv(report, services.settings.timezone))
        count = len(report.rows)
    else:
        filters, _ = filters_from_params({**{k: v for k, v in params.items()
                                             if k != "columns"},
                                          "from": day.isoformat(), "to": day.isoformat()})
        with partial.open("wb") as out:
            count = export_orders(services, actor, filters=filters,
                                  columns=params.get("columns") or None, fmt="csv",
                                  out=out).rows
    partial.replace(folder / name)  # a failed run never leaves half a file under the real name
    return name, count


def _claim(services: Services, schedule_id: int, day: date) -> int | None:
    with services.uow() as uow:
        run = ReportRun(schedule_id=schedule_id, for_day=day, status=RUNNING,
                        started_at=services.now())
        uow.session.add(run)
        try:
            uow.commit()
        except IntegrityError:
            return None  # another worker has this day
        return run.id


def _finish(services: Services, run_id: int, **values: Any) -> None:
    with services.uow() as uow:
        uow.session.exec(update(ReportRun).where(col(ReportRun.id) == run_id)
                         .values(finished_at=services.now(), **values))
        uow.commit()


def _owner(services: Services, username: str) -> Actor:
    with services.uow() as uow:
        user = uow.session.exec(select(User).where(User.username == username)).first()
        uow.session.expunge_all()
    if user is None or user.disabled:
        raise ConflictError(f"{username}, who scheduled this report, no longer has an active "
                            "account; schedule it again under another user")
    return actor_of(user)


def write_run(services: Services, schedule_id: int, day: date) -> RunView | None:
    """Write one schedule's report of `day`; None when that day is already written or taken."""
    with services.uow() as uow:
        schedule = uow.session.get(ReportSchedule, schedule_id)
        if schedule is None:
            raise NotFoundError(f"there is no report schedule {schedule_id}")
        uow.session.expunge(schedule)
    run_id = _claim(services, schedule_id, day)
    if run_id is None:
        return None
    try:
        actor = _owner(services, schedule.created_by)
        folder = _folder(services)
        folder.mkdir(parents=True, exist_ok=True)
        name, count = _write(services, actor, schedule, day, folder)
    except (PayDeskError, OSError) as error:
        _finish(services, run_id, status=FAILED, error=str(error)[:512])
    else:
        _finish(services, run_id, status=DONE, file_name=name, row_count=count)
    return next(r for r in _runs_of(services, run_id))


def _runs_of(services: Services, run_id: int) -> list[RunView]:
    with services.uow() as uow:
        r = uow.session.get(ReportRun, run_id)
        schedule = uow.session.get(ReportSchedule, r.schedule_id) if r else None
        uow.session.expunge_all()
    if r is None or schedule is None:
        return []
    return [RunView(r.id or 0, r.schedule_id, REPORTS.get(schedule.report, schedule.report),
                    r.for_day, r.status, r.started_at, r.finished_at, r.file_name, r.row_count,
                    r.error)]


def run_due(services: Services) -> list[RunView]:
    """Write every active schedule's report of yesterday once its local time has come."""
    local = services.now().astimezone(services.settings.zone)
    yesterday = local.date() - timedelta(days=1)
    with services.uow() as uow:
        done = set(uow.session.exec(
            select(ReportRun.schedule_id).where(ReportRun.for_day == yesterday)).all())
        due = [s.id for s in uow.session.exec(
            select(ReportSchedule).where(col(ReportSchedule.active).is_(True))).all()
            if s.id is not None and s.id not in done
            and s.time_of_day <= local.strftime("%H:%M")]
    written = []
    for schedule_id in due:
        run = write_run(services, schedule_id, yesterday)
        if run is not None:
            written.append(run)
    return written
