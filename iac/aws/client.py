"""The customer's AWS account through boto3: the partner event source and its event bus.

boto3 is synchronous: calls run in worker threads under asyncio. Credentials come from boto3's
standard chain (``AWS_PROFILE``, the environment, an instance role); ``AWS_ENDPOINT_URL``
(or ``AWS_ENDPOINT_URL_EVENTS``/``_STS``) points it at a test endpoint. One boto3 session per
account and region; nothing of it is persisted or logged.

Retries (tenacity) are for lost connections, throttling and 5xx, and only where repeating is
safe: reads, deletes (a bus already gone counts as deleted) and the bus's create, which is
idempotent by name: a create whose answer was lost, sent again, finds the bus
(``ResourceAlreadyExistsException``) and reads it back instead of failing.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt

from iac.aws.errors import MISSING_BOTO3, AwsError, describe_failure
from iac.aws.live import BusAddress, LiveBus
from iac.errors import IacError

T = TypeVar("T")

NOT_FOUND = "ResourceNotFoundException"
ALREADY_EXISTS = "ResourceAlreadyExistsException"
_RETRYABLE_CODES = {
    "ThrottlingException",
    "TooManyRequestsException",
    "InternalException",
    "InternalFailure",
    "ServiceUnavailable",
    "RequestLimitExceeded",
}


@dataclass(frozen=True)
class AwsSettings:
    """``attempts``: tries of a call that is safe to repeat; ``poll_interval``: between
    readings of a partner event source waited for; ``source_timeout``: how long to wait for
    Genesys to make it after the integration activated."""

    attempts: int = 5
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    poll_interval: float = 2.0
    source_timeout: float = 300.0


def _load_boto3() -> Any:
    try:
        import boto3
    except ImportError:
        raise IacError(MISSING_BOTO3) from None
    return boto3


def _transient(err: BaseException) -> bool:
    if isinstance(err, AwsError):
        return err.code is None or err.code in _RETRYABLE_CODES or (err.status or 0) >= 500
    return False


class AwsAccess:
    """The AWS calls of one run; ``close()`` (or ``async with``) releases the sessions."""

    def __init__(self, settings: AwsSettings | None = None) -> None:
        self.settings = settings or AwsSettings()
        self._boto3 = _load_boto3()
        # One boto3 session per (account, region), and its clients per service.
        self._sessions: dict[tuple[str, str], Any] = {}
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._lock = threading.Lock()

    async def __aenter__(self) -> AwsAccess:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
            self._sessions.clear()

    def _client(self, service: str, account: str, region: str) -> Any:
        from botocore.config import Config

        with self._lock:
            session = self._sessions.get((account, region))
            if session is None:
                session = self._boto3.session.Session(region_name=region)
                self._sessions[(account, region)] = session
            key = (service, account, region)
            if key not in self._clients:
                config = Config(
                    retries={"total_max_attempts": 1},  # the retries are ours (see above)
                    connect_timeout=10,
                    read_timeout=30,
                )
                self._clients[key] = session.client(service, config=config)
            return self._clients[key]

    async def _call(
        self,
        service: str,
        account: str,
        region: str,
        operation: str,
        *,
        retry: bool,
        **params: Any,
    ) -> dict[str, Any]:
        call = f"{service}:{''.join(p.title() for p in operation.split('_'))}"
        where = f"account {account}, {region}"

        def once() -> dict[str, Any]:
            try:
                client = self._client(service, account, region)
                answer: dict[str, Any] = getattr(client, operation)(**params)
                return answer
            except Exception as err:  # botocore's exceptions, as one clear message
                raise describe_failure(call, where, err) from None

        if not retry:
            return await asyncio.to_thread(once)
        s = self.settings
        async for attempt in AsyncRetrying(
            retry=retry_if_exception(_transient),
            stop=stop_after_attempt(max(1, s.attempts)),
            wait=lambda state: random.uniform(
                0, min(s.backoff_max, s.backoff_initial * 2 ** (state.attempt_number - 1))
            ),
            reraise=True,
        ):
            with attempt:
                return await asyncio.to_thread(once)
        raise AssertionError("unreachable")  # pragma: no cover

    async def caller_account(self, account: str, region: str) -> str:
        """The account the credentials belong to (``sts:GetCallerIdentity``)."""
        answer = await self._call("sts", account, region, "get_caller_identity", retry=True)
        return str(answer.get("Account"))

    async def source_state(self, account: str, region: str, name: str) -> str | None:
        """The partner event source's state (PENDING, ACTIVE, DELETED); None: no such source.

        moto answers HTTP 500 (not ResourceNotFoundException) for a missing source: both
        read as "not there", and are not retried (a poll reads again anyway)."""
        try:
            answer = await self._call(
                "events", account, region, "describe_event_source", retry=False, Name=name
            )
        except AwsError as err:
            if err.code == NOT_FOUND or (err.status or 0) >= 500:
                return None
            raise
        state = answer.get("State")
        return str(state) if state else None

    async def bus_exists(self, address: BusAddress) -> bool:
        try:
            await self._call(
                "events",
                address.account,
                address.region,
                "describe_event_bus",
                retry=True,
                Name=address.name,
            )
        except AwsError as err:
            if err.code == NOT_FOUND:
                return False
            raise
        return True

    async def read(self, address: BusAddress) -> LiveBus:
        """The bus at ``address`` and the source of the same name (a partner bus carries it)."""
        exists = await self.bus_exists(address)
        state = await self.source_state(address.account, address.region, address.name)
        return LiveBus(address, exists, state)

    async def wait_for_source(
        self,
        address: BusAddress,
        source: str,
        *,
        states: tuple[str, ...],
        say: Callable[[str], None],
    ) -> str:
        """Poll until the partner event source is in one of ``states``; its state."""
        s = self.settings
        deadline = time.monotonic() + s.source_timeout
        said = False
        # Quick at first (Genesys makes it as activation settles), then every poll_interval.
        interval = min(0.25, s.poll_interval)
        while True:
            state = await self.source_state(address.account, address.region, source)
            if state in states:
                return str(state)
            if not said:
                say(
                    f"Waiting for partner event source {source} in account {address.account}, "
                    f"{address.region} (up to {s.source_timeout:.0f}s)..."
                )
                said = True
            if time.monotonic() + interval > deadline:
                seen = f"it is {state}" if state else "it does not exist"
                raise AwsError(
                    f"the partner event source {source} did not appear in account "
                    f"{address.account}, {address.region} within {s.source_timeout:.0f}s "
                    f"({seen}). Genesys creates it when the integration activates: check the "
                    "integration's AWS account and region, then apply again."
                )
            await asyncio.sleep(interval)
            interval = min(s.poll_interval, interval * 2)

    async def create_bus(self, address: BusAddress, source: str) -> None:
        """Create the partner event bus bound to ``source``; one that already exists (a
        create whose answer was lost, sent again) is read back instead."""
        try:
            await self._call(
                "events",
                address.account,
                address.region,
                "create_event_bus",
                retry=True,
                Name=address.name,
                EventSourceName=source,
            )
        except AwsError as err:
            if err.code != ALREADY_EXISTS or not await self.bus_exists(address):
                raise

    async def delete_bus(self, address: BusAddress) -> bool:
        """Delete the bus; False when it was already gone."""
        if not await self.bus_exists(address):
            return False
        await self._call(
            "events",
            address.account,
            address.region,
            "delete_event_bus",
            retry=True,
            Name=address.name,
        )
        return True
