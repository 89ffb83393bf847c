"""``iac workspace list/new/select/delete``: the workspaces a backend holds, or the local files
in a state folder, and the one ``select`` remembers for a state folder.

A local workspace is a ``<name>.json`` state (the sandbox's org file aside) or a
``<name>.audit.jsonl`` trail in ``--state-dir``; its serial and lineage are read from the
document as JSON (no full validation: a listing must not fail on one damaged file, which it
names instead), its last write is the file's modification time, and its audit records are
the trail's lines. In a database, every workspace holding a state or audit records.

``new`` makes a workspace without state: an empty audit trail in the folder, or a row of
``workspaces`` in the database; its first apply writes the state, bound to the org it targets.
``select`` remembers a workspace in ``--state-dir`` (also with a backend, as Terraform keeps
``.terraform/environment`` locally). ``delete`` removes a state under its lock, refusing one
that still manages destinations unless forced. An audit trail is evidence: a local one is
moved aside, and a database's records are append-only, so a workspace holding some stays
listed there, without state.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from iac.atomic import write_atomic
from iac.errors import IacError
from iac.pg.url import BackendURL
from iac.state.model import State, StoredWorkspace
from iac.workspace import (
    DEFAULT_WORKSPACE,
    SANDBOX_ORG_FILE,
    Workspace,
    backends,
    check_workspace,
    selected_file,
)

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


@dataclass(frozen=True)
class Selected:
    name: str
    created: bool  # new, or select --or-create of one that did not exist
    remembered_in: Path  # the file that remembers the selection


@dataclass(frozen=True)
class Deleted:
    name: str
    where: str  # the state folder, or the database
    # Destinations the deleted state still managed (--force): left in Genesys, unmanaged.
    forgotten: tuple[str, ...]
    audit_records: int  # records of its trail, kept as evidence
    audit_kept: str | None  # where they are now, "as FILE" or "in DATABASE" (None: none)
    unselected: bool  # it was the selected workspace of the state folder


def workspace_names(state_dir: Path, backend: BackendURL | None) -> set[str]:
    """Every workspace there is: those listed, and "default", which always exists."""
    return {w.name for w in list_workspaces(state_dir, backend).workspaces} | {DEFAULT_WORKSPACE}


def new_workspace(state_dir: Path, backend: BackendURL | None, name: str) -> Selected:
    """Create ``name`` (refused if it exists) and select it."""
    check_workspace(name)
    if name in workspace_names(state_dir, backend):
        raise IacError(
            f"Workspace {name!r} already exists in {_where(state_dir, backend)}: "
            f"select it with iac workspace select {name}."
        )
    if backend is None:
        trail = Workspace(state_dir, name).audit_file
        state_dir.mkdir(parents=True, exist_ok=True)
        os.close(os.open(trail, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    else:
        from iac.pg.session import Session
        from iac.state.postgres import create_workspace

        with Session(backend) as session:
            if not create_workspace(session, name):
                raise IacError(f"Workspace {name!r} already exists in {backend.display}.")
    return _remember(state_dir, name, created=True)


def select_workspace(
    state_dir: Path, backend: BackendURL | None, name: str, *, or_create: bool = False
) -> Selected:
    """Remember ``name`` as the workspace of ``state_dir``; it must exist unless ``or_create``."""
    check_workspace(name)
    if name not in workspace_names(state_dir, backend):
        if or_create:
            return new_workspace(state_dir, backend, name)
        raise IacError(
            f"Workspace {name!r} does not exist in {_where(state_dir, backend)}. Create it "
            f"with iac workspace new {name} (or select --or-create), or see iac workspace list."
        )
    return _remember(state_dir, name, created=False)


def delete_workspace(
    state_dir: Path,
    backend: BackendURL | None,
    name: str,
    *,
    current: str,
    force: bool = False,
    lock_timeout: float = 0.0,
) -> Deleted:
    """Delete ``name``'s state, under its lock. Refused for "default", the ``current``
    workspace, one that does not exist, and (unless ``force``) one whose state still manages
    destinations."""
    check_workspace(name)
    where = _where(state_dir, backend)
    if name == DEFAULT_WORKSPACE:
        raise IacError("The default workspace cannot be deleted (it always exists).")
    if name == current:
        raise IacError(
            f"Workspace {name!r} is the current workspace; select another one first "
            "(iac workspace select default)."
        )
    if name not in workspace_names(state_dir, backend):
        raise IacError(f"Workspace {name!r} does not exist in {where}.")
    located = Workspace(state_dir, name, backend)
    held = backends(located)
    with held.lock("workspace delete", lock_timeout):
        try:
            state = held.state.read()
        except IacError:
            if not force:
                raise
            state = None  # unreadable, and --force: deleted all the same
        forgotten = _managed(state)
        if forgotten and not force:
            raise IacError(
                f"Workspace {name!r} still manages {len(forgotten)} destination(s) "
                f"({', '.join(forgotten)}): deleting its state would leave them in Genesys "
                f"with nothing managing them. Destroy them first (iac destroy --workspace "
                f"{name}), or pass --force to forget them. Nothing was deleted."
            )
        if backend is None:
            records, kept = _delete_local(located)
        else:
            from iac.state.postgres import PostgresStateStore
            from iac.state.postgres import delete_workspace as delete_rows

            store = held.state
            assert isinstance(store, PostgresStateStore)
            store.check_writable()
            records = delete_rows(store.session, name)
            kept = (
                f"in {backend.display}, where audit records are append-only: the workspace "
                "stays listed there, without state"
                if records
                else None
            )
    unselected = _forget_selection(state_dir, name)
    return Deleted(name, where, forgotten, records, kept, unselected)


def _managed(state: State | None) -> tuple[str, ...]:
    if state is None:
        return ()
    keys = set(state.resources) | set(state.pending_creates)
    return tuple(sorted(keys))


def _delete_local(workspace: Workspace) -> tuple[int, str | None]:
    """Remove the state files (the caller holds the lock); the trail is moved aside."""
    records = _count_lines(workspace.audit_file)
    kept = None
    if records:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        aside = workspace.audit_file.with_name(f"{workspace.audit_file.name}.deleted-{stamp}")
        os.replace(workspace.audit_file, aside)
        kept = f"as {aside}"
    else:
        workspace.audit_file.unlink(missing_ok=True)
    workspace.state_file.unlink(missing_ok=True)
    workspace.backup_file.unlink(missing_ok=True)
    workspace.lock_file.unlink(missing_ok=True)
    return records, kept


def _remember(state_dir: Path, name: str, *, created: bool) -> Selected:
    path = selected_file(state_dir)
    write_atomic(path, name + "\n")
    return Selected(name, created, path)


def _forget_selection(state_dir: Path, name: str) -> bool:
    path = selected_file(state_dir)
    try:
        selected = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return False
    if selected != name:
        return False
    path.unlink(missing_ok=True)
    return True


def _where(state_dir: Path, backend: BackendURL | None) -> str:
    return str(state_dir) if backend is None else backend.display


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
