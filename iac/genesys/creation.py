"""Creating integrations without ever creating two where one was asked for.

A POST whose answer was lost (lost connection, 5xx) may have created the integration anyway.
Sending it again blindly could leave a duplicate, so before each resend this looks for what
the lost POST made.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable

from iac.genesys.calls import RetryPolicy
from iac.genesys.errors import GenesysApiError
from iac.genesys.live import LiveDestination


class CreateGuard:
    """Serialises creates and, after a lost answer, finds the integration it made.

    Creates are serialised so that one whose answer was lost can tell its own integration
    apart from another create's. ``list_destinations`` must report each listing back through
    ``saw``: that listing is what "new" is measured against.
    """

    def __init__(
        self,
        policy: RetryPolicy,
        list_destinations: Callable[[], Awaitable[dict[str, LiveDestination]]],
    ) -> None:
        self._policy = policy
        self._list = list_destinations
        self._lock = asyncio.Lock()
        self._known_ids: set[str] | None = None

    def saw(self, integration_ids: Iterable[str]) -> None:
        self._known_ids = set(integration_ids)

    async def create(self, post: Callable[[], Awaitable[str]]) -> str:
        """Run ``post`` (one POST, not retried by itself; returns the new id) until it lands."""
        async with self._lock:
            if self._known_ids is None:
                await self._list()
            for attempt in range(1, self._policy.attempts + 1):
                try:
                    created_id = await post()
                except GenesysApiError as err:
                    if not err.maybe_committed or attempt == self._policy.attempts:
                        raise
                    found = await self._find_created()
                    if found:
                        return found
                    await asyncio.sleep(
                        min(self._policy.backoff_max, self._policy.backoff_initial * 2**attempt)
                    )
                    continue
                if self._known_ids is not None:
                    self._known_ids.add(created_id)
                return created_id
        raise AssertionError("unreachable")

    async def _find_created(self) -> str | None:
        """After a create whose answer was lost: the integration it made, if it made one.

        Genesys names a new integration after its type, so what identifies ours is being new
        since the last listing and still unconfigured. Creates are serialised, so there is at
        most one such integration of ours; finding several means someone else is creating too,
        and adopting a stranger would be worse than stopping.
        """
        known = set(self._known_ids or ())
        live = await self._list()
        new = sorted(
            i
            for i, d in live.items()
            if i not in known and d.attributes.get("event_source_suffix") is None
        )
        if len(new) > 1:
            raise GenesysApiError(
                "POST /api/v2/integrations",
                "the answer was lost and several new unconfigured integrations appeared "
                f"meanwhile ({', '.join(new)}); not creating another. Check them in Genesys "
                "Cloud, then import or delete the one this run made.",
            )
        return new[0] if new else None
