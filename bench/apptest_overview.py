"""Time one full AppTest run of the Overview page as a signed-in viewer (run in its own process).

Usage: DATABASE_URL=... python -m bench.apptest_overview  -> prints seconds
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from dashboard.auth import ACTOR_KEY, SEEN_KEY
from data.models import User
from services.identity import sign_in as auth
from services.entrypoints.bootstrap import build_services
from services.identity.users import ensure_demo_users

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")


def main() -> int:
    services = build_services()
    ensure_demo_users(services)
    with services.uow() as uow:
        viewer = uow.session.exec(select(User).where(User.username == "viewer")).one()
        actor = auth.actor_of(viewer)
    at = AppTest.from_file(APP, default_timeout=600)
    at.session_state[ACTOR_KEY] = actor
    at.session_state[SEEN_KEY] = services.now()
    began = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - began
    if at.exception:
        print(at.exception, file=sys.stderr)
        return 1
    if not at.metric:
        print("the Overview rendered no KPI tiles", file=sys.stderr)
        return 1
    print(f"{elapsed:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
