"""Status sync: ask the provider about everything not final yet, and resolve UNKNOWN intents.

`paydesk sync` runs one pass (`run_pass`); `--loop` repeats it. A pass runs every registered
job; a job handles one kind of row (orders, refunds, payout batches, debits) in four steps:

    candidates(services, now) -> select(Model.id)...   rows that may need a look (no limit:
                                                       the runner claims `batch` of them)
    load(uow, id)  -> snapshot | None     short read transaction; None = nothing to do any more
    query(services, snapshot) -> result   the provider call, with NO transaction open; use the
                                          stored merchant id (refund request ID, batch request ID, ...)
                                          so an UNKNOWN intent is resolved, never re-created
    apply(services, uow, id, result) -> outcome
                                          one transaction, committed by the runner: lock the
                                          row, move it forward only, audit money changes

Rows are claimed first (`services.inbound.claims`): on PostgreSQL two sync processes never work
on the same row at the same time; a provider error on one row is recorded and the pass moves on.

Adding a job (refunds, payouts, debits)
---------------------------------------
In your module (e.g. `services/refunds/events.py`, next to your webhook handlers):

    from services.inbound.sync_runner import sync_job

    @sync_job("refunds", model=Refund, batch=100)
    class RefundSync:
        @staticmethod
        def candidates(services, now):
            return select(Refund.id).where(col(Refund.status).in_(("UNKNOWN", "REFUNDING")))
                                    .order_by(Refund.updated_at)
        @staticmethod
        def load(uow, item_id): ...          # -> a small frozen snapshot, or None
        @staticmethod
        def query(services, snapshot): ...   # services.provider.get_refund(refund_request_id=...)
        @staticmethod
        def apply(services, uow, item_id, result) -> str: ...

or, when one function already resolves a row with short transactions of its own (as
`services.refunds.sync.sync_refund` does), give a static `handle(services, item_id) -> str`
instead of load/query/apply (see `services/refunds/sync.py`);
then add the module to `SYNC_MODULES` below (one line; only modules that exist). A `query`
may raise `services.providers.errors.ProviderError`: the row keeps its state, the outcome is
`provider_error:<code>`, and the next pass tries again.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from services.providers.errors import ProviderError

if TYPE_CHECKING:
    from services.core.context import Services
    from services.core.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

SYNC_MODULES: tuple[str, ...] = (
    "services.orders.sync",
    "services.refunds.sync",
    "services.payouts.events",   # payout batches and lines
    "services.mandates.sync",    # contracts, direct debits and notices
)


@dataclass(frozen=True)
class SyncJob:
    kind: str
    model: Any
    candidates: Callable[[Services, datetime], Any]
    load: Callable[[UnitOfWork, int], Any] | None = None
    query: Callable[[Services, Any], Any] | None = None
    apply: Callable[[Services, UnitOfWork, int, Any], str] | None = None
    batch: int = 200
    #: Instead of load/query/apply: one function that resolves a claimed row by itself (it must
    #: keep its own transactions short and off the provider call, as load/query/apply do).
    handle: Callable[[Services, int], str] | None = None

    def __post_init__(self) -> None:
        steps = [step is not None for step in (self.load, self.query, self.apply)]
        if not (all(steps) if self.handle is None else not any(steps)):
            raise TypeError(f"sync job {self.kind!r}: give load, query and apply, or handle")


_jobs: dict[str, SyncJob] = {}
_loaded = False
_load_lock = threading.Lock()


def register(job: SyncJob) -> SyncJob:
    _jobs[job.kind] = job  # by kind: a re-imported module replaces, never doubles, its job
    return job


def sync_job(kind: str, *, model: Any, batch: int = 200) -> Callable[[type], type]:
    """Class decorator: the class's static `candidates`, `load`, `query`, `apply` form the job."""

    def decorate(cls: type) -> type:
        register(SyncJob(kind, model, cls.candidates, getattr(cls, "load", None),
                         getattr(cls, "query", None), getattr(cls, "apply", None), batch,
                         getattr(cls, "handle", None)))
        return cls

    return decorate


def jobs(kinds: Iterable[str] | None = None) -> list[SyncJob]:
    global _loaded
    if not _loaded:
        with _load_lock:
            if not _loaded:
                for name in SYNC_MODULES:
                    importlib.import_module(name)
                _loaded = True
    wanted = None if kinds is None else set(kinds)
    unknown = (wanted or set()) - set(_jobs)
    if unknown:
        raise ValueError(f"no sync job for {', '.join(sorted(unknown))}; "
                         f"known: {', '.join(sorted(_jobs))}")
    return [job for kind, job in _jobs.items() if wanted is None or kind in wanted]


@dataclass
class KindReport:
    claimed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    #: ids handled in this pass (tests and logs use them to see who did what).
    handled: list[int] = field(default_factory=list)


@dataclass
class SyncReport:
    kinds: dict[str, KindReport] = field(default_factory=dict)

    def summary(self) -> str:
        if not self.kinds:
            return "nothing registered"
        return "; ".join(
            f"{kind}: {r.claimed} claimed"
            + "".join(f", {n} {o}" for o, n in sorted(r.outcomes.items()))
            for kind, r in self.kinds.items()
        )


def run_pass(
    services: Services, *, kinds: Iterable[str] | None = None, batch: int | None = None
) -> SyncReport:
    """One pass over every registered job (or the given kinds), at most `batch` rows per kind
    (default: each job's own batch)."""
    from services.inbound.claims import claims

    report = SyncReport()
    now = services.now()
    with claims(services) as held:
        for job in jobs(kinds):
            kind_report = report.kinds.setdefault(job.kind, KindReport())
            ids = held.claim(job.kind, job.model, job.candidates(services, now),
                             batch or job.batch)
            kind_report.claimed = len(ids)
            for item_id in ids:
                try:
                    outcome = _sync_one(services, job, item_id)
                except Exception:  # noqa: BLE001 - one bad row must not stop the others
                    log.exception("sync %s %s failed", job.kind, item_id)
                    outcome = "exception"
                finally:
                    held.release(job.kind, item_id)
                kind_report.outcomes[outcome] += 1
                kind_report.handled.append(item_id)
    return report


def _sync_one(services: Services, job: SyncJob, item_id: int) -> str:
    if job.handle is not None:
        return job.handle(services, item_id)
    assert job.load and job.query and job.apply
    with services.uow() as uow:
        snapshot = job.load(uow, item_id)
    if snapshot is None:
        return "settled"  # a webhook or another pass finished it since the candidates query
    try:
        result = job.query(services, snapshot)
    except ProviderError as error:
        log.warning("sync %s %s: %s", job.kind, item_id, error)
        return f"provider_error:{error.code or type(error).__name__}"
    with services.uow() as uow:
        outcome = job.apply(services, uow, item_id, result)
        uow.commit()
    return outcome
