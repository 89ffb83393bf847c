"""The tables iac keeps in its schema, created on first use and migrated in code.

``MIGRATIONS[n]`` takes the schema from version n to n + 1; ``schema_version`` records where
a database is. Migrating runs under a transaction-level advisory lock, so two runners that
meet a new database at the same moment create it once. A database newer than this iac is
refused rather than misread.

The statements use unqualified names: the session sets ``search_path`` to the schema.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from psycopg import sql

from iac.errors import IacError

if TYPE_CHECKING:
    import psycopg

_V1 = (
    """
    CREATE TABLE schema_version (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        version integer NOT NULL
    )
    """,
    # One row per workspace: what the others refer to, and the row an audit append locks
    # (SELECT ... FOR UPDATE) so that concurrent appends chain one after the other.
    """
    CREATE TABLE workspaces (
        name text PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    # The state document exactly as the local file holds it, with its lineage and serial
    # (what a write compares and swaps), and the version it replaced.
    """
    CREATE TABLE states (
        workspace text PRIMARY KEY REFERENCES workspaces (name),
        lineage text NOT NULL,
        serial bigint NOT NULL,
        document text NOT NULL,
        written_at timestamptz NOT NULL DEFAULT now(),
        previous_serial bigint,
        previous_document text,
        previous_written_at timestamptz
    )
    """,
    # One row per audit record: ``line`` is the record byte for byte as the .audit.jsonl
    # file would hold it (without the newline), so the same chain check applies.
    """
    CREATE TABLE audit_records (
        workspace text NOT NULL REFERENCES workspaces (name),
        seq bigint NOT NULL CHECK (seq > 0),
        line text NOT NULL,
        appended_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace, seq)
    )
    """,
    """
    CREATE FUNCTION refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'iac audit records are append-only (% refused)', TG_OP;
    END
    $$
    """,
    """
    CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change()
    """,
    """
    CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change()
    """,
    # Who holds a workspace's advisory lock: written when it is taken, so a second run can
    # name the holder. ``backend_pid`` tells a live holder's row from a dead one's.
    """
    CREATE TABLE locks (
        workspace text PRIMARY KEY,
        who text NOT NULL,
        pid integer NOT NULL,
        operation text NOT NULL,
        since text NOT NULL,
        backend_pid integer NOT NULL
    )
    """,
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1,)
LATEST = len(MIGRATIONS)


class SchemaError(IacError):
    pass


def advisory_key(*parts: str) -> int:
    """A signed 64-bit advisory-lock key for ``parts`` (stable across runs and machines)."""
    digest = hashlib.sha256("\0".join(("iac", *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def schema_exists(conn: psycopg.Connection[Any], schema: str) -> bool:
    row = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
    return row is not None


def version(conn: psycopg.Connection[Any]) -> int | None:
    """The schema's version, None when it has no iac tables yet."""
    row = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
    if row is None or not row[0]:
        return None
    found = conn.execute("SELECT version FROM schema_version").fetchone()
    return int(found[0]) if found else 0


def ensure(conn: psycopg.Connection[Any], schema: str, where: str) -> None:
    """Create or migrate the schema to ``LATEST``; the connection is in autocommit mode."""
    current = version(conn)
    if current == LATEST:
        return
    _refuse_newer(current, schema, where)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_key("schema", schema),))
        if not schema_exists(conn, schema):  # made by a DBA, it needs no right on the database
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        current = version(conn)  # again, now that no other runner can be migrating
        _refuse_newer(current, schema, where)
        for statements in MIGRATIONS[current or 0 :]:
            for statement in statements:
                conn.execute(statement)
        conn.execute(
            "INSERT INTO schema_version (version) VALUES (%s) "
            "ON CONFLICT (only_row) DO UPDATE SET version = excluded.version",
            (LATEST,),
        )


def _refuse_newer(current: int | None, schema: str, where: str) -> None:
    if current is not None and current > LATEST:
        raise SchemaError(
            f"The state database {where} has iac schema {schema!r} at version {current}, newer "
            f"than this iac understands (version {LATEST}): upgrade iac to use it."
        )
