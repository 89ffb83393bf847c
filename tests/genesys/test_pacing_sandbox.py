"""The client's pacing and concurrency, seen from a real sandbox."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from genesys_sandbox import LIST, fault, requests, with_client

from iac.genesys.client import GenesysClient
from iac.genesys.settings import GenesysTarget
from iac.sandbox import SandboxOptions, SandboxServer

DEADLINE = 60.0  # seconds: generous, a hang fails rather than a slow machine


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    return SandboxOptions(activation_delay=0.05)


async def until(what: str, condition: object) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    while not condition():  # type: ignore[operator]
        if loop.time() >= deadline:
            raise AssertionError(f"gave up after {DEADLINE:g}s waiting for {what}")
        await asyncio.sleep(0.02)


def test_a_retry_after_holds_every_request_of_the_client(
    sandbox: SandboxServer, target: GenesysTarget
) -> None:
    # A 429 without inin-ratelimit-* headers (a fault rule's): only Retry-After to go on.
    fault(sandbox.url, method="GET", path=LIST, status=429, retry_after=2, on_calls=[1])

    async def scenario(client: GenesysClient) -> float:
        listing = asyncio.create_task(client.list_destinations())
        await until("the 429", lambda: client.stats.throttled == 1)
        loop = asyncio.get_running_loop()
        started = loop.time()
        # Another call, not the one refused: it too waits out the Retry-After.
        assert await client.get_destination("no-such-id") is None
        waited = loop.time() - started
        assert await listing == {}
        return waited

    assert with_client(target, scenario) >= 1.5  # a lower bound: no tight timing
    statuses = [r["status"] for r in requests(sandbox.url, "GET", LIST)]
    assert statuses == [429, 200]


def test_max_concurrency_requests_are_in_flight_at_once(
    sandbox: SandboxServer, target: GenesysTarget
) -> None:
    # Held until 12 wait at once (at most 30 s): more than asyncio's default thread pool
    # would run at once on 2 cores (6), and more than the client's default of 8.
    fault(
        sandbox.url,
        method="GET",
        path="/api/v2/integrations/*",
        action="delay",
        delay=30,
        gather=12,
        times=12,
    )

    async def scenario(client: GenesysClient) -> list[object]:
        return await asyncio.gather(*(client.get_destination(f"id-{n}") for n in range(12)))

    assert with_client(target, scenario, max_concurrency=12) == [None] * 12
    (rule,) = httpx.get(f"{sandbox.url}/__sandbox/faults").json()
    assert (rule["fired"], rule["peak_waiting"]) == (12, 12)


def test_a_small_limit_paces_concurrent_calls_without_a_429() -> None:
    options = SandboxOptions(rate_limit_per_minute=10, rate_window_seconds=5.0)
    with SandboxServer(None, options) as server:
        target = GenesysTarget(
            api_url=server.url,
            client_id=options.client_id,
            client_secret=options.client_secret,
            sandbox=True,
        )

        async def scenario(client: GenesysClient) -> list[object]:
            calls = (client.get_destination(f"id-{n}") for n in range(14))
            return await asyncio.gather(*calls)

        assert with_client(target, scenario, max_concurrency=8) == [None] * 14
        statuses = [r["status"] for r in requests(server.url)]
    assert statuses.count(404) == 14
    assert 429 not in statuses
