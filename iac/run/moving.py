"""``iac state push`` and ``iac state pull``: a workspace's state and audit trail copied between
the local files (``--state-dir``) and a PostgreSQL backend, under Terraform's names.

Both sides are locked for the whole copy, the local file lock first and then the database's
advisory lock (always in that order, so a push and a pull never wait on each other), and
everything is checked before anything is written:

- the source must hold a state, and its audit trail must verify from its first record;
- the destination's state must be absent or an older serial of the same lineage. Another
  lineage, a newer serial, or the same serial with another document is refused unless
  ``force``; the same serial with the same document needs no copy;
- the destination's trail must be empty or a prefix of the source's: the missing records are
  appended byte for byte, so the chain and its hashes carry over. A trail that holds all of
  the source's records and more is left as it is. A trail that went another way (or is
  damaged) is refused: a database's trail is append-only, so iac never rewrites it, not even
  with ``force``; a local file is moved aside, kept as evidence, when pulling with ``force``.

Then the records are copied, and the state is written as it is, lineage and serial kept (a
copy, not a new version): records first, so a copy cut off half-way is finished by running
it again. The destination's trail is verified again afterwards.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from dataclasses import replace as replaced
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from iac.audit.chain import verify_lines
from iac.errors import IacError
from iac.state.document import encode
from iac.state.model import State
from iac.state.store import describe
from iac.workspace import Backends, Workspace, backends, postgres_backends

if TYPE_CHECKING:
    from iac.pg.session import Session
    from iac.pg.url import BackendURL

Command = Literal["push", "pull"]
# How the destination's state compares with the source's.
Verdict = Literal["absent", "older", "same", "other-lineage", "newer", "changed-apart"]
NEEDS_FORCE: frozenset[Verdict] = frozenset({"other-lineage", "newer", "changed-apart"})


@dataclass(frozen=True)
class Side:
    """One end of a copy: a workspace's backends, and how messages name them."""

    state_where: str  # "state/prod.json", "workspace prod in postgresql://..."
    trail_where: str  # "state/prod.audit.jsonl", "the audit records of workspace prod in ..."
    trail_name: str  # as `iac audit verify` names it: "Audit trail <trail_name> is intact"
    kept_where: str  # where a replaced state version is kept
    unit: str  # how a place in the trail is named: "line" (file) or "record" (table)
    backends: Backends


@dataclass(frozen=True)
class TrailStep:
    """What the copy does with the audit trail (from ``compare_trails``)."""

    append: tuple[bytes, ...]  # the source's records the destination lacks
    held: int  # records the destination holds that are the source's first ones
    ahead: int = 0  # records the destination holds after the source's last one
    diverged_at: int | None = None  # first record (1-based) where the two trails differ


@dataclass(frozen=True)
class MoveOutcome:
    command: Command
    source: str  # the source's state, as messages name it
    destination: str
    state: State  # the source's state: the destination's now
    replaced: State | None  # the destination's state before (None: it had none)
    state_written: bool
    forced: bool  # the destination's state was replaced only because of --force
    kept_where: str  # where the replaced version is kept
    copied: int  # records copied
    held: int  # records the destination already held (the source's first ones)
    ahead: int  # records the destination holds beyond the source's
    set_aside: Path | None  # the local trail moved aside (pull --force of a diverged trail)
    trail_name: str  # the destination's trail, as `iac audit verify` names it
    records: int  # records the destination's trail holds now, chain verified
    last_hash: str | None  # its last record's hash, as `iac audit verify` prints it

    @property
    def changed(self) -> bool:
        return self.state_written or self.copied > 0 or self.set_aside is not None


def compare_state(source: State, held: State | None) -> Verdict:
    if held is None:
        return "absent"
    if held.lineage != source.lineage:
        return "other-lineage"
    if held.serial > source.serial:
        return "newer"
    if held.serial < source.serial:
        return "older"
    return "same" if encode(held) == encode(source) else "changed-apart"


def compare_trails(source: Sequence[bytes], held: Sequence[bytes]) -> TrailStep:
    """How the destination's records (``held``) relate to the source's, line by line."""
    if list(source[: len(held)]) == list(held):
        return TrailStep(append=tuple(source[len(held) :]), held=len(held))
    if list(held[: len(source)]) == list(source):
        return TrailStep(append=(), held=len(source), ahead=len(held) - len(source))
    first = next(n for n, (a, b) in enumerate(zip(source, held, strict=False), start=1) if a != b)
    return TrailStep(append=(), held=0, diverged_at=first)


def push(workspace: Workspace, *, force: bool = False, lock_timeout: float = 0.0) -> MoveOutcome:
    """The local state and audit trail into the backend."""
    url = _backend_of(workspace, "push")
    if not workspace.state_file.exists():  # before locking: a typo must not create folders
        raise IacError(
            f"Nothing to push: there is no state at {workspace.state_file} (--state-dir and "
            "--workspace name it)."
        )
    from iac.pg.session import Session  # psycopg: only with a backend URL

    with Session(url) as session:
        local, remote = _local(workspace), _remote(session, workspace.name)
        with _both_locked(local, remote, "state push", lock_timeout):
            return _copy("push", local, remote, force=force)


def pull(workspace: Workspace, *, force: bool = False, lock_timeout: float = 0.0) -> MoveOutcome:
    """The backend's state and audit trail into the local files."""
    url = _backend_of(workspace, "pull")
    from iac.pg.session import Session  # psycopg: only with a backend URL

    with Session(url, create=False) as session:
        if not session.present:
            raise IacError(
                f"Nothing to pull: {url.display} holds no iac tables in schema {url.schema!r}."
            )
        local, remote = _local(workspace), _remote(session, workspace.name)
        with _both_locked(local, remote, "state pull", lock_timeout):
            return _copy("pull", remote, local, force=force, set_aside=workspace.audit_file)


def _backend_of(workspace: Workspace, command: Command) -> BackendURL:
    if workspace.backend is None:
        raise IacError(
            f"iac state {command} copies a workspace between --state-dir and a PostgreSQL "
            "backend: give --backend URL (or set IAC_BACKEND)."
        )
    return workspace.backend


def _local(workspace: Workspace) -> Side:
    files = replaced(workspace, backend=None)
    return Side(
        state_where=str(files.state_file),
        trail_where=str(files.audit_file),
        trail_name=str(files.audit_file),
        kept_where=f"in {files.backup_file}",
        unit="line",
        backends=backends(files),
    )


def _remote(session: Session, name: str) -> Side:
    where = f"workspace {name} in {session.where}"
    return Side(
        state_where=where,
        trail_where=f"the audit records of {where}",
        trail_name=f"of {where}",
        kept_where=f"in column previous_document of table {session.url.schema}.states",
        unit="record",
        backends=postgres_backends(session, name),
    )


@contextlib.contextmanager
def _both_locked(local: Side, remote: Side, operation: str, timeout: float) -> Iterator[None]:
    with local.backends.lock(operation, timeout), remote.backends.lock(operation, timeout):
        yield


def _copy(
    command: Command,
    source: Side,
    destination: Side,
    *,
    force: bool,
    set_aside: Path | None = None,
) -> MoveOutcome:
    state = source.backends.state.read()
    if state is None:
        raise IacError(f"Nothing to {command}: {source.state_where} holds no state.")
    lines = source.backends.audit_lines()
    report = verify_lines(lines)
    if not report.ok:
        raise IacError(
            f"Refusing to {command}: {source.trail_where} is damaged at {source.unit} "
            f"{report.first_bad_line}: {report.problem}. Nothing was copied: a trail is only "
            "copied whole and intact (`iac audit verify` shows the damage)."
        )
    held = destination.backends.state.read()
    verdict = compare_state(state, held)
    if verdict in NEEDS_FORCE and not force:
        raise IacError(_state_refusal(command, verdict, source, destination, state, held))
    held_lines = destination.backends.audit_lines()
    trail = compare_trails(lines, held_lines)
    damage = verify_lines(held_lines)
    move_aside = False
    if trail.diverged_at is not None or not damage.ok:
        if damage.ok:
            why = (
                f"{destination.trail_where} ({_records(len(held_lines))}) and "
                f"{source.trail_where} ({_records(len(lines))}) differ from record "
                f"{trail.diverged_at} on: they recorded different histories"
            )
        else:
            why = (
                f"{destination.trail_where} is damaged at {destination.unit} "
                f"{damage.first_bad_line}: {damage.problem}"
            )
        if set_aside is None or not force:
            raise IacError(_trail_refusal(command, why, set_aside))
        trail, move_aside = TrailStep(append=tuple(lines), held=0), True

    moved = _move_aside(set_aside) if move_aside and set_aside is not None else None
    copied = destination.backends.copy_audit_lines(trail.append) if trail.append else 0
    if verdict != "same":
        destination.backends.state.import_state(state, over=held)
    final = verify_lines(destination.backends.audit_lines())
    if not final.ok:  # cannot happen: both trails were checked under the locks
        raise IacError(
            f"After the copy, {destination.trail_where} does not verify at "
            f"{destination.unit} {final.first_bad_line}: {final.problem}."
        )
    return MoveOutcome(
        command=command,
        source=source.state_where,
        destination=destination.state_where,
        state=state,
        replaced=held,
        state_written=verdict != "same",
        forced=verdict in NEEDS_FORCE,
        kept_where=destination.kept_where,
        copied=copied,
        held=trail.held,
        ahead=trail.ahead,
        set_aside=moved,
        trail_name=destination.trail_name,
        records=final.records,
        last_hash=final.last_hash,
    )


def _state_refusal(
    command: Command,
    verdict: Verdict,
    source: Side,
    destination: Side,
    state: State,
    held: State | None,
) -> str:
    assert held is not None
    if verdict == "other-lineage":
        found = (
            f"{destination.state_where} holds another state history (lineage {held.lineage}, "
            f"serial {held.serial}) than {source.state_where} (lineage {state.lineage}, serial "
            f"{state.serial})"
        )
        then = "Pass --force to replace it"
    elif verdict == "newer":
        found = (
            f"{destination.state_where} holds {describe(held)}, newer than {describe(state)} "
            f"in {source.state_where}"
        )
        other = "pull" if command == "push" else "push"
        then = (
            f"If it is the one to keep, {other} it instead (iac state {other}); or pass "
            "--force to overwrite it with the older state"
        )
    else:
        found = (
            f"{destination.state_where} holds {describe(held)} too, but not the same document "
            f"as {source.state_where}: the two copies were changed apart"
        )
        then = "Pass --force to overwrite it"
    return (
        f"Refusing to {command}: {found}. Nothing was copied. {then} (the replaced version "
        f"is kept {destination.kept_where})."
    )


def _trail_refusal(command: Command, why: str, set_aside: Path | None) -> str:
    if set_aside is None:  # the destination is the database's append-only table
        return (
            f"Refusing to {command}: {why}. Nothing was copied. The database's audit records "
            "are append-only (a trigger refuses UPDATE, DELETE and TRUNCATE), so iac never "
            "rewrites them, not even with --force. To compare the "
            "two trails, pull the database's workspace into another folder (iac state pull "
            "--state-dir DIR)."
        )
    return (
        f"Refusing to {command}: {why}. Nothing was copied. With --force, iac moves "
        f"{set_aside} aside (to {set_aside.name}.replaced-<UTC time>, kept as evidence) and "
        "copies the database's trail and state in its place."
    )


def _move_aside(path: Path) -> Path:
    """Rename the local trail to ``<name>.replaced-<UTC time>``, never over another file."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.replaced-{stamp}")
    number = 1
    while target.exists():
        number += 1
        target = path.with_name(f"{path.name}.replaced-{stamp}-{number}")
    path.rename(target)
    return target


def _records(count: int) -> str:
    return f"{count} record{'s' * (count != 1)}"
