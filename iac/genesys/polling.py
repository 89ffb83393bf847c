"""Waiting for Genesys to show a write's effect: activation ending, a deleted integration gone.

Both are asynchronous in Genesys: enabling goes ACTIVATING before ACTIVE (or ERROR), and a
deleted integration can still answer GET for a moment.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from iac.errors import IacError
from iac.genesys.errors import GenesysApiError
from iac.genesys.live import LiveDestination


class ActivationError(IacError):
    """Enabling did not end ACTIVE: Genesys' own detail message, or a timeout."""


class ActivationClock:
    """How long to wait after enabling before reading the reported state, learned per client.

    Each read costs a request against the rate limit, so the first read waits for about as long
    as activation takes. Until one has been seen, that is ``INITIAL_WAIT``, a third of the second
    the sandbox models (Genesys documents no figure): an activation of 1 s is then seen ACTIVE
    on the second read. Genesys stamps each reported state (``lastUpdated``), so one read seen
    ACTIVATING and a later one ACTIVE tell the activation's length in Genesys' own clock; later
    waits start from the longest of the last few seen.
    """

    INITIAL_WAIT = 0.35
    MARGIN = 1.1  # activation times vary a little between integrations
    SLACK = 0.05
    MAX_WAIT = 2.0  # never poll more rarely than this, whatever was learned
    REMEMBERED = 5

    def __init__(self) -> None:
        self._seen: list[float] = []

    def first_wait(self) -> float:
        if not self._seen:
            return self.INITIAL_WAIT
        return min(self.MAX_WAIT, max(self._seen) * self.MARGIN + self.SLACK)

    def next_wait(self, previous: float) -> float:
        return min(self.MAX_WAIT, max(previous * 2, self.INITIAL_WAIT))

    def saw(self, started: datetime | None, ended: datetime | None) -> None:
        """An activation that went ACTIVATING at ``started`` and settled at ``ended``."""
        if started is None or ended is None:
            return
        seconds = (ended - started).total_seconds()
        if 0 <= seconds <= 600:  # anything else is a clock oddity, not a measurement
            self._seen = [*self._seen[-(self.REMEMBERED - 1) :], seconds]


async def wait_until_active(
    get_destination: Callable[[str], Awaitable[LiveDestination | None]],
    integration_id: str,
    timeout_seconds: float,
    clock: ActivationClock | None = None,
) -> LiveDestination:
    """Poll reportedState after enabling: ACTIVE returns, ERROR or a timeout raises.

    The first read waits ``clock.first_wait()``; later ones back off.
    """
    clock = clock or ActivationClock()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_seconds
    delay = clock.first_wait()
    activating_since: datetime | None = None
    while True:
        await asyncio.sleep(min(delay, max(0.0, deadline - loop.time())))
        live = await get_destination(integration_id)
        if live is None:
            raise ActivationError(f"integration {integration_id} disappeared while activating")
        if live.reported_state == "ACTIVE":
            clock.saw(activating_since, live.reported_since)
            return live
        if live.reported_state == "ERROR":
            raise ActivationError(
                f"Genesys reports activation ERROR for {integration_id}: "
                f"{live.reported_detail or 'no detail given'}"
            )
        if live.reported_state == "ACTIVATING":
            activating_since = live.reported_since
        if loop.time() >= deadline:
            raise ActivationError(
                f"integration {integration_id} is still {live.reported_state} after "
                f"{timeout_seconds:g}s (--activation-timeout)"
            )
        delay = clock.next_wait(delay)


async def wait_until_gone(
    get_integration: Callable[[str], Awaitable[Any | None]],
    integration_id: str,
    *,
    call: str,
    confirm_seconds: float,
) -> None:
    """Poll GET after a DELETE until Genesys answers 404; ``call`` names the DELETE."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + confirm_seconds
    delay = 0.1
    while await get_integration(integration_id) is not None:
        if loop.time() >= deadline:
            raise GenesysApiError(
                call,
                f"Genesys still returns the integration {confirm_seconds:g}s after deleting it",
            )
        await asyncio.sleep(delay)
        delay = min(delay * 2, 1.0)
