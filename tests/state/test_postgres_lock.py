"""The workspace lock in PostgreSQL: advisory, per workspace, gone with its connection."""

from __future__ import annotations

import getpass
import os
import socket
import threading
import time
from pathlib import Path

import pytest
from iac_testing.postgres import Database
from iac_testing.served_sandbox import DEADLINE

from iac.pg.session import DatabaseError
from iac.pg.url import parse_backend_url
from iac.state import ResourceState, State, StateLockedError
from iac.state.postgres import PostgresStateStore
from iac.workspace import Workspace, backends


def store(pg: Database, workspace: str = "default", schema: str = "iac") -> PostgresStateStore:
    backend = parse_backend_url(pg.url(**({"schema": schema} if schema != "iac" else {})))
    state = backends(Workspace(Path("unused"), workspace, backend)).state
    assert isinstance(state, PostgresStateStore)
    return state


def test_a_second_run_fails_at_once_naming_the_holder_as_the_file_lock_does(
    pg: Database,
) -> None:
    with store(pg, "prod").lock("apply"):
        started = time.monotonic()
        with pytest.raises(StateLockedError) as caught, store(pg, "prod").lock("plan"):
            pass
        elapsed = time.monotonic() - started

    message = str(caught.value)
    assert elapsed < DEADLINE / 4
    assert message.startswith(
        f"State of workspace prod in postgresql://iac@127.0.0.1:{pg.server.port}/{pg.name} "
        f"is locked by {getpass.getuser()}@{socket.gethostname()} (pid {os.getpid()}, "
        "running `iac apply` since "
    ), message
    assert message.endswith(
        "Wait for that run to finish, or pass --lock-timeout SECONDS to wait."
    ), message
    assert "pg-Secret" not in message
    with store(pg, "prod").lock("plan"):  # released
        pass


def test_the_lock_info_row_is_there_while_held_and_gone_after(pg: Database) -> None:
    with store(pg, "prod").lock("destroy"):
        [(who, pid, operation)] = pg.rows("SELECT who, pid, operation FROM iac.locks")
        assert (pid, operation) == (os.getpid(), "destroy")
        assert who == f"{getpass.getuser()}@{socket.gethostname()}"
    assert pg.rows("SELECT * FROM iac.locks") == []


def test_lock_timeout_waits_for_the_holder(pg: Database) -> None:
    holder = store(pg).lock("apply")
    holder.acquire()
    with pytest.raises(StateLockedError, match=r"is locked after waiting 0.3s by"):
        store(pg).lock("plan", 0.3).acquire()

    taken = threading.Event()

    def wait() -> None:
        with store(pg).lock("plan", DEADLINE):
            taken.set()

    waiter = threading.Thread(target=wait)
    waiter.start()
    holder.release()
    waiter.join(DEADLINE)
    assert taken.is_set()


def test_workspaces_and_schemas_lock_separately(pg: Database) -> None:
    with (
        store(pg, "prod").lock("apply"),
        store(pg, "dev").lock("apply"),
        store(pg, "prod", schema="team_b").lock("apply"),
    ):
        pass


def test_the_lock_goes_with_its_connection_and_the_holder_is_told(pg: Database) -> None:
    holder = store(pg)
    holder.write(State.new("sandbox"))
    with holder.lock("apply"):
        assert pg.terminate_iac_sessions() == 1

        with store(pg).lock("plan"):  # another run proceeds: no manual unlock
            pass
        with pytest.raises(DatabaseError) as caught:
            holder.write(State.new("sandbox").with_resource("x", ResourceState("i", {})))
        message = str(caught.value)
        assert message.startswith(
            "Lost the connection to the state database postgresql://iac@127.0.0.1:"
        )
        assert "nothing was half-written" in message
        assert "the state lock went with the connection" in message
        with pytest.raises(DatabaseError, match="Lost the connection"):
            holder.read()  # the session is over: no write without the lock
    assert [serial for (serial,) in pg.rows("SELECT serial FROM iac.states")] == [1]


def test_a_dead_holders_row_is_not_named(pg: Database) -> None:
    with store(pg).lock("apply"):
        pass
    with pg.admin() as conn:  # a row left as by a holder that died before deleting it
        conn.execute(
            "INSERT INTO iac.locks VALUES ('default', 'ghost@host', 1, 'apply', 'then', 1)"
        )
    with store(pg).lock("apply"), pytest.raises(StateLockedError) as caught:
        store(pg).lock("plan").acquire()
    assert "ghost" not in str(caught.value)
    assert f"pid {os.getpid()}" in str(caught.value)
