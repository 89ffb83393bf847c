"""Verifying a change: read the integration back, and for an enabled one wait for ACTIVE,
making sure a write that should have restarted activation did.

Whether Genesys starts activating an enabled integration again after a configuration PUT, or
after PATCH ENABLED on one whose activation ended in ERROR, is unverified. If it does not,
the integration keeps its old reported state: still ACTIVE with the previous configuration
pushed to AWS, or still ERROR with the old reason. Waiting for ACTIVE would then either pass
without the new configuration ever being activated, or fail on the old error.

So after such a write the reported state is watched for a short window. It has moved when
Genesys reports ACTIVATING, another state than before the write, or (where Genesys gives
``reportedState.lastUpdated``) a later change than before the write. If it has not moved by
the end of the window, activation did not restart, and the integration is disabled and
enabled again (the job says "Re-enabling"): a fresh enable always starts activation. A
restart too quick to see without ``lastUpdated`` (ACTIVE to ACTIVE, or ERROR to ERROR again)
reads as "did not move"; the cycle that follows costs a moment of activation, never a wrong
result.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from iac.apply.job import Job, JobStatus
from iac.errors import IacError
from iac.genesys.live import LiveDestination
from iac.plan.planner import attribute_changes
from iac.telemetry import get_logger

log = get_logger("apply")

# Reported states from which disabling has not finished yet.
_STILL_ON = ("ACTIVE", "ACTIVATING", "DEACTIVATING")


class VerificationError(IacError):
    pass


class Reader(Protocol):
    """The calls verification makes (a part of the applier's ``DestinationClient``)."""

    async def get_destination(self, integration_id: str) -> LiveDestination | None: ...

    async def set_enabled(self, integration_id: str, enabled: bool) -> None: ...

    async def wait_until_active(
        self, integration_id: str, timeout_seconds: float
    ) -> LiveDestination: ...


@dataclass(frozen=True)
class Timing:
    activation_timeout: float  # --activation-timeout
    # How long a write that should restart activation may take to show it did.
    restart_window: float = 5.0

    @property
    def window(self) -> float:
        return min(self.restart_window, self.activation_timeout)


async def verify(
    client: Reader,
    job: Job,
    integration_id: str,
    after: dict[str, Any],
    *,
    timing: Timing,
    set_status: Callable[[JobStatus], None],
    restarting_from: LiveDestination | None = None,
) -> None:
    """Read back what Genesys holds; for an enabled destination, wait for ACTIVE. The result
    goes to ``job.verification``; a failure raises ``VerificationError``.

    ``restarting_from``: what Genesys reported before a write that should have restarted
    activation; if the reported state does not move, disable and enable it again.
    """
    set_status(JobStatus.VERIFYING)
    cycled = False
    try:
        if after["enabled"]:
            if restarting_from is not None:
                window = timing.window
                if not await activation_restarted(client, integration_id, restarting_from, window):
                    set_status(JobStatus.REENABLING)
                    log.info(
                        "activation did not restart; re-enabling",
                        extra={
                            "genesys_id": integration_id,
                            "reported_state": restarting_from.reported_state,
                        },
                    )
                    await cycle_enabled(client, integration_id, window)
                    cycled = True
                    set_status(JobStatus.VERIFYING)
            live = await client.wait_until_active(integration_id, timing.activation_timeout)
        else:
            found = await client.get_destination(integration_id)
            if found is None:
                raise VerificationError(f"integration {integration_id} is gone after the write")
            live = found
        mismatches = attribute_changes(after, live.attributes)
        if mismatches:
            raise VerificationError(
                "Genesys holds different values than were written: "
                + ", ".join(f"{m.name} is {m.after!r}, expected {m.before!r}" for m in mismatches)
            )
    except IacError as err:
        job.verification = {"status": "failed", "message": str(err)}
        raise VerificationError(f"verification failed: {err}") from None
    state = f", {live.reported_state}" if live.reported_state else ""
    how = " (re-enabled: activation did not restart)" if cycled else ""
    job.verification = {
        "status": "verified",
        "message": f"read back {integration_id}: matches the configuration{state}{how}",
    }


def moved(before: LiveDestination, now: LiveDestination) -> bool:
    """Whether the reported state shows an activation started after ``before`` was read."""
    if now.reported_state == "ACTIVATING" or now.reported_state != before.reported_state:
        return True
    then, since = before.reported_since, now.reported_since
    return then is not None and since is not None and since != then


async def activation_restarted(
    client: Reader, integration_id: str, before: LiveDestination, window: float
) -> bool:
    """Watch the reported state for up to ``window`` seconds after a write that should have
    restarted activation; False when it never moved.

    An activation already under way before the write (ACTIVATING) cannot be told apart from a
    new one: it counts as restarted. So does an integration that is gone; verification then
    says so.
    """
    if before.reported_state == "ACTIVATING":
        return True
    loop = asyncio.get_running_loop()
    deadline = loop.time() + window
    delay = 0.05
    while True:
        now = await client.get_destination(integration_id)
        if now is None or moved(before, now):
            return True
        remaining = deadline - loop.time()
        if remaining <= 0:
            return False
        await asyncio.sleep(min(delay, remaining))
        delay = min(delay * 2, 1.0)


async def cycle_enabled(client: Reader, integration_id: str, window: float) -> None:
    """DISABLED, then (once Genesys no longer reports it on, or after ``window``) ENABLED."""
    await client.set_enabled(integration_id, False)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + window
    delay = 0.05
    while loop.time() < deadline:
        now = await client.get_destination(integration_id)
        if now is None or now.reported_state not in _STILL_ON:
            break
        await asyncio.sleep(min(delay, max(0.0, deadline - loop.time())))
        delay = min(delay * 2, 1.0)
    await client.set_enabled(integration_id, True)
