"""PostgreSQL state backend: the same state document as the local file, in a table.

Per workspace, ``states`` holds the document (``iac.state.document``'s encoding, byte for
byte what ``state/<workspace>.json`` would hold), its lineage and serial, and the version it
replaced. A write is one transaction that compares and swaps: it lands only if the database
still holds the lineage and serial this run read, so a write based on an older serial is
refused instead of silently undoing another run's. The lock is ``iac.state.pg_lock``.
"""

from __future__ import annotations

from dataclasses import replace

from iac.pg.session import Session
from iac.state.document import DocumentError, UnsupportedVersion, decode, encode
from iac.state.model import State, StoredWorkspace
from iac.state.pg_lock import PostgresLock
from iac.state.store import StateError, describe

_INSERT_FIRST = """
    INSERT INTO states (workspace, lineage, serial, document)
    VALUES (%s, %s, %s, %s)
    ON CONFLICT (workspace) DO NOTHING
"""

# SET expressions see the row as it was: the current version becomes the previous one.
_COMPARE_AND_SWAP = """
    UPDATE states SET
        previous_serial = serial,
        previous_document = document,
        previous_written_at = written_at,
        serial = %s,
        document = %s,
        written_at = now()
    WHERE workspace = %s AND lineage = %s AND serial = %s
"""

# A copy from elsewhere (``iac state push``) keeps its lineage and serial, even over another
# lineage (--force); the version it replaces is kept like any other.
_REPLACE = """
    UPDATE states SET
        previous_serial = serial,
        previous_document = document,
        previous_written_at = written_at,
        lineage = %s,
        serial = %s,
        document = %s,
        written_at = now()
    WHERE workspace = %s AND lineage = %s AND serial = %s
"""


class PostgresStateStore:
    def __init__(self, session: Session, workspace: str) -> None:
        self.session = session
        self.workspace = workspace

    @property
    def where(self) -> str:
        return f"workspace {self.workspace} in {self.session.where}"

    def lock(self, operation: str, timeout: float = 0.0) -> PostgresLock:
        return PostgresLock(self.session, self.workspace, operation, timeout)

    def read(self) -> State | None:
        rows = self.session.query(
            "SELECT document, previous_serial FROM states WHERE workspace = %s",
            (self.workspace,),
        )
        if not rows:
            return None
        document, previous_serial = rows[0]
        return self._decode(document, previous_serial)

    def read_previous(self) -> State | None:
        """The version the last write replaced (None before the second write)."""
        rows = self.session.query(
            "SELECT previous_document FROM states WHERE workspace = %s", (self.workspace,)
        )
        if not rows or rows[0][0] is None:
            return None
        return self._decode(rows[0][0], None)

    def check_writable(self) -> None:
        rows = self.session.query(
            "SELECT current_user, has_table_privilege('workspaces', 'INSERT'),"
            " has_table_privilege('states', 'INSERT, UPDATE'),"
            " has_table_privilege('audit_records', 'INSERT')"
        )
        user, *rights = rows[0]
        if not all(rights):
            raise StateError(
                f"The database role {user} may not write the state and audit trail of "
                f"{self.where}: iac stops before changing Genesys, since it could not record "
                "the change. Use a role with write rights (see docs/ci.md) for apply."
            )

    def write(self, state: State) -> State:
        """Write ``state`` with its serial incremented, only over the version it was read from."""
        written = replace(state, serial=state.serial + 1)
        document = encode(written)
        with self.session.transaction() as cursor:
            cursor.execute(
                "INSERT INTO workspaces (name) VALUES (%s) ON CONFLICT (name) DO NOTHING",
                (self.workspace,),
            )
            if state.serial == 0:  # a new state: there must be none yet
                cursor.execute(
                    _INSERT_FIRST, (self.workspace, written.lineage, written.serial, document)
                )
            else:
                cursor.execute(
                    _COMPARE_AND_SWAP,
                    (written.serial, document, self.workspace, state.lineage, state.serial),
                )
            if cursor.rowcount != 1:
                cursor.execute(
                    "SELECT lineage, serial FROM states WHERE workspace = %s", (self.workspace,)
                )
                found = cursor.fetchone()
                raise self._stale(state, None if found is None else (found[0], found[1]))
        return written

    def import_state(self, state: State, *, over: State | None) -> State:
        """``state`` as it is (lineage and serial kept), in one transaction that compares and
        swaps against ``over``, the version the caller read (None: no state)."""
        document = encode(state)
        with self.session.transaction() as cursor:
            cursor.execute(
                "INSERT INTO workspaces (name) VALUES (%s) ON CONFLICT (name) DO NOTHING",
                (self.workspace,),
            )
            if over is None:
                cursor.execute(
                    _INSERT_FIRST, (self.workspace, state.lineage, state.serial, document)
                )
            else:
                cursor.execute(
                    _REPLACE,
                    (
                        state.lineage,
                        state.serial,
                        document,
                        self.workspace,
                        over.lineage,
                        over.serial,
                    ),
                )
            if cursor.rowcount != 1:
                cursor.execute(
                    "SELECT document FROM states WHERE workspace = %s", (self.workspace,)
                )
                found = cursor.fetchone()
                now = None if found is None else self._decode(found[0], None)
                raise StateError(
                    f"Refusing to write the state of {self.where}: it was read as "
                    f"{describe(over)}, but now holds {describe(now)}. Nothing was written."
                )
        return state

    def _stale(self, state: State, found: tuple[str, int] | None) -> StateError:
        read = f"serial {state.serial}" if state.serial else "no state"
        if found is None:
            now = "no state at all (it was removed)"
        elif found[0] != state.lineage and state.serial:
            now = f"serial {found[1]} of lineage {found[0]} (this run read {state.lineage})"
        else:
            now = f"serial {found[1]}"
        return StateError(
            f"Refusing to write the state of {self.where}: this run read {read}, but the "
            f"database now holds {now}: another run wrote the state since. Nothing was "
            "written; run again to plan from the current state."
        )

    def _decode(self, document: str, previous_serial: int | None) -> State:
        try:
            return decode(document)
        except UnsupportedVersion as err:
            raise StateError(f"The state of {self.where}: {err}.") from None
        except DocumentError as err:
            if previous_serial is None:
                hint = "no previous version is kept"
            else:
                hint = (
                    f"the previous version (serial {previous_serial}) is in column "
                    f"previous_document of table {self.session.url.schema}.states"
                )
            raise StateError(f"The state of {self.where}: {err}; {hint}") from None


def list_workspaces(session: Session) -> list[StoredWorkspace]:
    """Every workspace the database holds a state or audit records for, by name."""
    if not session.present:
        return []
    rows = session.query(
        """
        SELECT w.name, s.lineage, s.serial, s.written_at,
               (SELECT count(*) FROM audit_records AS a WHERE a.workspace = w.name)
        FROM workspaces AS w LEFT JOIN states AS s ON s.workspace = w.name
        ORDER BY w.name
        """
    )
    return [StoredWorkspace(*row) for row in rows]


def create_workspace(session: Session, name: str) -> bool:
    """A workspace without state yet (``iac workspace new``); False when it exists already."""
    with session.transaction() as cursor:
        cursor.execute(
            "INSERT INTO workspaces (name) VALUES (%s) ON CONFLICT (name) DO NOTHING", (name,)
        )
        return cursor.rowcount == 1


def delete_workspace(session: Session, name: str) -> int:
    """Delete a workspace's state (``iac workspace delete``, under its lock); returns how many
    audit records it keeps. Those are append-only: a workspace holding some stays listed,
    without state; one holding none is removed altogether."""
    with session.transaction() as cursor:
        cursor.execute("DELETE FROM states WHERE workspace = %s", (name,))
        cursor.execute("SELECT count(*) FROM audit_records WHERE workspace = %s", (name,))
        row = cursor.fetchone()
        kept = int(row[0]) if row else 0
        if not kept:
            cursor.execute("DELETE FROM workspaces WHERE name = %s", (name,))
    return kept


def other_states(session: Session, name: str) -> list[tuple[str, str]]:
    """(workspace, state document) of every workspace but ``name``, by name."""
    rows = session.query(
        "SELECT workspace, document FROM states WHERE workspace <> %s ORDER BY workspace",
        (name,),
    )
    return [(str(workspace), str(document)) for workspace, document in rows]
