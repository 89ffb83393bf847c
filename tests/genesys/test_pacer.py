"""The pacer's decisions from header values: plain data and a clock the test moves."""

from __future__ import annotations

import asyncio

import pytest

from iac.genesys.pacing import POLL_SECONDS, Pacer, RateHeaders, Ticket, retry_after


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def rate(count: int, allowed: int = 10, reset: float = 60) -> dict[str, str]:
    return {
        "inin-ratelimit-count": str(count),
        "inin-ratelimit-allowed": str(allowed),
        "inin-ratelimit-reset": str(reset),
    }


def admitted(pacer: Pacer) -> Ticket:
    got = pacer.try_admit()
    assert isinstance(got, Ticket), f"held for {got}s"
    return got


def held(pacer: Pacer) -> float:
    got = pacer.try_admit()
    assert not isinstance(got, Ticket), "admitted"
    return got


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def pacer(clock: Clock) -> Pacer:
    # 10% reserve: a budget of 10 leaves 9; 1 s of slack past the reset.
    return Pacer(clock=clock, reserve=0.1, slack=1.0)


def test_headers_are_read_case_blind_and_nonsense_is_ignored() -> None:
    assert RateHeaders.parse({k.upper(): v for k, v in rate(3).items()}) == RateHeaders(10, 3, 60)
    assert RateHeaders.parse(None) is None
    assert RateHeaders.parse({"inin-ratelimit-count": "3"}) is None
    assert RateHeaders.parse(rate(3, reset=1_700_000_000)) is None  # an epoch, not seconds
    assert RateHeaders.parse({**rate(3), "inin-ratelimit-allowed": "0"}) is None
    assert RateHeaders.parse({**rate(3), "inin-ratelimit-count": "x"}) is None
    assert retry_after({"retry-after": "2"}) == 2.0
    assert retry_after({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) is None
    assert retry_after({"Retry-After": "-3"}) == 0.0


def test_without_headers_nothing_is_held(pacer: Pacer) -> None:
    tickets = [admitted(pacer) for _ in range(50)]
    for ticket in tickets:
        ticket.answered(200, {})
    assert pacer.budget is None
    admitted(pacer)


def test_the_budget_is_the_limit_less_a_reserve(clock: Clock) -> None:
    pacer = Pacer(clock=clock)  # the default 2% reserve, at least one request
    admitted(pacer).answered(200, rate(1, allowed=300))
    assert pacer.budget == 294
    admitted(pacer).answered(200, rate(2, allowed=20))
    assert pacer.budget == 19


def test_requests_in_flight_are_reserved(pacer: Pacer, clock: Clock) -> None:
    admitted(pacer).answered(200, rate(5))
    in_flight = [admitted(pacer) for _ in range(4)]  # 5 used + 4 in flight = the budget, 9
    # Answers on their way may say there is room after all: look again soon.
    assert held(pacer) == POLL_SECONDS
    in_flight[0].answered(200, rate(6))
    assert held(pacer) == POLL_SECONDS  # 6 used + 3 in flight
    for n, ticket in enumerate(in_flight[1:], start=7):
        ticket.answered(200, rate(n))
    # 9 used, none in flight: hold until the window has surely reset (reset + slack).
    assert held(pacer) == 61.0


def test_answers_counted_before_others_free_the_double_reservation(pacer: Pacer) -> None:
    admitted(pacer).answered(200, rate(1))
    first, second = admitted(pacer), admitted(pacer)
    # The second request's answer counts the first too: the first is no longer in doubt.
    second.answered(200, rate(3))
    first.answered(200, rate(2))
    assert [isinstance(pacer.try_admit(), Ticket) for _ in range(7)] == [True] * 6 + [False]


def test_a_new_window_starts_empty_at_the_reset(pacer: Pacer, clock: Clock) -> None:
    ticket = admitted(pacer)
    clock.now += 30
    ticket.answered(200, rate(9, reset=30))
    assert held(pacer) == 31.0
    clock.now += 31.0
    fresh = [admitted(pacer) for _ in range(9)]
    assert held(pacer) == POLL_SECONDS
    fresh[0].answered(200, rate(1, reset=60))
    for n, t in enumerate(fresh[1:], start=2):
        t.answered(200, rate(n, reset=59))
    assert held(pacer) == 60.0  # the earliest end the answers allow, plus the slack


def test_a_late_answer_from_the_ended_window_is_not_counted_in_the_new_one(
    pacer: Pacer, clock: Clock
) -> None:
    admitted(pacer).answered(200, rate(1, reset=60))
    clock.now += 58
    admitted(pacer).answered(200, rate(8, reset=2))
    late = admitted(pacer)
    clock.now += 3.0  # past 2 s + 1 s of slack: a new window
    late.answered(200, rate(9, reset=1))  # counted in the old window, answered only now
    for _ in range(9):
        admitted(pacer)


def test_the_window_end_is_the_tightest_bound_its_answers_give(pacer: Pacer, clock: Clock) -> None:
    admitted(pacer).answered(200, rate(1, reset=60))  # ends by 1060 (+1 s of slack)
    clock.now += 9.5
    admitted(pacer).answered(200, rate(2, reset=50))  # whole seconds: ends by 1059.5
    for n in range(3, 10):
        clock.now += 0.1
        admitted(pacer).answered(200, rate(n, reset=50))  # looser: ends by 1059.6 .. 1060.2
    assert held(pacer) == pytest.approx(1060.5 - clock.now)


def test_a_later_window_than_expected_is_waited_for_with_what_was_used(
    pacer: Pacer, clock: Clock
) -> None:
    early = admitted(pacer)
    admitted(pacer).answered(200, rate(8, reset=20))  # 8 used, ends by 1021
    # Ends 40 s after the one we knew: a new token's window (the sandbox counts per token),
    # or an answer that took very long. Not knowing which, the pacer keeps the higher count
    # and waits for the later end.
    early.answered(200, rate(1, reset=60))
    admitted(pacer)
    assert held(pacer) == POLL_SECONDS
    clock.now += 61
    assert [isinstance(pacer.try_admit(), Ticket) for _ in range(9)] == [True] * 8 + [False]


def test_a_429_without_headers_holds_every_request_for_retry_after(
    pacer: Pacer, clock: Clock
) -> None:
    a, b = admitted(pacer), admitted(pacer)
    a.answered(429, {"Retry-After": "3"})
    assert held(pacer) == 3.0
    clock.now += 1
    b.answered(200, {})
    assert held(pacer) == 2.0
    clock.now += 2
    admitted(pacer)


def test_a_429_with_headers_uses_up_the_window(pacer: Pacer, clock: Clock) -> None:
    admitted(pacer).answered(200, rate(2, reset=40))
    admitted(pacer).answered(429, {**rate(10, reset=40), "Retry-After": "40"})
    assert held(pacer) == 40.0  # Retry-After
    clock.now += 40
    assert held(pacer) == 1.0  # the slack past the window's reset


def test_retry_after_is_obeyed_up_to_a_ceiling(clock: Clock) -> None:
    pacer = Pacer(clock=clock, max_hold=5.0)
    admitted(pacer).answered(429, {"Retry-After": "3600"})
    assert held(pacer) == 5.0


def test_unauthenticated_answers_say_nothing_of_the_budget(pacer: Pacer) -> None:
    admitted(pacer).answered(200, rate(8))
    # The sandbox's 401 carries an idle window (count 0): believing it would overspend.
    admitted(pacer).answered(401, rate(0, reset=60))
    assert held(pacer) == 61.0  # 8 used + the 401 (assumed to count) = 9


def test_an_unanswered_request_counts_as_used_and_tickets_settle_once(pacer: Pacer) -> None:
    admitted(pacer).answered(200, rate(7))
    lost = admitted(pacer)
    lost.close()  # no answer came: it may have been counted (8 used)
    lost.close()
    last = admitted(pacer)
    assert held(pacer) == POLL_SECONDS  # 8 used + 1 in flight
    last.answered(200, rate(8))  # the server counted 8: the lost one never reached it
    last.close()  # after the answer: nothing more
    admitted(pacer)
    assert held(pacer) == POLL_SECONDS


def test_admit_waits_asynchronously() -> None:
    pacer = Pacer()  # the real clock: a short Retry-After
    admitted(pacer).answered(429, {"Retry-After": "0.2"})

    async def scenario() -> tuple[Ticket, float]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        ticket = await pacer.admit()
        return ticket, loop.time() - started

    ticket, waited = asyncio.run(scenario())
    assert isinstance(ticket, Ticket)
    assert waited >= 0.15  # a lower bound only: a busy machine may take longer


def test_a_window_used_up_by_answers_without_headers_still_ends(pacer: Pacer, clock: Clock) -> None:
    admitted(pacer).answered(200, rate(1, reset=60))
    clock.now += 61  # a new window, of which nothing is known yet
    for _ in range(9):
        admitted(pacer).close()  # lost answers: each may have counted
    assert held(pacer) == 61.0  # a whole window (the longest reset seen) and the slack
    clock.now += 61
    admitted(pacer)
