"""429s cost time within a budget, never a failed call; other failures keep a count limit."""

from __future__ import annotations

import dataclasses
import time

import pytest
from genesys_sandbox import ATTRIBUTES, LIST, QUICK, fault, requests, with_client

from iac.genesys.client import GenesysClient, RetryPolicy
from iac.genesys.errors import GenesysApiError
from iac.genesys.settings import GenesysTarget
from iac.sandbox import SandboxOptions, SandboxServer


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    # A fixed seed: the storm's 429s fall the same way on every run.
    return SandboxOptions(activation_delay=0.05, seed=9)


def test_policy_defaults() -> None:
    policy = RetryPolicy()
    assert policy.throttle_budget_seconds == 300.0
    assert policy.attempts == 6


def test_a_429_storm_costs_time_not_failures(sandbox: SandboxServer, target: GenesysTarget) -> None:
    # Three calls in four answered 429: a fixed count of six tries failed one call in six.
    fault(sandbox.url, method="*", path="/api/v2/*", status=429, retry_after=0, probability=0.75)

    async def lifecycle(client: GenesysClient) -> tuple[list[str], int]:
        made = []
        for n in range(4):
            integration_id = await client.create_integration()
            attributes = {**ATTRIBUTES, "event_source_suffix": f"orders-{n}"}
            await client.configure(integration_id, attributes, None)
            await client.set_enabled(integration_id, True)
            made.append(integration_id)
        listed = await client.list_destinations()
        assert sorted(listed) == sorted(made)
        for integration_id in made[:2]:
            assert await client.delete_integration(integration_id)
        return made, client.stats.throttled

    made, throttled = with_client(target, lifecycle)

    assert len(made) == 4
    statuses = [r["status"] for r in requests(sandbox.url) if r["path"].startswith("/api/v2/")]
    assert statuses.count(429) == throttled
    # Long runs of 429s on one call happened, and were waited out.
    assert "429, 429, 429, 429, 429, 429" in ", ".join(map(str, statuses))
    posts = [r for r in requests(sandbox.url, "POST", LIST) if r["status"] == 200]
    assert len(posts) == 4  # a throttled create is sent again, never twice made


def test_a_429_that_outlasts_the_budget_fails_naming_it(
    sandbox: SandboxServer, target: GenesysTarget
) -> None:
    fault(sandbox.url, method="GET", path=LIST, status=429, retry_after=1)
    policy = dataclasses.replace(QUICK, throttle_budget_seconds=2.5)

    async def listing(client: GenesysClient) -> object:
        return await client.list_destinations()

    started = time.monotonic()
    with pytest.raises(GenesysApiError) as caught:
        with_client(target, listing, policy=policy)
    took = time.monotonic() - started

    # Tries at 0 s, 1 s and 2 s; a third wait would end past 2.5 s, so it is not started.
    assert len(requests(sandbox.url, "GET", LIST)) == 3
    assert 2.0 <= took < 10.0
    err = caught.value
    assert (err.status, err.code) == (429, "too.many.requests.retry.after")
    assert "gave up after 3 answers 429" in str(err)
    assert "throttle budget 2.5s" in str(err)


def test_retry_after_is_honoured(sandbox: SandboxServer, target: GenesysTarget) -> None:
    fault(sandbox.url, method="GET", path=LIST, status=429, retry_after=1, on_calls=[1])

    async def listing(client: GenesysClient) -> float:
        started = time.monotonic()
        await client.list_destinations()
        return time.monotonic() - started

    assert with_client(target, listing) >= 1.0


@pytest.mark.parametrize("attempts", [1, 3])
def test_server_errors_keep_a_count_limit(
    sandbox: SandboxServer, target: GenesysTarget, attempts: int
) -> None:
    fault(sandbox.url, method="GET", path=LIST, status=503)
    policy = dataclasses.replace(QUICK, attempts=attempts)

    async def listing(client: GenesysClient) -> object:
        return await client.list_destinations()

    with pytest.raises(GenesysApiError) as caught:
        with_client(target, listing, policy=policy)

    assert caught.value.status == 503
    assert len(requests(sandbox.url, "GET", LIST)) == attempts


def test_429s_do_not_use_up_the_count_of_other_failures(
    sandbox: SandboxServer, target: GenesysTarget
) -> None:
    fault(sandbox.url, method="GET", path=LIST, status=429, retry_after=0, on_calls=[1, 2, 3])
    fault(sandbox.url, method="GET", path=LIST, status=503, on_calls=[4])
    policy = dataclasses.replace(QUICK, attempts=2)

    async def listing(client: GenesysClient) -> object:
        return await client.list_destinations()

    assert with_client(target, listing, policy=policy) == {}
    statuses = [r["status"] for r in requests(sandbox.url, "GET", LIST)]
    assert statuses == [429, 429, 429, 503, 200]
