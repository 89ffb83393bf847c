"""A create costs as few requests as Genesys allows: three writes, and reads of the reported
state spaced by what activation takes (learned from Genesys' own timestamps)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from genesys_sandbox import ATTRIBUTES, forget_requests, requests, with_client

from iac.genesys.client import GenesysClient
from iac.genesys.polling import ActivationClock
from iac.genesys.settings import GenesysTarget
from iac.sandbox import SandboxOptions, SandboxServer

T0 = datetime(2026, 11, 30, tzinfo=timezone.utc)


def test_the_first_read_waits_a_third_of_a_typical_activation_then_backs_off() -> None:
    clock = ActivationClock()
    first = clock.first_wait()
    assert first == pytest.approx(0.35)
    # An activation of 1 s is seen on the second read: 0.35 + 0.7 >= 1.
    assert first + clock.next_wait(first) >= 1.0
    waits = [first]
    for _ in range(6):
        waits.append(clock.next_wait(waits[-1]))
    assert max(waits) == ActivationClock.MAX_WAIT


def test_a_seen_activation_sets_the_first_wait() -> None:
    clock = ActivationClock()
    clock.saw(T0, T0 + timedelta(seconds=1))
    assert 1.0 < clock.first_wait() < 1.25
    clock.saw(T0, T0 + timedelta(seconds=0.2))  # the longest recent one still rules
    assert clock.first_wait() > 1.0
    for _ in range(ActivationClock.REMEMBERED):
        clock.saw(T0, T0 + timedelta(seconds=0.2))
    assert clock.first_wait() == pytest.approx(0.2 * 1.1 + 0.05)


@pytest.mark.parametrize("odd", [timedelta(seconds=-1), timedelta(hours=2)])
def test_clock_oddities_teach_nothing(odd: timedelta) -> None:
    clock = ActivationClock()
    clock.saw(T0, T0 + odd)
    clock.saw(None, T0)
    assert clock.first_wait() == ActivationClock.INITIAL_WAIT


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    return SandboxOptions(activation_delay=1.0)


def test_a_create_costs_at_most_five_requests_and_four_once_activation_is_known(
    sandbox: SandboxServer, target: GenesysTarget
) -> None:
    async def create_and_activate(client: GenesysClient) -> list[list[str]]:
        per_create = []
        await client.list_destinations()  # as a plan does before an apply's creates
        for suffix in ("first", "second"):
            forget_requests(sandbox.url)
            new_id = await client.create_integration()
            await client.configure(new_id, {**ATTRIBUTES, "event_source_suffix": suffix}, None)
            await client.set_enabled(new_id, True)
            live = await client.wait_until_active(new_id, 30)
            assert live.reported_state == "ACTIVE"
            per_create.append([r["method"] for r in requests(sandbox.url)])
        return per_create

    first, second = with_client(target, create_and_activate)
    # No config read before the PUT: a new integration's version is known.
    assert first[:3] == ["POST", "PUT", "PATCH"]
    assert len(first) <= 5, first
    if first.count("GET") == 2:  # seen ACTIVATING, then ACTIVE: its length was learned
        assert second == ["POST", "PUT", "PATCH", "GET"]


def test_a_wrong_guess_of_a_new_integrations_version_is_corrected(
    sandbox: SandboxServer, target: GenesysTarget
) -> None:
    async def configure_twice(client: GenesysClient) -> tuple[int, int]:
        new_id = await client.create_integration()
        await client.configure(new_id, ATTRIBUTES, None)  # version 1 -> 2
        # As if Genesys started new integrations at version 2: the guess of 1 conflicts.
        client._configs.fresh_version = 1
        again = await client.configure(new_id, {**ATTRIBUTES, "name": "Renamed"}, None)
        return again, client._configs.fresh_version

    version, learned = with_client(target, configure_twice)
    assert (version, learned) == (3, 2)
