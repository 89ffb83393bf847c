"""The local state file: what `iac apply` leaves on disk and how a damaged one is reported."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from iac.errors import IacError
from iac.state.model import ResourceState, State
from iac.state.store import StateError
from iac.workspace import Workspace, backends

ATTRS = {
    "name": "Orders",
    "aws_account_id": "123456789012",
    "aws_region": "us-east-1",
    "event_source_suffix": "orders",
    "topic_filters": ["v2.users.{id}.activity"],
    "enabled": True,
    "notes": None,
}


def sample_state() -> State:
    return State(
        lineage="0b3f8f5e-lineage",
        serial=0,
        target="https://api.mypurecloud.ie",
        resources={
            "orders": ResourceState("i-1", dict(ATTRS), deposed=("i-0", "i-00")),
            "billing": ResourceState("i-2", {**ATTRS, "event_source_suffix": "billing"}),
        },
    )


def test_read_returns_none_when_no_state_file(tmp_path: Path) -> None:
    assert backends(Workspace(tmp_path)).state.read() is None


def test_write_then_read_round_trips_including_deposed(tmp_path: Path) -> None:
    store = backends(Workspace(tmp_path, "prod")).state

    written = store.write(sample_state())

    assert store.path == tmp_path / "prod.json"
    assert store.read() == written
    assert written.resources["orders"].deposed == ("i-0", "i-00")
    on_disk = json.loads(store.path.read_text())
    assert on_disk["resources"]["orders"]["deposed"] == ["i-0", "i-00"]
    assert on_disk["target"] == "https://api.mypurecloud.ie"


def test_serial_increments_on_each_write(tmp_path: Path) -> None:
    store = backends(Workspace(tmp_path)).state

    first = store.write(sample_state())
    second = store.write(first)

    assert (first.serial, second.serial) == (1, 2)
    assert json.loads(store.path.read_text())["serial"] == 2


def test_backup_holds_the_previous_version(tmp_path: Path) -> None:
    store = backends(Workspace(tmp_path)).state
    first = store.write(sample_state())
    store.write(first.without_resource("billing"))

    backup = json.loads(store.backup_path.read_text())
    current = json.loads(store.path.read_text())
    assert store.backup_path == tmp_path / "default.json.backup"
    assert (backup["serial"], sorted(backup["resources"])) == (1, ["billing", "orders"])
    assert (current["serial"], sorted(current["resources"])) == (2, ["orders"])


def test_state_file_is_private_to_its_owner(tmp_path: Path) -> None:
    store = backends(Workspace(tmp_path)).state
    store.write(store.write(sample_state()))

    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.backup_path.stat().st_mode) == 0o600


def test_no_temporary_files_left_after_writes(tmp_path: Path) -> None:
    store = backends(Workspace(tmp_path)).state
    store.write(store.write(sample_state()))

    assert sorted(p.name for p in tmp_path.iterdir()) == ["default.json", "default.json.backup"]


def test_corrupt_json_names_the_file_and_the_backup(tmp_path: Path) -> None:
    store = backends(Workspace(tmp_path)).state
    store.write(store.write(sample_state()))
    store.path.write_text('{"version": 1, "lineage": ')

    with pytest.raises(StateError) as caught:
        store.read()

    message = str(caught.value)
    assert str(store.path) in message
    assert "not valid JSON" in message
    assert str(store.backup_path) in message


def test_absurdly_nested_json_is_reported_like_any_corrupt_state(tmp_path: Path) -> None:
    store = backends(Workspace(tmp_path)).state
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_text("[" * 100_000)

    with pytest.raises(StateError, match="not valid JSON"):
        store.read()


def test_corrupt_json_without_backup_says_so(tmp_path: Path) -> None:
    store = backends(Workspace(tmp_path)).state
    tmp_path.joinpath("default.json").write_text("not json at all")

    with pytest.raises(StateError, match="no backup exists"):
        store.read()


@pytest.mark.parametrize("document", [{"version": 99, "lineage": "l"}, {"lineage": "l"}, [1]])
def test_unsupported_format_version_is_refused(tmp_path: Path, document: object) -> None:
    store = backends(Workspace(tmp_path)).state
    store.path.write_text(json.dumps(document))

    with pytest.raises(StateError) as caught:
        store.read()

    assert str(store.path) in str(caught.value)
    assert "format version" in str(caught.value)


def test_invalid_resource_entry_names_the_field(tmp_path: Path) -> None:
    store = backends(Workspace(tmp_path)).state
    document = {
        "version": 1,
        "lineage": "l",
        "serial": 1,
        "target": "sandbox",
        "resources": {"orders": {"attributes": {}}},
    }
    store.path.write_text(json.dumps(document))

    with pytest.raises(StateError, match=r"resources\.orders\.id"):
        store.read()


@pytest.mark.parametrize(
    "workspace", ["", "../prod", "team/prod", ".hidden", "-x", "a" * 65, "p rod"]
)
def test_invalid_workspace_name_is_rejected(tmp_path: Path, workspace: str) -> None:
    with pytest.raises(IacError, match="Invalid workspace name"):
        Workspace(tmp_path, workspace)


def test_workspace_name_with_trailing_newline_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(IacError, match="Invalid workspace name"):
        Workspace(tmp_path, "prod\n")
