"""Local state backend: one JSON file (``iac.workspace`` names it), written atomically with a
backup.

Backends stay behind the small ``StateBackend`` interface so a remote one (e.g.
PostgreSQL) can replace the local files without touching the planner or applier.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Protocol

from pydantic import TypeAdapter, ValidationError

from iac.atomic import write_atomic
from iac.errors import IacError
from iac.state.lock import StateLock
from iac.state.model import FORMAT_VERSION, State

_STATE_ADAPTER = TypeAdapter(State)


class StateError(IacError):
    pass


class StateBackend(Protocol):
    def read(self) -> State | None: ...

    def write(self, state: State) -> State: ...

    def lock(self, operation: str, timeout: float) -> StateLock: ...


class LocalStateStore:
    def __init__(self, path: Path, backup_path: Path, lock_path: Path) -> None:
        self.path = path
        self.backup_path = backup_path
        self.lock_path = lock_path

    def lock(self, operation: str, timeout: float = 0.0) -> StateLock:
        return StateLock(self.lock_path, operation, timeout)

    def read(self) -> State | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            data = json.loads(text)
        except ValueError as err:
            raise StateError(
                f"{self.path}: not valid JSON ({err}); {self._restore_hint()}"
            ) from None
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
            found = data.get("version") if isinstance(data, dict) else None
            raise StateError(
                f"{self.path}: state format version {found!r} is not supported "
                f"(this iac writes version {FORMAT_VERSION})."
            )
        try:
            return _STATE_ADAPTER.validate_python(data)
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise StateError(
                f"{self.path}: {where}: {first['msg']}; {self._restore_hint()}"
            ) from None

    def write(self, state: State) -> State:
        """Write ``state`` with its serial incremented; returns what was written."""
        written = replace(state, serial=state.serial + 1)
        payload = json.dumps(_to_json(written), indent=2, sort_keys=False) + "\n"
        if self.path.exists():
            # A hard link keeps the previous version without a window where no state exists.
            self.backup_path.unlink(missing_ok=True)
            os.link(self.path, self.backup_path)
        write_atomic(self.path, payload, mode=0o600)  # ids and history: owner only
        return written

    def _restore_hint(self) -> str:
        if self.backup_path.exists():
            return f"the previous version is in {self.backup_path}"
        return "no backup exists"


def _to_json(state: State) -> dict[str, Any]:
    data = asdict(state)
    resources = {}
    for key in sorted(state.resources):
        entry = data["resources"][key]
        entry["deposed"] = list(entry["deposed"])
        if not entry["deposed"]:
            del entry["deposed"]
        if not entry["prevent_destroy"]:
            del entry["prevent_destroy"]
        if entry["verified"]:
            del entry["verified"]
        resources[key] = entry
    return {
        "version": state.version,
        "lineage": state.lineage,
        "serial": state.serial,
        "target": state.target,
        "resources": resources,
    }
