"""The PostgreSQL state backend against a real server: documents, serials, schema, passwords."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from iac_testing.postgres import IAC_PASSWORD, Database, PostgresServer

from iac.errors import IacError
from iac.pg.schema import LATEST
from iac.pg.session import DatabaseError, Session
from iac.pg.url import parse_backend_url
from iac.state import ResourceState, State, StateError
from iac.state.document import encode
from iac.state.postgres import PostgresStateStore, list_workspaces
from iac.workspace import Workspace, backends


def store(pg: Database, workspace: str = "default", **url: Any) -> PostgresStateStore:
    backend = parse_backend_url(pg.url(**url))
    state = backends(Workspace(Path("unused"), workspace, backend)).state
    assert isinstance(state, PostgresStateStore)
    return state


def sample(target: str = "sandbox") -> State:
    return State.new(target).with_resource(
        "orders", ResourceState("i-1", {"name": "Orders", "topic_filters": ["v2.a"]})
    )


def test_state_round_trips_as_the_very_document_the_local_file_holds(
    pg: Database, tmp_path: Path
) -> None:
    db = store(pg)
    assert db.read() is None  # the schema is created on first use, empty

    written = db.write(sample())

    assert written.serial == 1
    assert db.read() == written
    local = backends(Workspace(tmp_path)).state
    local.write(replace(written, serial=0))  # written as serial 1 too
    [(document, lineage, serial)] = pg.rows("SELECT document, lineage, serial FROM iac.states")
    assert document == encode(written) == (tmp_path / "default.json").read_text()
    assert (lineage, serial) == (written.lineage, 1)
    assert pg.rows("SELECT version FROM iac.schema_version") == [(LATEST,)]


def test_each_write_keeps_the_version_it_replaced(pg: Database) -> None:
    db = store(pg)
    first = db.write(sample())
    assert db.read_previous() is None

    second = db.write(first.without_resource("orders"))

    assert db.read() == second and second.serial == 2
    assert db.read_previous() == first
    assert pg.rows("SELECT serial, previous_serial FROM iac.states") == [(2, 1)]


def test_a_write_based_on_an_older_serial_is_refused_naming_both_serials(pg: Database) -> None:
    store(pg).write(sample())
    run_a, run_b = store(pg), store(pg)  # two runs, two connections
    read_a, read_b = run_a.read(), run_b.read()
    assert read_a is not None and read_b is not None
    won = run_a.write(read_a.without_resource("orders"))

    with pytest.raises(StateError) as caught:
        run_b.write(read_b.with_resource("billing", ResourceState("i-2", {})))

    message = str(caught.value)
    assert "this run read serial 1, but the database now holds serial 2" in message
    assert "another run wrote the state since" in message
    assert "Nothing was written" in message
    assert store(pg).read() == won


def test_a_new_state_is_refused_where_another_run_created_one(pg: Database) -> None:
    first, second = store(pg), store(pg)
    assert first.read() is None and second.read() is None
    first.write(sample())

    with pytest.raises(StateError, match="read no state, but the database now holds serial 1"):
        second.write(sample())


def test_workspaces_and_schemas_are_separate(pg: Database) -> None:
    store(pg, "prod").write(sample())
    store(pg, "dev").write(sample())
    store(pg, "dev", schema="team_b").write(sample("https://api.example"))

    assert store(pg, "test").read() is None
    assert store(pg, "dev").read() != store(pg, "dev", schema="team_b").read()
    with Session(parse_backend_url(pg.url())) as session:
        listed = list_workspaces(session)
    assert [(w.name, w.serial) for w in listed] == [("dev", 1), ("prod", 1)]
    with Session(parse_backend_url(pg.url(schema="nothing_here")), create=False) as session:
        assert list_workspaces(session) == []
    assert pg.rows("SELECT 1 FROM pg_namespace WHERE nspname = 'nothing_here'") == []


def test_a_damaged_document_is_refused_naming_the_previous_version(pg: Database) -> None:
    db = store(pg)
    db.write(db.write(sample()))
    with pg.admin() as conn:
        conn.execute('UPDATE iac.states SET document = \'{"version": 1, "lineage": 7\'')

    with pytest.raises(StateError) as caught:
        store(pg).read()

    message = str(caught.value)
    assert f"workspace default in postgresql://iac@127.0.0.1:{pg.server.port}/{pg.name}" in message
    assert "not valid JSON" in message
    assert "previous version (serial 1) is in column previous_document of table iac.states" in (
        message
    )


def test_a_database_from_a_newer_iac_is_refused(pg: Database) -> None:
    store(pg).write(sample())
    with pg.admin() as conn:
        conn.execute("UPDATE iac.schema_version SET version = 99")

    with pytest.raises(IacError, match=r"version 99, newer than this iac understands"):
        store(pg).read()


def test_the_password_may_come_from_pgpassword_or_a_pgpass_file(
    pg: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "absent"))
    with pytest.raises(DatabaseError) as caught:
        store(pg, password=False).read()
    assert "Cannot connect to the state database" in str(caught.value)
    assert "PGPASSWORD or ~/.pgpass" in str(caught.value)

    monkeypatch.setenv("PGPASSWORD", IAC_PASSWORD)
    assert store(pg, password=False).read() is None

    monkeypatch.delenv("PGPASSWORD")
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:{pg.server.port}:{pg.name}:iac:{IAC_PASSWORD}\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    assert store(pg, password=False).read() is None


def test_a_wrong_password_is_refused_without_being_shown(pg: Database) -> None:
    url = pg.url().replace("pg-Secret", "Wrong-Secret")

    with pytest.raises(DatabaseError) as caught:
        backends(Workspace(backend=parse_backend_url(url))).state.read()

    message = str(caught.value)
    assert "password authentication failed" in message
    assert "Wrong-Secret" not in message and IAC_PASSWORD not in message
    assert f"postgresql://iac@127.0.0.1:{pg.server.port}/{pg.name}" in message


def test_an_unreachable_server_is_one_clear_error(pg: Database) -> None:
    from iac_testing.served_sandbox import free_port

    with pytest.raises(DatabaseError) as caught:
        store(pg, port=free_port()).read()

    message = str(caught.value)
    assert message.startswith("Cannot connect to the state database postgresql://iac@127.0.0.1:")
    assert IAC_PASSWORD not in message and "\n" not in message


def test_a_role_with_rights_on_one_schema_only_is_enough(postgres_server: PostgresServer) -> None:
    """As docs/ci.md provisions it: the DBA's database, one schema owned by iac's role."""
    name = f"dba_{os.getpid()}"
    with postgres_server.admin() as conn:
        conn.execute(f"CREATE DATABASE {name}".encode())  # no CREATE right for iac on it
    with postgres_server.admin(name) as conn:
        conn.execute(b"CREATE SCHEMA ci AUTHORIZATION iac")
    granted = PostgresStateStore(
        Session(parse_backend_url(postgres_server.url(name, schema="ci"))), "prod"
    )
    refused = PostgresStateStore(Session(parse_backend_url(postgres_server.url(name))), "prod")

    assert granted.write(sample()).serial == 1
    with pytest.raises(DatabaseError) as caught:
        refused.read()
    assert "refused to set up schema 'iac': permission denied for database" in str(caught.value)
