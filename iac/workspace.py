"""A workspace: one named state, its lock, its backup and its audit trail, in a state folder.

Every path of a workspace is spelled here, and ``backends`` is the one place that turns a
workspace into the objects that store it: the place a second (e.g. PostgreSQL) backend plugs
in. Light imports only: the audit commands use it and must start instantly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from iac.errors import IacError

if TYPE_CHECKING:  # the state store needs pydantic; `iac audit` must not pay for it
    from iac.audit.log import AuditLog
    from iac.state.lock import StateLock
    from iac.state.store import StateBackend

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
# The built-in sandbox keeps its org beside the states it serves (one per state folder).
SANDBOX_ORG_FILE = "sandbox-org.json"


def check_workspace(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise IacError(
            f"Invalid workspace name {name!r}: use letters, digits, '.', '_' or '-' "
            "(at most 64, starting with a letter or digit)."
        )
    return name


@dataclass(frozen=True)
class Workspace:
    state_dir: Path = Path("state")
    name: str = "default"

    def __post_init__(self) -> None:
        check_workspace(self.name)

    @property
    def state_file(self) -> Path:
        return self.state_dir / f"{self.name}.json"

    @property
    def backup_file(self) -> Path:
        return self.state_dir / f"{self.name}.json.backup"

    @property
    def lock_file(self) -> Path:
        return self.state_dir / f"{self.name}.lock"

    @property
    def audit_file(self) -> Path:
        return self.state_dir / f"{self.name}.audit.jsonl"

    @property
    def sandbox_org_file(self) -> Path:
        return self.state_dir / SANDBOX_ORG_FILE


@dataclass(frozen=True)
class Backends:
    """Where a workspace's state, lock and audit trail live."""

    state: StateBackend
    audit_file: Path

    def lock(self, operation: str, timeout: float = 0.0) -> StateLock:
        return self.state.lock(operation, timeout)

    def audit_log(self, *, run_id: str, actor: str) -> AuditLog:
        from iac.audit.log import AuditLog

        return AuditLog(self.audit_file, run_id=run_id, actor=actor)


def backends(workspace: Workspace) -> Backends:
    from iac.state.store import LocalStateStore

    return Backends(
        state=LocalStateStore(workspace.state_file, workspace.backup_file, workspace.lock_file),
        audit_file=workspace.audit_file,
    )
