"""Creating integrations without ever creating two where one was asked for.

A POST whose answer was lost (lost connection, 5xx) may have created the integration anyway.
Sending it again blindly could leave a duplicate, so before each resend this looks for what
the lost POST made: first by the name the create asked for (a unique pending name, when the
caller gives one), then, where Genesys ignores that name, as the one new unconfigured
integration since the last listing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable

from iac.genesys.calls import RetryPolicy
from iac.genesys.errors import GenesysApiError
from iac.genesys.live import LiveDestination

_CALL = "POST /api/v2/integrations"

# What one POST returns: the new integration's id and the name Genesys gave it.
Post = Callable[[], Awaitable[tuple[str, str | None]]]


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
        self.names_honoured: bool | None = None  # does Genesys keep the name a create asks for?

    def saw(self, integration_ids: Iterable[str]) -> None:
        self._known_ids = set(integration_ids)

    async def create(self, post: Post, name: str | None = None) -> str:
        """Run ``post`` (one POST, not retried by itself) until it lands; returns the new id.

        ``name``: the name the POST asks for, if any; after a lost answer the integration
        holding exactly that name is the one it made.
        """
        async with self._lock:
            if self._known_ids is None:
                await self._list()
            for attempt in range(1, self._policy.attempts + 1):
                try:
                    created_id, created_name = await post()
                except GenesysApiError as err:
                    if not err.maybe_committed or attempt == self._policy.attempts:
                        raise
                    found = await self._find_created(name)
                    if found:
                        return found
                    await asyncio.sleep(self._policy.backoff(attempt))
                    continue
                if name is not None:
                    self.names_honoured = created_name == name
                if self._known_ids is not None:
                    self._known_ids.add(created_id)
                return created_id
        raise AssertionError("unreachable")

    async def _find_created(self, name: str | None) -> str | None:
        """After a create whose answer was lost: the integration it made, if it made one."""
        known = set(self._known_ids or ())
        live = await self._list()
        new = {i: d for i, d in live.items() if i not in known}
        if name is not None:
            named = sorted(i for i, d in new.items() if d.name == name)
            if len(named) > 1:
                raise _ambiguous(named, f"named {name!r}")
            if named:
                self.names_honoured = True
                return named[0]
            if self.names_honoured:
                # Genesys keeps the names creates ask for, and none holds ours: the POST did
                # not land (a new unconfigured integration of another name is someone else's).
                return None
        return self._one_unconfigured(new, name)

    def _one_unconfigured(self, new: dict[str, LiveDestination], name: str | None) -> str | None:
        """Where Genesys ignores the name: a new integration is named after its type, so what
        identifies ours is being new since the last listing and still unconfigured. Creates
        are serialised, so there is at most one such integration of ours; finding several
        means someone else is creating too, and adopting a stranger would be worse than
        stopping."""
        found = sorted(i for i, d in new.items() if d.unconfigured)
        if len(found) > 1:
            raise _ambiguous(found, "unconfigured")
        if found and name is not None:
            self.names_honoured = False  # it made ours, under another name than asked
        return found[0] if found else None


def _ambiguous(ids: list[str], what: str) -> GenesysApiError:
    return GenesysApiError(
        _CALL,
        f"the answer was lost and several new {what} integrations appeared meanwhile "
        f"({', '.join(ids)}); not creating another. Check them in Genesys Cloud, then import "
        "or delete the one this run made.",
    )
