"""Waiting for Genesys to show a write's effect: activation ending, a deleted integration gone.

Both are asynchronous in Genesys: enabling goes ACTIVATING before ACTIVE (or ERROR), and a
deleted integration can still answer GET for a moment.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from iac.errors import IacError
from iac.genesys.errors import GenesysApiError
from iac.genesys.live import LiveDestination


class ActivationError(IacError):
    """Enabling did not end ACTIVE: Genesys' own detail message, or a timeout."""


async def wait_until_active(
    get_destination: Callable[[str], Awaitable[LiveDestination | None]],
    integration_id: str,
    timeout_seconds: float,
) -> LiveDestination:
    """Poll reportedState after enabling: ACTIVE returns, ERROR or a timeout raises."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_seconds
    delay = 0.2
    while True:
        live = await get_destination(integration_id)
        if live is None:
            raise ActivationError(f"integration {integration_id} disappeared while activating")
        if live.reported_state == "ACTIVE":
            return live
        if live.reported_state == "ERROR":
            raise ActivationError(
                f"Genesys reports activation ERROR for {integration_id}: "
                f"{live.reported_detail or 'no detail given'}"
            )
        if loop.time() >= deadline:
            raise ActivationError(
                f"integration {integration_id} is still {live.reported_state} after "
                f"{timeout_seconds:g}s (--activation-timeout)"
            )
        await asyncio.sleep(min(delay, max(0.0, deadline - loop.time())))
        delay = min(delay * 2, 2.0)


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
