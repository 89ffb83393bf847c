"""The call path to Genesys: bounded concurrency, retries, throttling and token renewal.

The SDK is synchronous: calls run in worker threads under asyncio, with bounded concurrency.
Retries are decided here, per call, because only the caller knows what is safe to send again:
a 429 waits Retry-After and is retried for as long as the call's throttle budget lasts (a 429
storm costs time, not a failed call); 5xx and lost connections back off with jitter, a few
times, but only for calls that are safe to repeat; other 4xx never retry. A 401 renews the
token once.

Before any request is sent, the client's ``Pacer`` admits it: within the rate limit the
``inin-ratelimit-*`` headers describe, and never before a ``Retry-After`` some answer gave
(see ``pacing.py``). 429s are then rare, and the retries above only a fallback.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import random
import weakref
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception

from iac.genesys.errors import GenesysApiError, from_api_exception, from_transport_error
from iac.genesys.observer import CallObserver, current_job_calls
from iac.genesys.pacing import Pacer
from iac.genesys.pacing import retry_after as parse_retry_after
from iac.genesys.sdk import ApiException
from iac.genesys.transport import answer_listener
from iac.telemetry import get_logger

# The logger the client always used: log routing and filters keep working.
log = get_logger("genesys")

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard the client tries; every knob is per call unless it says otherwise.

    - ``attempts``: tries of a call that fails with a 5xx or a lost connection (429s do not
      count), and of a create whose answer was lost.
    - ``backoff_initial`` / ``backoff_max``: the jittered exponential wait between those tries.
    - ``throttle_budget_seconds``: how long one call may keep being answered 429 before it
      fails; each 429 waits its ``Retry-After`` (at most ``retry_after_max``), and a wait that
      would end past the budget is not started.
    - ``delete_confirm_seconds``: how long a deleted integration may still answer GET before
      the delete counts as failed (the CX as Code provider waits 30 s too).
    - ``listing_attempts``: readings of the whole listing before an inconsistent one (pages
      that do not add up) fails the refresh.
    """

    attempts: int = 6
    backoff_initial: float = 0.5
    backoff_max: float = 10.0
    retry_after_max: float = 120.0
    throttle_budget_seconds: float = 300.0
    delete_confirm_seconds: float = 30.0
    listing_attempts: int = 3

    def backoff(self, failures: int) -> float:
        """The jittered wait after the ``failures``-th failure (1, 2, ...): full jitter."""
        ceiling = min(self.backoff_max, self.backoff_initial * 2 ** max(0, failures - 1))
        return random.uniform(0.0, max(0.0, ceiling))


@dataclass
class RetryStats:
    retries: int = 0
    throttled: int = 0


@dataclass
class _Tries:
    """One call's failures of each kind so far: 429s and the rest count apart."""

    failures: int = 0  # 5xx and lost connections
    throttled: int = 0  # 429s


class CallRunner:
    """Runs SDK calls for one client and turns their failures into ``GenesysApiError``.

    ``renew_token`` fetches a new token (the client's login, with its hints on failure); it
    must call ``token_issued`` when it succeeds. ``max_concurrency``: requests in flight at
    once. ``pacer``: admits each request (a new one, obeying at most ``retry_after_max``, when
    None).
    """

    def __init__(
        self,
        api_url: str,
        policy: RetryPolicy,
        *,
        renew_token: Callable[[], Awaitable[None]],
        max_concurrency: int = 8,
        observer: CallObserver | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        self.api_url = api_url
        self.policy = policy
        self.stats = RetryStats()
        self._renew = renew_token
        self._observer = observer
        self._slots = asyncio.Semaphore(max(1, max_concurrency))
        # Threads of our own: asyncio's default pool has min(32, CPUs + 4) workers, 6 on a
        # 2-core machine, which would cap the concurrency asked for. Ended by ``close``, or
        # when this runner is collected.
        self._threads = ThreadPoolExecutor(max(1, max_concurrency), "iac-genesys")
        weakref.finalize(self, self._threads.shutdown, wait=False)
        self.pacer = pacer if pacer is not None else Pacer(max_hold=policy.retry_after_max)
        self._auth_lock = asyncio.Lock()
        self._token_generation = 0

    def close(self) -> None:
        """Let the worker threads end (calls still running finish first)."""
        self._threads.shutdown(wait=False)

    def token_issued(self) -> None:
        self._token_generation += 1

    async def call(
        self,
        call: str,
        fn: Callable[..., T],
        *args: Any,
        idempotent: bool = True,
        reauth: bool = True,
        **kwargs: Any,
    ) -> T:
        tries = _Tries()
        retrying = AsyncRetrying(
            retry=retry_if_exception(lambda exc: _is_throttled(exc) or _retryable(exc, idempotent)),
            wait=lambda state: self._wait(_exception(state), tries),
            stop=lambda state: self._stop(_exception(state), tries, state),
            before_sleep=lambda state: self._before_sleep(_exception(state), tries, state),
            reraise=True,
        )
        try:
            result: T = await retrying(self._send, fn, args, kwargs, reauth)
        except (ApiException, httpx.TransportError) as exc:
            raise self._failure(call, exc, tries, retrying.statistics) from None
        log.debug("call succeeded", extra={"call": call})
        return result

    async def call_unless_gone(
        self, call: str, fn: Callable[..., T], *args: Any, **kwargs: Any
    ) -> T | None:
        """``call``, with Genesys' 404 (the integration is gone) as None."""
        try:
            return await self.call(call, fn, *args, **kwargs)
        except GenesysApiError as err:
            if err.status == 404:
                return None
            raise

    async def _send(
        self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any], reauth: bool
    ) -> T:
        generation = self._token_generation
        try:
            return await self._paced(fn, args, kwargs)
        except ApiException as exc:
            if exc.status != 401 or not reauth:
                raise
        # Tokens expire (the SDK does not renew client-credentials tokens): renew once.
        await self._renew_token(generation)
        return await self._paced(fn, args, kwargs)

    async def _paced(
        self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> T:
        """One request: a concurrency slot, then the pacer's admission, then the send.

        The slot comes first so that an admission is never held by a call still queueing
        for a slot (it would count as in flight and block others); waiting for the pacer
        with a slot costs nothing, as no other request may be sent meanwhile either.
        """
        async with self._slots:
            ticket = await self.pacer.admit()
            # The worker thread runs in a copy of this context (the job's counters), where
            # the transport finds the ticket to tell of the answer.
            context = contextvars.copy_context()
            context.run(answer_listener.set, ticket.answered)
            send = functools.partial(context.run, fn, *args, **kwargs)
            try:
                return await asyncio.get_running_loop().run_in_executor(self._threads, send)
            finally:
                ticket.close()

    async def _renew_token(self, seen_generation: int) -> None:
        async with self._auth_lock:
            # Several calls can hit the same expired token; only the first renews it.
            if self._token_generation == seen_generation:
                await self._renew()

    def _wait(self, exc: BaseException, tries: _Tries) -> float:
        """Called once per failure that may be retried: count it, and say how long to wait."""
        policy = self.policy
        if _is_throttled(exc):
            # Refused before it was carried out: always safe to send again, within the budget.
            tries.throttled += 1
            retry_after = parse_retry_after(getattr(exc, "headers", None))
            wait = retry_after if retry_after is not None else policy.backoff(tries.throttled)
            return min(wait, policy.retry_after_max)
        tries.failures += 1
        return policy.backoff(tries.failures)

    def _stop(self, exc: BaseException, tries: _Tries, state: RetryCallState) -> bool:
        """429s stop when the wait would end past the throttle budget; others after a count."""
        if _is_throttled(exc):
            spent = state.seconds_since_start or 0.0
            return spent + state.upcoming_sleep > self.policy.throttle_budget_seconds
        return tries.failures >= self.policy.attempts

    def _failure(
        self, call: str, exc: Exception, tries: _Tries, statistics: dict[str, Any]
    ) -> GenesysApiError:
        if isinstance(exc, ApiException):
            log.info("call failed", extra={"call": call, "status": exc.status})
            error = from_api_exception(call, exc)
            if exc.status == 429 and tries.throttled > 1:
                spent = statistics.get("delay_since_first_attempt", 0.0)
                error = error.with_detail(
                    f"{error.detail}; gave up after {tries.throttled} answers 429 in "
                    f"{spent:.0f}s (throttle budget "
                    f"{self.policy.throttle_budget_seconds:g}s)"
                )
            return error
        log.info("call failed", extra={"call": call, "status": None})
        return from_transport_error(call, self.api_url, exc)

    def _before_sleep(self, exc: BaseException, tries: _Tries, state: RetryCallState) -> None:
        wait = state.upcoming_sleep
        throttled = _is_throttled(exc)
        log.warning(
            "retrying after %s",
            f"HTTP {exc.status}" if isinstance(exc, ApiException) else type(exc).__name__,
            extra={
                "attempt": tries.failures + tries.throttled,
                "wait_seconds": round(wait, 3),
            },
        )
        self.stats.retries += 1
        self.stats.throttled += throttled
        job = current_job_calls.get()
        if job is not None:
            job.retries += 1
        if self._observer is not None:
            self._observer.count_retry(throttled)

    def on_response(self, method: str, status: int | None) -> None:
        """The transport's response hook: counts each request for its job and the observer."""
        # Runs in worker threads; the context (and so the job) was copied by to_thread.
        job = current_job_calls.get()
        if job is not None:
            job.requests += 1
        if self._observer is not None:
            self._observer.count_api(method, status)


def _exception(state: RetryCallState) -> BaseException:
    assert state.outcome is not None
    exc = state.outcome.exception()
    assert exc is not None  # tenacity asks only about failed attempts here
    return exc


def _is_throttled(exc: BaseException) -> bool:
    return isinstance(exc, ApiException) and exc.status == 429


def _retryable(exc: BaseException, idempotent: bool) -> bool:
    """Whether a failure other than a 429 may be sent again."""
    if isinstance(exc, ApiException):
        return idempotent and exc.status is not None and exc.status >= 500
    return idempotent and isinstance(exc, httpx.TransportError)

