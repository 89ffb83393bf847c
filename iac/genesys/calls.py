"""The call path to Genesys: bounded concurrency, retries, throttling and token renewal.

The SDK is synchronous: calls run in worker threads under asyncio, with bounded concurrency.
Retries are decided here, per call, because only the caller knows what is safe to send again:
429 waits Retry-After; 5xx and lost connections back off with jitter, but only for calls
that are safe to repeat; other 4xx never retry. A 401 renews the token once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from PureCloudPlatformClientV2.rest import ApiException
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from iac.genesys.errors import GenesysApiError, from_api_exception, from_transport_error
from iac.genesys.observer import CallObserver, current_job_calls
from iac.telemetry import get_logger

# The logger the client always used: log routing and filters keep working.
log = get_logger("genesys")

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    backoff_initial: float = 0.5
    backoff_max: float = 10.0
    retry_after_max: float = 120.0
    # How long a deleted integration may still answer GET before we call the delete failed.
    delete_confirm_seconds: float = 10.0


@dataclass
class RetryStats:
    retries: int = 0
    throttled: int = 0


class CallRunner:
    """Runs SDK calls for one client and turns their failures into ``GenesysApiError``.

    ``renew_token`` fetches a new token (the client's login, with its hints on failure); it
    must call ``token_issued`` when it succeeds.
    """

    def __init__(
        self,
        api_url: str,
        policy: RetryPolicy,
        *,
        renew_token: Callable[[], Awaitable[None]],
        max_concurrency: int = 8,
        observer: CallObserver | None = None,
    ) -> None:
        self.api_url = api_url
        self.policy = policy
        self.stats = RetryStats()
        self._renew = renew_token
        self._observer = observer
        self._slots = asyncio.Semaphore(max_concurrency)
        self._auth_lock = asyncio.Lock()
        self._token_generation = 0
        self._backoff = wait_random_exponential(
            multiplier=policy.backoff_initial, max=policy.backoff_max
        )

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
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.policy.attempts),
            wait=self._wait,
            retry=retry_if_exception(lambda exc: _retryable(exc, idempotent)),
            before_sleep=self._before_sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    result = await self._send(fn, args, kwargs, reauth)
        except ApiException as exc:
            error = from_api_exception(call, exc)
            log.info("call failed", extra={"call": call, "status": exc.status})
            raise error from None
        except httpx.TransportError as exc:
            log.info("call failed", extra={"call": call, "status": None})
            raise from_transport_error(call, self.api_url, exc) from None
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
            async with self._slots:
                return await asyncio.to_thread(fn, *args, **kwargs)
        except ApiException as exc:
            if exc.status != 401 or not reauth:
                raise
        # Tokens expire (the SDK does not renew client-credentials tokens): renew once.
        await self._renew_token(generation)
        async with self._slots:
            return await asyncio.to_thread(fn, *args, **kwargs)

    async def _renew_token(self, seen_generation: int) -> None:
        async with self._auth_lock:
            # Several calls can hit the same expired token; only the first renews it.
            if self._token_generation == seen_generation:
                await self._renew()

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, ApiException) and exc.status == 429:
            retry_after = _retry_after(exc)
            if retry_after is not None:
                return min(retry_after, self.policy.retry_after_max)
        return self._backoff(state)

    def _before_sleep(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        throttled = isinstance(exc, ApiException) and exc.status == 429
        log.warning(
            "retrying after %s",
            f"HTTP {exc.status}" if isinstance(exc, ApiException) else type(exc).__name__,
            extra={"attempt": state.attempt_number, "wait_seconds": round(state.upcoming_sleep, 3)},
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


def _retryable(exc: BaseException, idempotent: bool) -> bool:
    if isinstance(exc, ApiException):
        if exc.status == 429:
            return True  # refused before it was carried out: always safe to send again
        return idempotent and exc.status is not None and exc.status >= 500
    return idempotent and isinstance(exc, httpx.TransportError)


def _retry_after(exc: ApiException) -> float | None:
    headers = exc.headers or {}
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
