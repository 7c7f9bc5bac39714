"""Saved views: a named set of a page's filters and columns, per user, opened by a link.

A view is exactly the page's URL parameters (the orders page keeps its filters, sort and
columns there), so opening a saved view and opening a shared link are the same thing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy import delete
from sqlmodel import col, select

from data.models import SavedView
from services.core import audit
from services.core.access import Actor
from services.core.context import Services
from services.core.errors import InputError, NotFoundError
from services.core.refusals import require, require_any

NAME_MAX = 64
PARAMS_MAX = 4000
# page -> the permission needed to look at it (a view only reopens what its owner may see)
PAGES = {"orders": "orders.view"}


@dataclass(frozen=True)
class View:
    id: int
    page: str
    name: str
    params: dict[str, str]

    @property
    def link(self) -> str:
        """The path and query a colleague opens (after the server's address)."""
        return f"/{self.page}?{urlencode(self.params)}" if self.params else f"/{self.page}"


def _view(row: SavedView) -> View:
    return View(row.id or 0, row.page, row.name, json.loads(row.params_json))


def _may_have_views(services: Services, actor: Actor, what: str) -> None:
    """The role first, before the page name or the view is looked at; refusals are audited."""
    require_any(services, actor, sorted(set(PAGES.values())), what=what)


def _check(services: Services, actor: Actor, page: str, what: str) -> None:
    _may_have_views(services, actor, what)
    if page not in PAGES:
        raise InputError(f"views cannot be saved on '{page}'", field="page", value=page)
    require(services, actor, PAGES[page])


def save(services: Services, actor: Actor, page: str, name: str,
         params: dict[str, str]) -> View:
    """Save (or overwrite) the actor's view `name` of `page`."""
    _check(services, actor, page, "view.save")
    label = (name or "").strip()
    if not label:
        raise InputError("give the view a name", field="name")
    if len(label) > NAME_MAX:
        raise InputError(f"keep the name under {NAME_MAX} characters", field="name", value=name)
    text = json.dumps({str(k): str(v) for k, v in params.items()}, sort_keys=True)
    if len(text) > PARAMS_MAX:
        raise InputError("this view has too many filters to save; remove some", field="params")
    if actor.user_id is None:
        raise InputError("views belong to a signed-in user", field="user")
    now = services.now()
    with services.uow() as uow:
        row = uow.session.exec(select(SavedView).where(
            SavedView.user_id == actor.user_id, SavedView.page == page,
            SavedView.name == label)).first()
        if row is None:
            row = SavedView(user_id=actor.user_id, page=page, name=label, params_json=text,
                            created_at=now, updated_at=now)
        else:
            row.params_json, row.updated_at = text, now
        uow.session.add(row)
        uow.session.flush()
        audit.record(uow, actor=actor, action="view.save", target_type="saved_view",
                     target_id=row.id, at=now, detail={"page": page, "name": label})
        uow.commit()
        return _view(row)


def mine(services: Services, actor: Actor, page: str) -> list[View]:
    _check(services, actor, page, "view.list")
    with services.uow() as uow:
        return [_view(r) for r in uow.session.exec(
            select(SavedView).where(SavedView.user_id == actor.user_id, SavedView.page == page)
            .order_by(col(SavedView.name))).all()]


def remove(services: Services, actor: Actor, view_id: int) -> None:
    """Delete one of the actor's own views."""
    _may_have_views(services, actor, "view.delete")
    with services.uow() as uow:
        row = uow.session.get(SavedView, view_id)
        if row is None or row.user_id != actor.user_id:
            raise NotFoundError("you have no such saved view")
        _check(services, actor, row.page, "view.delete")
        uow.session.exec(delete(SavedView).where(col(SavedView.id) == view_id))
        audit.record(uow, actor=actor, action="view.delete", target_type="saved_view",
                     target_id=view_id, at=services.now(),
                     detail={"page": row.page, "name": row.name})
        uow.commit()
