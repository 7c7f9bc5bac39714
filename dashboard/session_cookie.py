"""The session cookie: Streamlit pages cannot set an HttpOnly cookie (they talk over a websocket),
so a two-route HTTP endpoint served next to the app (dashboard/server.py, Streamlit's `st.App`)
does it.

Right after sign-in the page posts its one-time ticket to `/_paydesk/session`; the answer sets the
session token as a Secure, HttpOnly, SameSite=Strict cookie. Streamlit sends that cookie with the
websocket of every later page load (read with `st.context.cookies`), so a refresh or a new tab
resumes the session. Sign-out deletes the cookie the same way (the store revoked it already).
"""

from __future__ import annotations

import json

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dashboard.runtime import get_services
from services.identity import sessions

PATH = "/_paydesk/session"
_HEADER = "X-PayDesk-Session"  # a cross-site form cannot send it; a cross-site fetch is preflighted
_MAX_BODY = 1024


def hand_over(ticket: str) -> None:
    """Have the browser trade `ticket` for the cookie (runs once, right after sign-in)."""
    body = json.dumps({"ticket": ticket})
    st.html(f"""<script>
fetch({json.dumps(PATH)}, {{method: "POST", credentials: "same-origin",
  headers: {{"Content-Type": "application/json", {json.dumps(_HEADER)}: "1"}},
  body: {json.dumps(body)}}});
</script>""", unsafe_allow_javascript=True, width="content")


def forget() -> None:
    """Delete the cookie in this browser (after sign-out)."""
    st.html(f"""<script>
fetch({json.dumps(PATH)}, {{method: "DELETE", credentials: "same-origin",
  headers: {{{json.dumps(_HEADER)}: "1"}}}});
</script>""", unsafe_allow_javascript=True, width="content")


def _same_origin(request: Request) -> bool:
    if request.headers.get(_HEADER) != "1":
        return False
    site = request.headers.get("sec-fetch-site")
    return site in (None, "same-origin")


async def _adopt(request: Request) -> Response:
    if not _same_origin(request):
        return Response(status_code=403)
    raw = await request.body()
    try:
        ticket = json.loads(raw)["ticket"] if len(raw) <= _MAX_BODY else None
    except (ValueError, KeyError, TypeError):
        ticket = None
    if not isinstance(ticket, str):
        return Response(status_code=400)
    traded = await run_in_threadpool(sessions.redeem_ticket, get_services(), ticket)
    if traded is None:
        return Response(status_code=400)
    token, expires = traded
    response = Response(status_code=204)
    response.set_cookie(
        sessions.COOKIE_NAME, token, max_age=sessions.ABSOLUTE_HOURS * 3600, path="/",
        secure=True, httponly=True, samesite="strict",
    )
    return response


async def _forget(request: Request) -> Response:
    if not _same_origin(request):
        return Response(status_code=403)
    response = Response(status_code=204)
    response.delete_cookie(sessions.COOKIE_NAME, path="/", secure=True, httponly=True,
                           samesite="strict")
    return response


def routes() -> list[Route]:
    return [Route(PATH, _adopt, methods=["POST"]), Route(PATH, _forget, methods=["DELETE"])]
