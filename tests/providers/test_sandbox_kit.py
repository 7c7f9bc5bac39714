"""The shared sandbox kit on its own: time, the fault book, the in-process transport and the
ASGI app, with a toy sandbox so that nothing here depends on one provider."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

import httpx
import pytest
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from services.providers.sandbox_kit import (
    ANY_PATH,
    FaultBook,
    SandboxClock,
    SandboxTransport,
    Scheduler,
    create_app,
    shaped,
)


class Kind(StrEnum):
    REFUSE = "refuse"
    LOSE = "lose"
    SLOW = "slow"
    DUPLICATE = "duplicate"


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    refused: bool = False
    timeout: bool = False
    delay_s: int = 0
    hang_seconds: int = 0


class Toy:
    """Answers with what it was asked; faults from its book decide what the caller sees."""

    def __init__(self) -> None:
        self.faults = FaultBook(Kind, default_delay_s=3)
        self.seen: list[tuple[str, str, str]] = []
        self.ticks = 0

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes,
               query: str) -> Answer:
        fault = self.faults.take(path, (Kind.REFUSE, Kind.LOSE, Kind.SLOW))
        if fault is not None and fault.kind is Kind.REFUSE:
            return Answer(0, b"", refused=True)
        self.seen.append((method, path, query))
        answer = Answer(200, body or path.encode(), {"X-Toy": "1"})
        if fault is not None and fault.kind is Kind.LOSE:
            answer.timeout = True
        if fault is not None and fault.kind is Kind.SLOW:
            answer.delay_s = fault.delay_s
        return answer

    def tick(self) -> int:
        self.ticks += 1
        return 0


# -- time -----------------------------------------------------------------------------------------


def test_frozen_time_moves_only_when_pushed_and_only_forward() -> None:
    clock = SandboxClock(frozen_at_ms=1_700_000_000_123)
    assert clock.now_ms() == clock.now_ms() == 1_700_000_000_123
    assert clock.advance(Decimal("1.5")) == 1_700_000_001_623 and clock.offset_ms == 1_500
    # The datetime is the same instant to the millisecond (no float on the way).
    assert clock.now() == datetime(2023, 11, 14, 22, 13, 21, 623_000, tzinfo=UTC)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)


def test_running_time_follows_the_wall_plus_what_was_pushed() -> None:
    wall = iter([1_000, 5_000])
    clock = SandboxClock(wall=lambda: next(wall))
    assert clock.now_ms() == 1_000
    clock._offset_ms = 60_000  # as if advanced a minute earlier
    assert clock.now_ms() == 65_000


# -- faults ---------------------------------------------------------------------------------------


def test_faults_count_down_in_the_order_they_were_set() -> None:
    book = FaultBook(Kind)
    book.set("/pay", Kind.LOSE)
    book.set("/pay", "refuse", times=2)
    assert [book.take("/pay").kind for _ in range(3)] == [Kind.LOSE, Kind.REFUSE, Kind.REFUSE]
    assert book.take("/pay") is None and book.list() == []


def test_faults_match_their_path_any_path_or_a_prefix_where_asked() -> None:
    exact, prefix = FaultBook(Kind), FaultBook(Kind, prefix_match=True)
    for book in (exact, prefix):
        book.set("/sessions", Kind.LOSE, times=None)
    assert exact.take("/sessions/42") is None and exact.take("/sessions") is not None
    assert prefix.take("/sessions/42") is not None and prefix.take("/sessionsX") is None
    exact.set(ANY_PATH, Kind.SLOW, times=None)
    assert exact.take("/anything", (Kind.SLOW,)).kind is Kind.SLOW
    assert exact.take("/anything", (Kind.DUPLICATE,)) is None  # kinds filter
    assert exact.clear(kind=Kind.SLOW) == 1 and exact.clear() == 1


@pytest.mark.parametrize("bad", [{"times": 0}, {"http_status": 404}, {"delay_s": -1},
                                 {"hang_seconds": -5}])
def test_a_fault_that_cannot_happen_is_refused(bad: dict) -> None:
    with pytest.raises(ValueError):
        FaultBook(Kind).set("/pay", Kind.SLOW, **bad)
    with pytest.raises(ValueError):
        FaultBook(Kind).set("/pay", "no-such-kind")


def test_a_fault_reads_as_a_dict_for_the_control_apis() -> None:
    fault = FaultBook(Kind, default_delay_s=3).set("/pay", Kind.SLOW, times=None)
    assert fault.as_dict() == {"path": "/pay", "kind": Kind.SLOW, "remaining": None,
                               "http_status": 503, "delay_s": 3, "hang_seconds": 30}


# -- in-process transport ------------------------------------------------------------------------


def test_the_transport_shows_each_fault_as_a_network_would_and_ticks_after_each_call() -> None:
    toy, slept = Toy(), []
    client = httpx.Client(base_url="https://toy.test",
                          transport=SandboxTransport(toy.handle, toy.tick, sleep=slept.append))
    toy.faults.set("/pay", Kind.REFUSE)
    with pytest.raises(httpx.ConnectError):
        client.post("/pay")
    assert toy.seen == []  # refused: it never arrived
    toy.faults.set("/pay", Kind.LOSE)
    with pytest.raises(httpx.ReadTimeout):
        client.post("/pay", content=b"x")
    assert toy.seen == [("POST", "/pay", "")]  # lost after it arrived
    toy.faults.set("/pay", Kind.SLOW, delay_s=9)
    answer = client.get("/pay", params={"a": "1"})
    assert (answer.status_code, answer.text, answer.headers["X-Toy"]) == (200, "/pay", "1")
    assert slept == [9] and toy.seen[-1] == ("GET", "/pay", "a=1")
    assert toy.ticks == 3
    SandboxTransport(toy.handle, toy.tick, auto_tick=False).handle_request(
        httpx.Request("POST", "https://toy.test/pay"))
    assert toy.ticks == 3


# -- over HTTP ------------------------------------------------------------------------------------


def test_the_app_serves_the_sandbox_after_its_own_routes_and_ticks_in_the_background() -> None:
    toy = Toy()
    control = Route("/sandbox/ping", lambda _r: PlainTextResponse("pong"))
    app = create_app(toy.handle, toy.tick, name="toy", routes=[control], tick_interval_s=0.01)

    async def scenario() -> None:
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://toy.test") as http:
            assert (await http.get("/sandbox/ping")).text == "pong"
            assert (await http.post("/pay?x=2", content=b"hello")).text == "hello"
            assert toy.seen == [("POST", "/pay", "x=2")]
            toy.faults.set("/pay", Kind.LOSE)
            assert (await http.post("/pay")).status_code == 504  # held (0 s here), dropped
            toy.faults.set("/pay", Kind.REFUSE)
            assert (await http.post("/pay")).status_code == 504
            before, give_up = toy.ticks, time.monotonic() + 5
            while toy.ticks < before + 2 and time.monotonic() < give_up:
                await asyncio.sleep(0.01)  # nobody calls: only the ticker thread can tick
            assert toy.ticks >= before + 2

    asyncio.run(scenario())


# -- scheduled changes and notification faults ------------------------------------------------


def test_due_actions_run_in_time_order_with_their_own_due_time_and_chain() -> None:
    scheduler, ran = Scheduler(), []
    scheduler.at(300, lambda t: ran.append(("late", t)))
    scheduler.at(100, lambda t: (ran.append(("first", t)),
                                 scheduler.at(200, lambda u: ran.append(("chained", u)))))
    scheduler.at(100, lambda t: ran.append(("tie", t)))
    assert scheduler.run_due(250) == 3 and scheduler.pending() == 1
    assert ran == [("first", 100), ("tie", 100), ("chained", 200)]


def test_notifications_are_doubled_reversed_or_held_as_their_faults_say() -> None:
    book = FaultBook(Kind)
    origin = {"a": "/pay", "b": "/refund", "c": "/pay"}
    held: list[str] = []

    def shape(due: list[str]) -> list[str]:
        return shaped(due, book, origin.__getitem__, duplicate=Kind.DUPLICATE,
                      reverse=Kind.REFUSE, hold=Kind.SLOW,
                      held=lambda d, fault: held.append(f"{d}+{fault.delay_s}"))

    assert shape(["a", "b", "c"]) == ["a", "b", "c"]
    book.set("/refund", Kind.DUPLICATE)
    book.set("/pay", Kind.SLOW, delay_s=30)
    assert shape(["a", "b", "c"]) == ["b", "b", "c"] and held == ["a+30"]
    book.set("/refund", Kind.REFUSE)  # stands in for "out of order" in this toy
    assert shape(["a", "b", "c"]) == ["c", "b", "a"]
