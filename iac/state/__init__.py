"""State: what iac last applied, per workspace, and the lock that serialises runs."""

from iac.state.lock import StateLock, StateLockedError
from iac.state.model import ResourceState, State
from iac.state.store import LocalStateStore, StateBackend, StateError

__all__ = [
    "LocalStateStore",
    "ResourceState",
    "State",
    "StateBackend",
    "StateError",
    "StateLock",
    "StateLockedError",
]
