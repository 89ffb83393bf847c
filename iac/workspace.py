"""A workspace: one named state, its lock, its backup and its audit trail, in a state folder
or in a PostgreSQL database.

Every path of a workspace is spelled here, and ``backends`` is the one place that turns a
workspace into the objects that store it: the local files, or (with a backend URL) the
PostgreSQL tables of ``iac.state.postgres`` and ``iac.audit.table``. Light imports only: the
audit commands use it and must start instantly, and runs on local files never load psycopg.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from iac.errors import IacError
from iac.pg.url import BackendURL

if TYPE_CHECKING:  # the state store needs pydantic; `iac audit` must not pay for it
    from iac.audit.log import AuditTrail
    from iac.pg.session import Session
    from iac.state.store import StateBackend

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
# The built-in sandbox keeps its org beside the states it serves (one per state folder).
SANDBOX_ORG_FILE = "sandbox-org.json"
# The workspace `iac workspace select` chose for a state folder (Terraform: .terraform/environment).
SELECTED_FILE = ".iac-workspace"
DEFAULT_WORKSPACE = "default"


def check_workspace(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise IacError(
            f"Invalid workspace name {name!r}: use letters, digits, '.', '_' or '-' "
            "(at most 64, starting with a letter or digit)."
        )
    return name


def selected_file(state_dir: Path) -> Path:
    return state_dir / SELECTED_FILE


def selected_workspace(state_dir: Path) -> str | None:
    """The workspace ``iac workspace select`` remembered for ``state_dir``; None if none."""
    path = selected_file(state_dir)
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as err:
        raise IacError(f"{path}: cannot read the selected workspace ({err}).") from None
    try:
        return check_workspace(text)
    except IacError as err:
        raise IacError(
            f"{path} names no valid workspace: {err} Select one again with "
            "iac workspace select NAME, or delete the file."
        ) from None


def current_workspace(state_dir: Path, given: str | None) -> str:
    """The workspace a command uses: ``given`` (``--workspace`` or ``IAC_WORKSPACE``), else the
    one selected for ``state_dir``, else "default"."""
    if given is not None:
        return check_workspace(given)
    return selected_workspace(state_dir) or DEFAULT_WORKSPACE


@dataclass(frozen=True)
class Workspace:
    state_dir: Path = Path("state")
    name: str = "default"
    # None: the files below, in state_dir. Else the database holding the state, lock and
    # audit trail (the built-in sandbox keeps its org file in state_dir either way).
    backend: BackendURL | None = None

    def __post_init__(self) -> None:
        check_workspace(self.name)

    @property
    def location(self) -> str:
        """Where the state lives, for messages: its file, or the workspace in the database."""
        if self.backend is None:
            return str(self.state_file)
        return f"workspace {self.name} in {self.backend.display}"

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
    # (run_id, actor) -> the trail a run appends to
    audit: Callable[[str, str], AuditTrail]
    # The trail as file lines (each ending in b"\n"; [] when empty), and records copied in
    # from another trail as they are, each continuing the chain (``iac state push``/``pull``).
    audit_lines: Callable[[], list[bytes]]
    copy_audit_lines: Callable[[Sequence[bytes]], int]

    def lock(self, operation: str, timeout: float = 0.0) -> AbstractContextManager[object]:
        return self.state.lock(operation, timeout)

    def audit_log(self, *, run_id: str, actor: str) -> AuditTrail:
        return self.audit(run_id, actor)


def backends(workspace: Workspace) -> Backends:
    if workspace.backend is not None:
        from iac.pg.session import Session

        return postgres_backends(Session(workspace.backend), workspace.name)
    from iac.audit.log import AuditLog, append_lines, read_lines
    from iac.state.store import LocalStateStore

    audit_file = workspace.audit_file
    return Backends(
        state=LocalStateStore(workspace.state_file, workspace.backup_file, workspace.lock_file),
        audit=lambda run_id, actor: AuditLog(audit_file, run_id=run_id, actor=actor),
        audit_lines=lambda: read_lines(audit_file),
        copy_audit_lines=lambda lines: append_lines(audit_file, lines),
    )


def postgres_backends(session: Session, name: str) -> Backends:
    """A workspace in the database: state, lock and audit trail share the session's one
    connection, which the lock holds for the run and closes when it is released."""
    from iac.audit.table import AuditTable, append_lines, read_lines
    from iac.state.postgres import PostgresStateStore

    return Backends(
        state=PostgresStateStore(session, name),
        audit=lambda run_id, actor: AuditTable(session, name, run_id=run_id, actor=actor),
        audit_lines=lambda: read_lines(session, name),
        copy_audit_lines=lambda lines: append_lines(session, name, lines),
    )


def read_audit_lines(workspace: Workspace) -> list[bytes]:
    """The database trail of a workspace (with a backend URL), as file lines; [] when empty."""
    from iac.audit.table import read_lines
    from iac.pg.session import Session

    assert workspace.backend is not None
    with Session(workspace.backend, create=False) as session:
        return read_lines(session, workspace.name)
