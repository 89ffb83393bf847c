"""Local state backend: one JSON file (``iac.workspace`` names it), written atomically with a
backup.

Backends stay behind the small ``StateBackend`` interface, so the PostgreSQL one
(``iac.state.postgres``) replaces the local files without touching the planner or applier.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from iac.atomic import remove_leftovers, write_atomic
from iac.errors import IacError
from iac.state.document import DocumentError, UnsupportedVersion, decode, encode
from iac.state.lock import StateLock
from iac.state.model import State


class StateError(IacError):
    pass


class StateBackend(Protocol):
    def read(self) -> State | None: ...

    def write(self, state: State) -> State: ...

    def import_state(self, state: State, *, over: State | None) -> State:
        """Write ``state`` as it is, lineage and serial kept (a copy from another backend,
        ``iac state push``/``pull``), only over the version the caller read: ``over``, or no
        state at all when None. Otherwise raise StateError and write nothing."""
        ...

    def lock(self, operation: str, timeout: float) -> AbstractContextManager[object]:
        """The workspace's exclusive lock for one run (taken on ``__enter__``)."""
        ...

    def check_writable(self) -> None:
        """Raise StateError unless this run may write the state (and its audit trail):
        checked before Genesys is changed, so no change lands that cannot be recorded."""
        ...


class LocalStateStore:
    def __init__(self, path: Path, backup_path: Path, lock_path: Path) -> None:
        self.path = path
        self.backup_path = backup_path
        self.lock_path = lock_path

    @contextlib.contextmanager
    def lock(self, operation: str, timeout: float = 0.0) -> Iterator[StateLock]:
        with StateLock(self.lock_path, operation, timeout) as held:
            # Held, no other run is mid-write: a temp file is a killed write's leftover.
            remove_leftovers(self.path)
            yield held

    def read(self) -> State | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            return decode(text)
        except UnsupportedVersion as err:
            raise StateError(f"{self.path}: {err}.") from None
        except DocumentError as err:
            raise StateError(f"{self.path}: {err}; {self._restore_hint()}") from None

    def write(self, state: State) -> State:
        """Write ``state`` with its serial incremented; returns what was written."""
        written = replace(state, serial=state.serial + 1)
        self._put(encode(written))
        return written

    def import_state(self, state: State, *, over: State | None) -> State:
        """``state`` as it is, over ``over`` only (see ``StateBackend``); the caller holds the
        lock, so the check and the write see the same file. The replaced version is kept as
        the backup."""
        found = self.read()
        if version_of(found) != version_of(over):
            raise StateError(
                f"Refusing to write the state of {self.path}: it was read as {describe(over)}, "
                f"but now holds {describe(found)}. Nothing was written."
            )
        self._put(encode(state))
        return state

    def _put(self, payload: str) -> None:
        if self.path.exists():
            # A hard link keeps the previous version without a window where no state exists.
            self.backup_path.unlink(missing_ok=True)
            os.link(self.path, self.backup_path)
        write_atomic(self.path, payload, mode=0o600)  # ids and history: owner only

    def check_writable(self) -> None:
        for path in (self.path, self.path.parent):
            if path.exists():
                if not os.access(path, os.W_OK):
                    raise StateError(
                        f"{path} is not writable by this user: iac stops before changing "
                        "Genesys, since it could not record the change."
                    )
                return

    def _restore_hint(self) -> str:
        if self.backup_path.exists():
            return f"the previous version is in {self.backup_path}"
        return "no backup exists"


def version_of(state: State | None) -> tuple[str, int] | None:
    """What a compare-and-swap compares: the lineage and serial (None: no state)."""
    return None if state is None else (state.lineage, state.serial)


def describe(state: State | None) -> str:
    """``serial 3 of lineage 1b2c...`` (or ``no state``), for messages."""
    return "no state" if state is None else f"serial {state.serial} of lineage {state.lineage}"
