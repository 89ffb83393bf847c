"""The workspace lock in PostgreSQL: a session-level advisory lock per workspace.

The lock belongs to the run's one connection (``iac.pg.session``): a runner that is killed,
or whose connection drops, releases it with the connection, so no lock is ever left behind.
Its key is derived from the schema and workspace name. When it is taken, a row in ``locks``
records who holds it (user@host, pid, command, start time) with the holder's server process
id, so a second run names the holder, and a row left by a dead holder is never mistaken for
a live one.
"""

from __future__ import annotations

import time
from types import TracebackType

from iac.errors import IacError
from iac.pg.schema import advisory_key
from iac.pg.session import Session
from iac.state.lock import POLL_SECONDS, describe_holder, holder_identity, locked_error

# How long a refused run waits for the holder's row: it is written just after the lock is
# taken, so a run refused in between would otherwise not know whom to name.
HOLDER_GRACE_SECONDS = 2.0

_UPSERT_HOLDER = """
    INSERT INTO locks (workspace, who, pid, operation, since, backend_pid)
    VALUES (%(workspace)s, %(who)s, %(pid)s, %(operation)s, %(since)s, pg_backend_pid())
    ON CONFLICT (workspace) DO UPDATE SET
        who = excluded.who, pid = excluded.pid, operation = excluded.operation,
        since = excluded.since, backend_pid = excluded.backend_pid
"""

# The holder's row, only if the server process that wrote it holds the lock right now.
_LIVE_HOLDER = """
    SELECT l.who, l.pid, l.operation, l.since
    FROM locks AS l
    JOIN pg_locks AS p ON p.pid = l.backend_pid
    WHERE l.workspace = %s
      AND p.locktype = 'advisory' AND p.granted AND p.objsubid = 1
      AND p.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND p.classid::bigint = %s AND p.objid::bigint = %s
"""


def workspace_lock_key(schema: str, workspace: str) -> int:
    return advisory_key("workspace", schema, workspace)


class PostgresLock:
    def __init__(self, session: Session, workspace: str, operation: str, timeout: float) -> None:
        self.session = session
        self.workspace = workspace
        self.operation = operation
        self.timeout = timeout
        self.key = workspace_lock_key(session.url.schema, workspace)
        self._held = False

    @property
    def where(self) -> str:
        return f"of workspace {self.workspace} in {self.session.where}"

    def acquire(self) -> None:
        try:
            self._take()
            self.session.holds_lock = True
            info = {"workspace": self.workspace, **holder_identity(self.operation)}
            with self.session.transaction() as cursor:
                cursor.execute(_UPSERT_HOLDER, info)
        except BaseException:
            self.release()
            raise

    def _take(self) -> None:
        deadline = time.monotonic() + self.timeout
        while True:
            [(taken,)] = self.session.query("SELECT pg_try_advisory_lock(%s)", (self.key,))
            if taken:
                self._held = True
                return
            if time.monotonic() >= deadline:
                raise locked_error(self.where, self.timeout, self._holder()) from None
            time.sleep(POLL_SECONDS)

    def _holder(self) -> str:
        high, low = (self.key >> 32) & 0xFFFFFFFF, self.key & 0xFFFFFFFF
        give_up = time.monotonic() + HOLDER_GRACE_SECONDS
        while True:
            rows = self.session.query(_LIVE_HOLDER, (self.workspace, high, low))
            if rows:
                who, pid, operation, since = rows[0]
                return describe_holder(
                    {"who": who, "pid": pid, "operation": operation, "since": since}
                )
            if time.monotonic() >= give_up:
                return describe_holder(None)
            time.sleep(POLL_SECONDS / 4)

    def release(self) -> None:
        """Give the lock back and close the run's connection (its work is done)."""
        try:
            if self._held:
                with self.session.transaction() as cursor:
                    cursor.execute(
                        "DELETE FROM locks WHERE workspace = %s AND backend_pid = pg_backend_pid()",
                        (self.workspace,),
                    )
                    cursor.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
        except IacError:
            pass  # the connection is gone, and the lock with it
        finally:
            self._held = False
            self.session.holds_lock = False
            self.session.close()

    def __enter__(self) -> PostgresLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
