"""The pure parts of ``iac state push``/``pull`` and ``iac workspace list``: how two states and
two trails compare, what is printed, and the local store's copy that keeps lineage and serial.
(The commands themselves run against PostgreSQL in tests/e2e/test_state_moving.py.)"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from iac.cli.render.moving import render_move, render_workspaces, workspaces_json
from iac.run.moving import MoveOutcome, TrailStep, compare_state, compare_trails
from iac.run.workspaces import WorkspaceListing, list_workspaces
from iac.state import LocalStateStore, ResourceState, State, StateError
from iac.state.model import StoredWorkspace

A, B, C, D, X = (f"{c}\n".encode() for c in "abcdx")


def state(serial: int = 3, lineage: str = "lin-1", **resources: str) -> State:
    result = State(lineage=lineage, serial=serial, target="sandbox")
    for key, ident in resources.items():
        result = result.with_resource(key, ResourceState(ident, {"name": key}))
    return result


@pytest.mark.parametrize(
    ("held", "verdict"),
    [
        (None, "absent"),
        (state(2), "older"),
        (state(3), "same"),
        (state(4), "newer"),
        (state(3, "lin-2"), "other-lineage"),
        (state(1, "lin-2"), "other-lineage"),
        (state(3, orders="i-1"), "changed-apart"),
    ],
)
def test_the_destination_state_compares_by_lineage_serial_then_document(
    held: State | None, verdict: str
) -> None:
    assert compare_state(state(3), held) == verdict


@pytest.mark.parametrize(
    ("source", "held", "step"),
    [
        ([A, B], [], TrailStep(append=(A, B), held=0)),
        ([A, B, C], [A], TrailStep(append=(B, C), held=1)),
        ([A, B], [A, B], TrailStep(append=(), held=2)),
        ([A], [A, B, C], TrailStep(append=(), held=1, ahead=2)),
        ([], [], TrailStep(append=(), held=0)),
        ([A, B, C], [A, X], TrailStep(append=(), held=0, diverged_at=2)),
        ([A, B], [X, B, C, D], TrailStep(append=(), held=0, diverged_at=1)),
    ],
)
def test_the_destination_trail_is_a_prefix_ahead_or_diverged(
    source: list[bytes], held: list[bytes], step: TrailStep
) -> None:
    assert compare_trails(source, held) == step


def outcome(**changes: object) -> MoveOutcome:
    values: dict[str, object] = {
        "command": "push",
        "source": "state/prod.json",
        "destination": "workspace prod in postgresql://iac@db/iac",
        "state": state(7),
        "replaced": state(5),
        "state_written": True,
        "forced": False,
        "kept_where": "in column previous_document of table iac.states",
        "copied": 2,
        "held": 3,
        "ahead": 0,
        "set_aside": None,
        "trail_name": "of workspace prod in postgresql://iac@db/iac",
        "records": 5,
        "last_hash": "f" * 64,
    }
    values.update(changes)
    return MoveOutcome(**values)  # type: ignore[arg-type]


def test_a_copy_reports_state_trail_and_the_head_hash_to_compare() -> None:
    assert render_move(outcome()).splitlines() == [
        "Pushed state/prod.json to workspace prod in postgresql://iac@db/iac.",
        "State: serial 7 of lineage lin-1, copied as it is over serial 5; the replaced version "
        "is kept in column previous_document of table iac.states.",
        "Audit trail: appended 2 records after the 3 already there.",
        "Audit trail of workspace prod in postgresql://iac@db/iac is intact: 5 records, chain "
        "verified.",
        f"Last record hash: {'f' * 64}",
    ]
    forced = render_move(
        outcome(
            command="pull",
            source="workspace prod in postgresql://iac@db/iac",
            destination="state/prod.json",
            replaced=state(9, "lin-0"),
            forced=True,
            kept_where="in state/prod.json.backup",
            copied=5,
            held=0,
            set_aside=Path("state/prod.audit.jsonl.replaced-20260101T000000Z"),
            trail_name="state/prod.audit.jsonl",
        )
    )
    assert forced.splitlines()[:3] == [
        "Pulled workspace prod in postgresql://iac@db/iac to state/prod.json.",
        "State: serial 7 of lineage lin-1, copied as it is over lineage lin-0, serial 9 "
        "(--force); the replaced version is kept in state/prod.json.backup.",
        "Audit trail: the local trail went another way; moved it aside to "
        "state/prod.audit.jsonl.replaced-20260101T000000Z (kept as evidence) and copied all "
        "5 records.",
    ]


def test_nothing_to_do_says_what_the_destination_already_holds() -> None:
    same = outcome(replaced=state(7), state_written=False, copied=0, held=5, ahead=1, records=6)
    assert render_move(same).splitlines()[0] == (
        "Nothing to do: workspace prod in postgresql://iac@db/iac already holds serial 7 of "
        "lineage lin-1, the same document, and every record of its audit trail (5 records and "
        "1 more)."
    )
    empty = outcome(
        replaced=state(7), state_written=False, copied=0, held=0, records=0, last_hash=None
    )
    assert render_move(empty).splitlines() == [
        "Nothing to do: workspace prod in postgresql://iac@db/iac already holds serial 7 of "
        "lineage lin-1, the same document, and no audit records.",
        "Audit trail of workspace prod in postgresql://iac@db/iac: no records.",
    ]


def test_the_workspace_table_marks_the_current_one_and_names_unreadable_states() -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    listing = WorkspaceListing(
        "state",
        (
            StoredWorkspace("default", "lin-1", 12, when, 40),
            StoredWorkspace("old", None, None, None, 2),
            StoredWorkspace("prod", None, None, when, 0, problem="state/prod.json is damaged"),
        ),
    )
    assert render_workspaces(listing, "default").splitlines() == [
        "Workspaces in state:",
        "  WORKSPACE  SERIAL  LAST WRITTEN (UTC)    AUDIT RECORDS  LINEAGE",
        "* default    12      2026-01-02T03:04:05Z  40             lin-1",
        "  old        -       -                     2              -",
        "  prod       ?       2026-01-02T03:04:05Z  0              -",
        "  (prod: state/prod.json is damaged)",
    ]
    assert '"written_at": "2026-01-02T03:04:05Z"' in workspaces_json(listing)
    assert render_workspaces(WorkspaceListing("db", ()), "default") == "No workspaces in db.\n"


def test_local_workspaces_are_the_states_and_trails_in_the_folder(tmp_path: Path) -> None:
    assert list_workspaces(tmp_path / "missing", None).workspaces == ()
    store = LocalStateStore(tmp_path / "a.json", tmp_path / "a.json.backup", tmp_path / "a.lock")
    store.write(store.write(state(0)))
    for name in ("sandbox-org.json", "b.audit.jsonl", "-bad.json", "a.json.backup", "c.txt"):
        (tmp_path / name).write_text("{}\n")
    listed = list_workspaces(tmp_path, None)
    assert [(w.name, w.serial, w.lineage, w.audit_records) for w in listed.workspaces] == [
        ("a", 2, "lin-1", 0),
        ("b", None, None, 1),
    ]


def test_the_local_copy_keeps_lineage_and_serial_and_swaps_only_what_it_read(
    tmp_path: Path,
) -> None:
    path = tmp_path / "default.json"
    store = LocalStateStore(path, tmp_path / "default.json.backup", tmp_path / "default.lock")
    copied = store.import_state(state(7), over=None)
    assert copied == state(7) and store.read() == state(7)  # not serial 8

    with pytest.raises(StateError) as caught:
        store.import_state(state(9, "lin-2"), over=state(6))
    assert str(caught.value) == (
        f"Refusing to write the state of {path}: it was read as serial 6 of lineage lin-1, "
        "but now holds serial 7 of lineage lin-1. Nothing was written."
    )
    with pytest.raises(StateError, match="read as no state, but now holds serial 7"):
        store.import_state(state(1), over=None)

    store.import_state(replace(state(2, "lin-2")), over=state(7))
    assert store.read() == state(2, "lin-2")
    assert LocalStateStore(tmp_path / "default.json.backup", path, path).read() == state(7)
