"""``iac workspace list``: the workspaces a backend holds, or the local files in a state folder.

A local workspace is a ``<name>.json`` state (the sandbox's org file aside) or a
``<name>.audit.jsonl`` trail in ``--state-dir``; its serial and lineage are read from the
document as JSON (no full validation: a listing must not fail on one damaged file, which it
names instead), its last write is the file's modification time, and its audit records are
the trail's lines. In a database, every workspace holding a state or audit records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from iac.errors import IacError
from iac.pg.url import BackendURL
from iac.state.model import StoredWorkspace
from iac.workspace import SANDBOX_ORG_FILE, Workspace, check_workspace

_SUFFIXES = (".audit.jsonl", ".json")


@dataclass(frozen=True)
class WorkspaceListing:
    where: str  # the state folder, or the database (password never shown) and its schema
    workspaces: tuple[StoredWorkspace, ...]


def list_workspaces(state_dir: Path, backend: BackendURL | None) -> WorkspaceListing:
    if backend is None:
        return WorkspaceListing(str(state_dir), tuple(_local(state_dir)))
    from iac.pg.session import Session  # psycopg: only with a backend URL
    from iac.state.postgres import list_workspaces as stored

    with Session(backend, create=False) as session:  # listing creates no schema
        return WorkspaceListing(
            f"{backend.display} (schema {backend.schema})", tuple(stored(session))
        )


def _local(state_dir: Path) -> list[StoredWorkspace]:
    if not state_dir.is_dir():
        return []
    names = set()
    for path in state_dir.iterdir():
        if path.name == SANDBOX_ORG_FILE or not path.is_file():
            continue
        for suffix in _SUFFIXES:
            if path.name.endswith(suffix):
                names.add(path.name[: -len(suffix)])
                break
    return [_summary(Workspace(state_dir, name)) for name in sorted(names) if _valid(name)]


def _valid(name: str) -> bool:
    try:
        check_workspace(name)
    except IacError:  # not a name iac gives a workspace: some other file
        return False
    return True


def _summary(workspace: Workspace) -> StoredWorkspace:
    lineage: str | None = None
    serial: int | None = None
    written: datetime | None = None
    problem: str | None = None
    path = workspace.state_file
    if path.is_file():
        written = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
        try:
            data = json.loads(path.read_bytes())
            lineage, serial = data["lineage"], data["serial"]
            if not isinstance(lineage, str) or type(serial) is not int:
                raise TypeError
        except (ValueError, KeyError, TypeError, RecursionError):
            lineage, serial = None, None
            problem = f"{path} is not a state document iac can read"
    return StoredWorkspace(
        name=workspace.name,
        lineage=lineage,
        serial=serial,
        written_at=written,
        audit_records=_count_lines(workspace.audit_file),
        problem=problem,
    )


def _count_lines(path: Path) -> int:
    try:
        with path.open("rb") as file:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(1 << 16), b""))
    except FileNotFoundError:
        return 0
