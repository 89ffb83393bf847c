"""A state copied into PostgreSQL (``iac state push``) keeps its lineage and serial, and lands
only over the version the copy read: the same compare-and-swap as every write."""

from __future__ import annotations

from pathlib import Path

import pytest
from iac_testing.postgres import Database

from iac.pg.url import parse_backend_url
from iac.state import ResourceState, State, StateError
from iac.state.postgres import PostgresStateStore
from iac.workspace import Workspace, backends


def store(pg: Database) -> PostgresStateStore:
    state = backends(Workspace(Path("unused"), "default", parse_backend_url(pg.url()))).state
    assert isinstance(state, PostgresStateStore)
    return state


def copy(serial: int, lineage: str = "lin-1") -> State:
    return State(lineage=lineage, serial=serial, target="sandbox").with_resource(
        "orders", ResourceState("i-1", {"name": f"Orders {serial}"})
    )


def test_a_copy_keeps_lineage_and_serial_and_the_version_it_replaced(pg: Database) -> None:
    db = store(pg)
    assert db.import_state(copy(7), over=None) == copy(7)
    assert db.read() == copy(7)  # serial 7, not 8

    db.import_state(copy(3, "lin-2"), over=copy(7))  # another lineage, an older serial: forced

    assert db.read() == copy(3, "lin-2")
    assert db.read_previous() == copy(7)
    assert pg.rows("SELECT lineage, serial, previous_serial FROM iac.states") == [("lin-2", 3, 7)]
    assert db.write(copy(3, "lin-2")).serial == 4  # runs go on from the copy as usual


def test_a_copy_over_a_version_it_did_not_read_is_refused(pg: Database) -> None:
    db = store(pg)
    db.import_state(copy(7), over=None)
    shown = f"workspace default in postgresql://iac@127.0.0.1:{pg.server.port}/{pg.name}"

    with pytest.raises(StateError) as caught:
        store(pg).import_state(copy(9), over=copy(6))
    assert str(caught.value) == (
        f"Refusing to write the state of {shown}: it was read as serial 6 of lineage lin-1, "
        "but now holds serial 7 of lineage lin-1. Nothing was written."
    )
    with pytest.raises(StateError, match="read as no state, but now holds serial 7"):
        store(pg).import_state(copy(1), over=None)
    assert db.read() == copy(7)
    assert pg.rows("SELECT previous_serial FROM iac.states") == [(None,)]
