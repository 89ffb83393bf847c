"""Keeps the state current during an apply: every finished step is saved at once.

A run that dies half-way therefore leaves a state that knows about every integration it
made, so the next plan converges instead of creating duplicates.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from iac.state.model import BusState, PendingCreate, ResourceState, State
from iac.state.store import StateBackend


class StateRecorder:
    def __init__(
        self, store: StateBackend, state: State, protected: frozenset[str] = frozenset()
    ) -> None:
        self._store = store
        self.state = state
        self._protected = protected
        self._lock = asyncio.Lock()

    def entry(self, key: str) -> ResourceState | None:
        return self.state.resources.get(key)

    async def intend_create(self, key: str, pending: PendingCreate) -> None:
        """Before a create's POST: what the next plan needs to find the integration it makes,
        should the run die before ``put`` records it."""
        async with self._lock:
            self.state = self._store.write(self.state.with_pending_create(key, pending))

    async def put(self, key: str, resource: ResourceState) -> None:
        """Record the key's entry; a create it was pending on is settled by the same write.
        The key's partner event bus stays as recorded (``set_bus`` changes it)."""
        resource = replace(resource, prevent_destroy=key in self._protected)
        async with self._lock:
            current = self.state.resources.get(key)
            resource = replace(resource, bus=current.bus if current else None)
            updated = self.state.with_resource(key, resource).without_pending_create(key)
            self.state = self._store.write(updated)

    async def set_bus(self, key: str, bus: BusState | None) -> None:
        """Record the key's partner event bus (None: it has none), once verified."""
        async with self._lock:
            entry = self.state.resources.get(key)
            if entry is None or entry.bus == bus:
                return
            self.state = self._store.write(self.state.with_resource(key, replace(entry, bus=bus)))

    async def forget(self, key: str) -> None:
        async with self._lock:
            if key in self.state.resources or key in self.state.pending_creates:
                updated = self.state.without_resource(key).without_pending_create(key)
                self.state = self._store.write(updated)

    async def drop_pending(self, key: str) -> None:
        """A create whose POST certainly made nothing: no intent left to resolve."""
        async with self._lock:
            if key in self.state.pending_creates:
                self.state = self._store.write(self.state.without_pending_create(key))

    async def drop_deposed(self, key: str, integration_id: str) -> None:
        async with self._lock:
            entry = self.state.resources.get(key)
            if entry is None or integration_id not in entry.deposed:
                return
            kept = tuple(i for i in entry.deposed if i != integration_id)
            self.state = self._store.write(
                self.state.with_resource(key, replace(entry, deposed=kept))
            )
