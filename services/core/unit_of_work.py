"""A unit of work: one transaction that rolls back unless the caller commits.

`after_commit(key, fn)` asks for `fn` to run once the transaction has committed, outside it: a
handler that must not call the provider inside the transaction (no network with a transaction
open) can still have the provider asked right after, e.g. for the lines of a payout batch whose
notification carried only the batch status. Follow-ups run one at a time per thread; one asked
for while another runs (a provider call that delivers another notification in process) waits its
turn, and a key already waiting is not queued twice. A follow-up that fails is logged and left
to the sync worker, which asks the same question on its next pass.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from types import TracebackType

from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from services.core.errors import PermissionDeniedError


log = logging.getLogger(__name__)
_running = threading.local()


def _run_follow_ups(follow_ups: OrderedDict[str, Callable[[], object]]) -> None:
    queue: OrderedDict[str, Callable[[], object]] | None = getattr(_running, "queue", None)
    if queue is not None:
        for key, fn in follow_ups.items():
            queue.setdefault(key, fn)
        return
    _running.queue = queue = OrderedDict(follow_ups)
    try:
        while queue:
            key, fn = queue.popitem(last=False)
            try:
                fn()
            except Exception:  # noqa: BLE001 - the sync worker asks again on its next pass
                log.exception("follow-up %s failed; the sync worker will retry it", key)
    finally:
        _running.queue = None


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None
        self._after_commit: OrderedDict[str, Callable[[], object]] = OrderedDict()

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work inside a 'with' block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self._session_factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            # Anything not explicitly committed is thrown away, on success and on error alike.
            self.session.rollback()
            self._after_commit.clear()
            if isinstance(exc, PermissionDeniedError) and not exc.audited:
                # The refused work is gone; the refusal itself is kept (who, what, why).
                from services.core import refusals  # refusals needs the store's models

                refusals.record(self.session, exc)
        finally:
            self.session.close()
            self._session = None

    def commit(self) -> None:
        self.session.commit()
        follow_ups, self._after_commit = self._after_commit, OrderedDict()
        if follow_ups:
            _run_follow_ups(follow_ups)

    def rollback(self) -> None:
        self.session.rollback()
        self._after_commit.clear()

    def after_commit(self, key: str, fn: Callable[[], object]) -> None:
        """Run `fn` after this transaction commits (never if it rolls back); once per key."""
        self._after_commit.setdefault(key, fn)
