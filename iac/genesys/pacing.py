"""Pacing requests to Genesys' per-token rate limit before they are sent, not after a 429.

Genesys allows a client-credentials token a budget of requests per window (300 a minute by
default) and answers 429 + ``Retry-After`` past it. Answers also carry
``inin-ratelimit-allowed`` (the budget), ``inin-ratelimit-count`` (used in the current
window) and ``inin-ratelimit-reset`` (seconds until the window resets); those three are
unverified, so without them the pacer only honours ``Retry-After``, for every request of the
client, not just the one refused.

With the headers, the pacer admits a request only while what the window has used, plus every
request in flight (sent, not yet answered: it may already count), stays under the budget
less a small margin; past that, new requests wait until the window has surely reset. The
window's end is learned as the earliest ``answer time + reset`` of its answers: reset is in
whole seconds, so each such sum is a bound, and a second of slack covers a server that
rounds down. Windows are told apart by that end: an answer whose end lies half a window
before the current one's is a late answer from the window that ended.

Thread-safe: answers are reported by the transport from the SDK's worker threads, while
admissions happen on the event loop.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from iac.telemetry import get_logger

log = get_logger("genesys")

# While requests are in flight, a blocked admission looks again this often: their answers
# may show the window has room after all (in-flight requests may already have been counted).
POLL_SECONDS = 0.05
# A reset beyond this is not "seconds until the window resets" (an epoch time, say):
# such headers are ignored rather than obeyed.
MAX_RESET_SECONDS = 3600.0


@dataclass(frozen=True)
class RateHeaders:
    """The ``inin-ratelimit-*`` headers of one answer."""

    allowed: int
    count: int
    reset: float

    @classmethod
    def parse(cls, headers: Mapping[str, str] | None) -> RateHeaders | None:
        """The three headers, or None when any is missing or makes no sense."""
        if not headers:
            return None
        lower = {k.lower(): v for k, v in headers.items()}
        try:
            allowed = int(lower["inin-ratelimit-allowed"])
            count = int(lower["inin-ratelimit-count"])
            reset = float(lower["inin-ratelimit-reset"])
        except (KeyError, ValueError):
            return None
        if allowed < 1 or count < 0 or not 0 <= reset <= MAX_RESET_SECONDS:
            return None
        return cls(allowed, count, reset)


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """``Retry-After`` in seconds (the form Genesys sends); None when absent or not seconds."""
    if not headers:
        return None
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                seconds = float(value)
            except ValueError:
                return None
            return max(0.0, seconds) if math.isfinite(seconds) else None
    return None


class Ticket:
    """One admitted request. ``answered`` (from the transport's thread) or ``close`` (from
    the caller, whatever happened) settles it; only the first of them counts."""

    __slots__ = ("_pacer", "settled")

    def __init__(self, pacer: Pacer) -> None:
        self._pacer = pacer
        self.settled = False

    def answered(self, status: int | None, headers: Mapping[str, str] | None) -> None:
        """The request's answer (status None: none came, e.g. a lost connection)."""
        self._pacer._settle(self, status, headers)

    def close(self) -> None:
        """The call is over; a request never answered counts as used (it may have been)."""
        self._pacer._settle(self, None, None)


class Pacer:
    """The admission control of one client's requests; see the module's docstring.

    ``reserve``: the share of the budget left unused (at least one request), because whether
    the count includes the request it answers is unverified. ``slack``: seconds waited past
    the window's computed end. ``max_hold``: the longest ``Retry-After`` obeyed.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        reserve: float = 0.02,
        slack: float = 1.0,
        max_hold: float = 120.0,
    ) -> None:
        self._clock = clock
        self._reserve = reserve
        self._slack = slack
        self._max_hold = max_hold
        self._lock = threading.Lock()
        self._limit: int | None = None  # None: no headers seen, pace on Retry-After alone
        self._used = 0  # the highest count the current window reported (+ unanswered sends)
        self._window_end: float | None = None  # when the current window has surely reset
        self._previous_end: float | None = None  # ... and the window before it
        self._span = 0.0  # the longest reset seen: the window is at least this long
        self._in_flight = 0
        self._hold_until = 0.0  # Retry-After: nothing is sent before this
        self._announced: float | None = None  # the hold last logged, to log each once

    @property
    def budget(self) -> int | None:
        """How many requests a window may carry, as far as the pacer will go."""
        with self._lock:
            return self._budget()

    def _budget(self) -> int | None:
        if self._limit is None:
            return None
        margin = max(1, math.ceil(self._limit * self._reserve))
        return max(1, self._limit - margin)

    async def admit(self) -> Ticket:
        """Wait (asynchronously) until a request may be sent; the caller sends one."""
        while True:
            admitted = self.try_admit()
            if isinstance(admitted, Ticket):
                return admitted
            await asyncio.sleep(admitted)

    def try_admit(self) -> Ticket | float:
        """A ticket to send one request now, or the seconds to wait before asking again."""
        with self._lock:
            now = self._clock()
            self._roll(now)
            if now < self._hold_until:
                return self._held(self._hold_until, now, "Retry-After")
            budget = self._budget()
            if budget is None or self._used + self._in_flight < budget:
                self._in_flight += 1
                return Ticket(self)
            if self._in_flight:
                # Answers on their way may free room (a request counted in both ``used`` and
                # ``in flight``): look again soon, or at the reset if that comes first.
                until_reset = math.inf if self._window_end is None else self._window_end - now
                return max(0.0, min(until_reset, POLL_SECONDS))
            if self._window_end is None:
                # Used up by requests whose answers said nothing (lost, or without headers)
                # since the last reset: no answer will tell when this window ends, so assume
                # it began now.
                self._window_end = now + self._span + self._slack
            return self._held(self._window_end, now, "the rate limit window's reset")

    def _held(self, until: float, now: float, why: str) -> float:
        if self._announced != until:
            self._announced = until
            log.info(
                "pacing: holding new requests until %s",
                why,
                extra={"wait_seconds": round(until - now, 3), "budget": self._budget()},
            )
        return until - now

    def _roll(self, now: float) -> None:
        """Past the window's end: a new window, of which nothing is used yet."""
        if self._window_end is not None and now >= self._window_end:
            self._previous_end = self._window_end
            self._window_end = None
            self._used = 0

    def _settle(
        self, ticket: Ticket, status: int | None, headers: Mapping[str, str] | None
    ) -> None:
        with self._lock:
            if ticket.settled:
                return
            ticket.settled = True
            self._in_flight -= 1
            now = self._clock()
            self._roll(now)
            if status == 429:
                wait = retry_after(headers)
                if wait is not None:
                    self._hold_until = max(self._hold_until, now + min(wait, self._max_hold))
            rate = RateHeaders.parse(headers)
            # A 401 was answered before any token's budget was looked at.
            if rate is None or status == 401:
                self._used += 1  # may have counted: assume it did
                return
            self._learn(rate, now, refused=status == 429)

    def _learn(self, rate: RateHeaders, now: float, *, refused: bool) -> None:
        self._limit = rate.allowed
        self._span = max(self._span, rate.reset)
        end = now + rate.reset + self._slack
        used = max(rate.count, rate.allowed) if refused else rate.count
        # Answers of one window agree on its end within the reset's rounding and their
        # latency; the next window ends a whole window later.
        tolerance = max(1.5, self._span / 2)
        if self._window_end is None:
            if self._previous_end is not None and end < self._previous_end + tolerance:
                return  # a late answer from the window that has ended
            self._window_end, self._used = end, used
        elif end > self._window_end + tolerance:
            # A later window than the one thought current: a new token's (the sandbox counts
            # per token), or an answer so slow it only looks later. Either way, wait for
            # its end without forgetting what the current one used.
            self._window_end, self._used = end, max(self._used, used)
        elif end < self._window_end - tolerance:
            return  # a late answer from an earlier window
        else:
            self._used = max(self._used, used)
            self._window_end = min(self._window_end, end)
