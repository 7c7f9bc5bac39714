"""A unit of work: one transaction that rolls back unless the caller commits."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from services.errors import PermissionDeniedError


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None

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
            if isinstance(exc, PermissionDeniedError) and not exc.audited:
                # The refused work is gone; the refusal itself is kept (who, what, why).
                from services import refusals  # refusals needs the store's models

                refusals.record(self.session, exc)
        finally:
            self.session.close()
            self._session = None

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
