"""State surgery, as Terraform's ``state list``, ``state show``, ``state rm`` and ``state mv``:
reading a workspace's state, and editing it by hand, without calling Genesys.

Reads take no lock. An edit takes the workspace's lock (``--lock-timeout`` as for runs),
checks everything first, then writes the state as a new version (serial + 1, the replaced
one kept as by any write) and appends one audit record per destination to the workspace's
trail: ``forget`` for ``rm`` (Genesys keeps the integration), ``move`` for ``mv``. As any
run, it refuses to write when the audit trail does not verify, or when it may not write the
state and the trail. With the local files or ``--backend``, alike.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from iac.config.models import KEY_PATTERN
from iac.errors import IacError
from iac.plan.addresses import address, check_known
from iac.plan.moves import rename
from iac.run import records
from iac.state.model import ResourceState, State
from iac.workspace import Backends, Workspace, backends

if TYPE_CHECKING:
    from iac.audit import AuditTrail

_KEY = re.compile(KEY_PATTERN)


@dataclass(frozen=True)
class StateView:
    """A workspace's state as ``state list`` and ``state show`` read it (None: no state)."""

    where: str
    state: State | None


@dataclass(frozen=True)
class Forgotten:
    key: str
    entry: ResourceState


@dataclass(frozen=True)
class SurgeryOutcome:
    command: Literal["rm", "mv"]
    where: str  # the state, as messages name it
    serial: int  # the state's serial before
    written: int | None  # the serial written (None: --dry-run)
    kept_where: str  # where the replaced version is kept
    forgotten: tuple[Forgotten, ...] = ()  # rm
    moved: tuple[str, str] | None = None  # mv: (old, new)
    moved_id: str | None = None


def read_state(workspace: Workspace) -> StateView:
    """The workspace's state, unlocked (a reader must not wait for an apply)."""
    if workspace.backend is None:
        return StateView(str(workspace.state_file), backends(workspace).state.read())
    from iac.pg.session import Session  # psycopg: only with a backend URL
    from iac.state.postgres import PostgresStateStore

    with Session(workspace.backend, create=False) as session:  # reading creates no schema
        state = PostgresStateStore(session, workspace.name).read() if session.present else None
    return StateView(workspace.location, state)


def entry_of(view: StateView, key: str) -> ResourceState:
    """The state entry of ``key``; IacError (with the nearest key) when there is none."""
    state = _existing(view.state, view.where, nothing="no destination to show")
    entry = state.resources.get(key)
    if entry is None:
        check_known([key], state.resources, where=view.where)
    assert entry is not None
    return entry


def remove(
    workspace: Workspace, keys: tuple[str, ...], *, lock_timeout: float, dry_run: bool
) -> SurgeryOutcome:
    """Forget ``keys``: their entries leave state; their integrations stay in Genesys."""
    with _locked(workspace, "state rm", lock_timeout) as locked:
        held = locked.state
        check_known(keys, held.resources, where=workspace.location)
        state = held
        for key in keys:
            state = state.without_resource(key).without_pending_create(key)
        forgotten = tuple(Forgotten(k, held.resources[k]) for k in keys)
        written = None
        if not dry_run:
            written, audit = locked.write(state)
            for f in forgotten:
                audit.append(records.forget_record(f.key, f.entry.id, _recorded(f.entry)))
        return SurgeryOutcome(
            "rm", workspace.location, held.serial, written, _kept(workspace), forgotten
        )


def move(
    workspace: Workspace, old: str, new: str, *, lock_timeout: float, dry_run: bool
) -> SurgeryOutcome:
    """Rename ``old`` to ``new`` in state; Genesys is not called."""
    if not _KEY.match(new):
        raise IacError(
            f"{new!r} is not a destination key: use letters, digits, '_' and '-', starting "
            "with a letter or digit, at most 64 characters."
        )
    with _locked(workspace, "state mv", lock_timeout) as locked:
        held = locked.state
        check_known([old], held.resources, where=workspace.location)
        if old == new:
            raise IacError(f"{address(old)} already has that key: nothing to move.")
        if new in held.resources or new in held.pending_creates:
            taken = held.resources.get(new)
            raise IacError(
                f"Cannot move {address(old)} to {address(new)}: state already holds "
                f"{address(new)}"
                + (f" (integration {taken.id})" if taken else " (a create cut off half-way)")
                + ". Nothing was changed; remove it first (iac state rm) if it is stale."
            )
        entry = held.resources[old]
        written = None
        if not dry_run:
            written, audit = locked.write(rename(held, old, new))
            audit.append(records.move_record(old, new, entry.id))
        return SurgeryOutcome(
            "mv",
            workspace.location,
            held.serial,
            written,
            _kept(workspace),
            moved=(old, new),
            moved_id=entry.id,
        )


@contextlib.contextmanager
def _locked(workspace: Workspace, operation: str, timeout: float) -> Iterator[_Held]:
    """The workspace locked and its state read, for one edit."""
    if workspace.backend is None and not workspace.state_file.exists():
        # Before locking: the lock would create a folder for a mistyped --state-dir.
        _existing(None, workspace.location)
    located = backends(workspace)  # with --backend, one session: the lock's, closed with it
    with located.lock(operation, timeout):
        yield _Held(located, _existing(located.state.read(), workspace.location))


@dataclass(frozen=True)
class _Held:
    backends: Backends
    state: State

    def write(self, state: State) -> tuple[int, AuditTrail]:
        """Write ``state`` (serial + 1) once state and trail are writable and the trail
        verifies; returns the serial written and the trail to record the edit in."""
        from iac.audit import detect_actor

        self.backends.state.check_writable()
        audit = self.backends.audit_log(run_id=str(uuid.uuid4()), actor=detect_actor(os.environ))
        audit.check()
        return self.backends.state.write(state).serial, audit


def _existing(state: State | None, where: str, *, nothing: str = "nothing to change") -> State:
    if state is None:
        raise IacError(
            f"No state at {where}: {nothing} (--state-dir, --workspace and --backend name it)."
        )
    return state


def _recorded(entry: ResourceState) -> dict[str, object]:
    """What the forget record keeps of the entry: its attributes and leftovers."""
    kept: dict[str, object] = dict(entry.attributes)
    if entry.deposed:
        kept["deposed"] = list(entry.deposed)
    return kept


def _kept(workspace: Workspace) -> str:
    if workspace.backend is None:
        return f"in {workspace.backup_file}"
    return f"in column previous_document of table {workspace.backend.schema}.states"
