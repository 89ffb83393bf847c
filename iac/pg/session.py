"""A run's one connection to the state database, opened on first use.

Everything a run does there (the workspace lock, state reads and writes, audit appends) goes
through the same connection: the session-level advisory lock lives exactly as long as it, so
a runner that dies, or loses the connection, releases the lock with it, and nothing is ever
written without the lock held. Writes are single transactions.

Every driver error becomes a ``DatabaseError``, one line, with the password scrubbed. A lost
connection is final for the session: reconnecting would write without the lock.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from iac.errors import IacError
from iac.pg import schema as pg_schema
from iac.pg.url import BackendURL

APPLICATION_NAME = "iac"
# libpq settings iac adds unless the URL (or the environment) sets them: a run must not hang
# forever on a database it cannot reach, or that went silent mid-apply (keepalives and the
# TCP user timeout turn a dead peer into an error within about a minute).
_DEFAULTS = {
    "connect_timeout": ("PGCONNECT_TIMEOUT", "10"),
    "application_name": ("PGAPPNAME", APPLICATION_NAME),
    "keepalives_idle": (None, "30"),
    "keepalives_interval": (None, "10"),
    "keepalives_count": (None, "3"),
    "tcp_user_timeout": (None, "60000"),
}


class DatabaseError(IacError):
    pass


class Session:
    """Connects lazily; ``create=False`` (readers) leaves a database without iac's tables as is."""

    def __init__(self, url: BackendURL, *, create: bool = True) -> None:
        self.url = url
        self.create = create
        self.holds_lock = False  # set by the workspace lock, for the lost-connection message
        self._conn: psycopg.Connection[Any] | None = None
        self._present = False
        self._lost: str | None = None

    @property
    def where(self) -> str:
        return self.url.display

    @property
    def present(self) -> bool:
        """Whether the schema holds iac's tables (always, once a writer has connected)."""
        self.connection()
        return self._present

    def connection(self) -> psycopg.Connection[Any]:
        if self._lost is not None:
            raise DatabaseError(self._lost)
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Turn driver errors raised in the block into one-line DatabaseErrors."""
        try:
            yield
        except psycopg.Error as err:
            raise self._translate(err) from None

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Cursor[Any]]:
        """One transaction: committed if the block ends normally, rolled back otherwise."""
        with self.errors():
            conn = self.connection()
            with conn.transaction(), conn.cursor() as cursor:
                yield cursor

    def query(self, statement: Any, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement on its own (autocommit) and return its rows."""
        with self.errors():
            cursor = self.connection().execute(statement, params)
            return cursor.fetchall() if cursor.description is not None else []

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _connect(self) -> psycopg.Connection[Any]:
        extra: dict[str, Any] = {}
        try:
            given = conninfo_to_dict(self.url.conninfo)
        except psycopg.Error as err:
            raise DatabaseError(
                f"The backend URL {self.where} cannot be used: {self._text(err)}"
            ) from None
        for name, (variable, value) in _DEFAULTS.items():
            if name not in given and (variable is None or variable not in os.environ):
                extra[name] = value
        try:
            conn = psycopg.connect(self.url.conninfo, autocommit=True, **extra)
        except psycopg.Error as err:
            raise DatabaseError(
                f"Cannot connect to the state database {self.where}: {self._text(err)}"
                + _password_hint(err)
            ) from None
        try:
            self._prepare(conn)
        except psycopg.Error as err:
            conn.close()
            raise DatabaseError(
                f"The state database {self.where} refused to set up schema "
                f"{self.url.schema!r}: {self._text(err)}"
            ) from None
        except BaseException:
            conn.close()
            raise
        return conn

    def _prepare(self, conn: psycopg.Connection[Any]) -> None:
        schema = self.url.schema
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        if not self.create and pg_schema.version(conn) is None:
            self._present = False  # nothing written there yet: readers see an empty backend
            return
        pg_schema.ensure(conn, schema, self.where)
        self._present = True

    def _translate(self, err: psycopg.Error) -> DatabaseError:
        conn = self._conn
        if conn is not None and (conn.broken or conn.closed):
            self._conn = None
            conn.close()
            why = f"Lost the connection to the state database {self.where} ({self._text(err)})"
            self._lost = (
                f"{why}. The run stopped: each write is one transaction, so nothing was "
                "half-written, and the state lock went with the connection. Run it again to "
                "carry on from the last state written."
                if self.holds_lock
                else f"{why}; nothing was half-written."
            )
            return DatabaseError(self._lost)
        return DatabaseError(f"The state database {self.where} refused: {self._text(err)}")

    def _text(self, err: BaseException) -> str:
        """The driver's first line (what follows are hints such as "This probably means
        the server terminated abnormally"), without the password."""
        first = next((line.strip() for line in str(err).splitlines() if line.strip()), "")
        return self.url.scrub(first) or type(err).__name__


def _password_hint(err: psycopg.Error) -> str:
    if "password" not in str(err).lower():
        return ""
    return " (iac takes the password from the URL, PGPASSWORD or ~/.pgpass; it never prints it)"
