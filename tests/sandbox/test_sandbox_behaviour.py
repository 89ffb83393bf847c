"""GET/PUT /__sandbox/behaviour, the behaviour options and file, and that the defaults are the
sandbox's behaviour from before modes existed. The modes themselves: test_sandbox_modes.py."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from iac_testing.sandbox_calls import (
    GOOD_PROPS,
    TYPE_ID,
    create,
    login,
    put_config,
    set_activation,
    set_behaviour,
    set_enabled,
    wait_for_code,
)
from iac_testing.served_sandbox import clean_env, free_port, stop_process

from iac.cli.app import cli
from iac.sandbox import SandboxOptions, SandboxServer
from iac.sandbox.errors import SandboxStartError

DEFAULTS: dict[str, Any] = {
    "omit_list_fields": [],
    "validate_properties_at": "put",
    "version_conflict_status": 409,
    "delete_visible_seconds": 0.0,
    "config_change_reactivates": True,
    "reenable_restarts_activation": True,
    "honour_create_name": False,
    "max_instances": None,
    "expand_honoured": True,
}


def _behaviour(url: str) -> dict[str, Any]:
    resp = httpx.get(f"{url}/__sandbox/behaviour")
    assert resp.status_code == 200, resp.text
    doc: dict[str, Any] = resp.json()
    return doc


def test_get_answers_the_defaults(server: SandboxServer) -> None:
    assert _behaviour(server.url) == DEFAULTS


def test_put_replaces_the_whole_object(server: SandboxServer) -> None:
    first = set_behaviour(server.url, version_conflict_status=400, max_instances=3)
    assert first == {**DEFAULTS, "version_conflict_status": 400, "max_instances": 3}
    # A key left out goes back to its default: PUT is not a merge.
    second = set_behaviour(server.url, honour_create_name=True)
    assert second == {**DEFAULTS, "honour_create_name": True}
    assert _behaviour(server.url) == second
    # What GET answers can be PUT back unchanged; {} resets everything.
    assert set_behaviour(server.url, **second) == second
    assert set_behaviour(server.url) == DEFAULTS


def test_every_key_at_once(server: SandboxServer) -> None:
    modes = {
        "omit_list_fields": ["pageCount", "nextUri", "pageCount"],
        "validate_properties_at": "activation",
        "version_conflict_status": 400,
        "delete_visible_seconds": 2,
        "config_change_reactivates": False,
        "reenable_restarts_activation": False,
        "honour_create_name": True,
        "max_instances": 0,
        "expand_honoured": False,
    }
    answered = set_behaviour(server.url, **modes)
    assert answered == {
        **modes,
        "omit_list_fields": ["pageCount", "nextUri"],  # duplicates dropped, order kept
        "delete_visible_seconds": 2.0,
    }


@pytest.mark.parametrize(
    ("doc", "words"),
    [
        ({"bogus": 1}, "Unknown behaviour keys: bogus (known: omit_list_fields,"),
        ({"omit_list_fields": "pageCount"}, "omit_list_fields must be a list of strings"),
        ({"omit_list_fields": ["entities"]}, "entities is not a listing envelope key"),
        ({"validate_properties_at": "patch"}, 'must be "put" or "activation", not "patch"'),
        ({"version_conflict_status": 412}, "version_conflict_status must be 409 or 400, not 412"),
        ({"version_conflict_status": "409"}, 'must be 409 or 400, not "409"'),
        ({"delete_visible_seconds": -1}, "delete_visible_seconds must be a number of seconds"),
        ({"delete_visible_seconds": True}, "delete_visible_seconds must be a number"),
        ({"delete_visible_seconds": 86400}, "from 0 to 3600"),
        ({"config_change_reactivates": 1}, "config_change_reactivates must be true or false"),
        ({"reenable_restarts_activation": "yes"}, 'must be true or false, not "yes"'),
        ({"honour_create_name": None}, "honour_create_name must be true or false, not null"),
        ({"expand_honoured": 0}, "expand_honoured must be true or false, not 0"),
        ({"max_instances": -1}, "max_instances must be null or an integer >= 0, not -1"),
        ({"max_instances": 2.5}, "max_instances must be null or an integer >= 0"),
        ({"max_instances": False}, "max_instances must be null or an integer >= 0, not false"),
    ],
)
def test_bad_put_is_a_400_that_changes_nothing(
    server: SandboxServer, doc: dict[str, Any], words: str
) -> None:
    before = set_behaviour(server.url, honour_create_name=True)
    resp = httpx.put(f"{server.url}/__sandbox/behaviour", json=doc)
    assert resp.status_code == 400
    body = resp.json()
    assert (body["status"], body["code"]) == (400, "bad.request")
    assert words in body["message"]
    assert _behaviour(server.url) == before


@pytest.mark.parametrize("raw", [b"[]", b"null", b"3", b"{not json", b""])
def test_put_needs_a_json_object(server: SandboxServer, raw: bytes) -> None:
    resp = httpx.put(
        f"{server.url}/__sandbox/behaviour",
        content=raw,
        headers={"Content-Type": "application/json"},
    )
    assert resp.status_code == 400
    assert resp.json()["code"] == "bad.request"


def test_other_methods_are_404(server: SandboxServer) -> None:
    for method in ("POST", "PATCH", "DELETE"):
        resp = httpx.request(method, f"{server.url}/__sandbox/behaviour", json={})
        assert resp.status_code == 404


# -- at start: options and file ----------------------------------------------------------


def test_behaviour_option_applies_at_start() -> None:
    options = SandboxOptions(behaviour={"version_conflict_status": 400, "max_instances": 1})
    with SandboxServer(None, options) as srv:
        assert _behaviour(srv.url) == {
            **DEFAULTS,
            "version_conflict_status": 400,
            "max_instances": 1,
        }


def test_expand_honoured_option_is_a_shorthand() -> None:
    with SandboxServer(None, SandboxOptions(expand_honoured=False)) as srv:
        assert _behaviour(srv.url)["expand_honoured"] is False
    # a behaviour that sets the key wins over the older option
    options = SandboxOptions(expand_honoured=False, behaviour={"expand_honoured": True})
    with SandboxServer(None, options) as srv:
        assert _behaviour(srv.url)["expand_honoured"] is True


def test_behaviour_file_then_option(tmp_path: Path) -> None:
    path = tmp_path / "behaviour.json"
    path.write_text(json.dumps({"honour_create_name": True, "max_instances": 5}))
    options = SandboxOptions(behaviour_file=path, behaviour={"max_instances": 2})
    with SandboxServer(None, options) as srv:
        assert _behaviour(srv.url) == {**DEFAULTS, "honour_create_name": True, "max_instances": 2}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"bogus": true}', "bad behaviour file {path}: Unknown behaviour keys: bogus"),
        ('{"max_instances": "2"}', "bad behaviour file {path}: Behaviour max_instances must"),
        ("[]", "bad behaviour file {path}: The behaviour must be a JSON object."),
        ("{oops", "cannot read behaviour file {path}: Expecting property name"),
    ],
)
def test_bad_behaviour_file_fails_at_start(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "behaviour.json"
    path.write_text(text)
    with pytest.raises(SandboxStartError) as exc:
        SandboxServer(None, SandboxOptions(behaviour_file=path))
    assert words.format(path=path) in str(exc.value)
    assert isinstance(exc.value, ValueError)  # callers that caught ValueError still do


def test_bad_behaviour_option_fails_at_start() -> None:
    with pytest.raises(SandboxStartError, match="bad sandbox behaviour option: Unknown"):
        SandboxServer(None, SandboxOptions(behaviour={"max_instance": 2}))


def test_cli_refuses_a_bad_behaviour_file_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "behaviour.json"
    path.write_text('{"version_conflict_status": 500}')
    result = CliRunner().invoke(
        cli,
        ["sandbox", "serve", "--port", "0", "--data-file", str(tmp_path / "org.json"),
         "--behaviour-file", str(path)],
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: bad behaviour file {path}: Behaviour version_conflict_status must be 409 or "
        "400, not 500."
    )
    assert "Traceback" not in result.output


def test_cli_serves_with_a_behaviour_file(tmp_path: Path) -> None:
    path = tmp_path / "behaviour.json"
    path.write_text('{"validate_properties_at": "activation", "omit_list_fields": ["total"]}')
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "iac", "sandbox", "serve", "--port", str(port),
         "--data-file", str(tmp_path / "org.json"), "--behaviour-file", str(path)],
        cwd=tmp_path,
        env=clean_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                doc = _behaviour(url)
                break
            except httpx.TransportError:
                assert process.poll() is None, "iac sandbox serve exited"
                assert time.monotonic() < deadline, "iac sandbox serve did not answer in 60 s"
                time.sleep(0.1)
        assert doc == {
            **DEFAULTS,
            "validate_properties_at": "activation",
            "omit_list_fields": ["total"],
        }
    finally:
        assert stop_process(process) == 0


# -- the defaults are the behaviour from before modes existed ----------------------------


def _observe(url: str, http: httpx.Client) -> dict[str, Any]:
    """What each mode's default decides, watched through the API (ids left out)."""
    seen: dict[str, Any] = {}
    set_activation(url, delay=0.3, failures=[])  # long: ACTIVATING is read from answers
    first = create(http, "named on create", GOOD_PROPS)
    second = create(http)
    seen["create_name"] = first["name"]
    listing = http.get("/api/v2/integrations", params={"pageSize": 1, "expand": "config.current"})
    seen["list_keys"] = sorted(listing.json())
    seen["list_expands"] = "config" in listing.json()["entities"][0]
    single = http.get(f"/api/v2/integrations/{first['id']}", params={"expand": "config.current"})
    seen["get_expands"] = "config" in single.json()
    bad = put_config(http, second["id"], 1, {**GOOD_PROPS, "awsAccountId": "nope"})
    seen["bad_property_put"] = bad.status_code
    stale = put_config(http, first["id"], 1, GOOD_PROPS)
    seen["stale_put"] = (stale.status_code, stale.json()["code"])
    itype = http.get(f"/api/v2/integrations/types/{TYPE_ID}").json()
    seen["type_max_instances"] = itype.get("maxInstances", "absent")
    set_enabled(http, first["id"], True)
    wait_for_code(http, first["id"], "ACTIVE")
    put_config(http, first["id"], 2, {**GOOD_PROPS, "eventFilter": ["v2.users.{id}.activity"]})
    seen["config_change_on_active"] = http.get(f"/api/v2/integrations/{first['id']}").json()[
        "reportedState"
    ]["code"]
    set_activation(url, failures=[{"event_source_suffix": "*", "message": "refused"}])
    set_enabled(http, second["id"], True)
    wait_for_code(http, second["id"], "ERROR")
    set_activation(url, failures=[])
    seen["reenable_on_error"] = set_enabled(http, second["id"], True)["reportedState"]["code"]
    http.delete(f"/api/v2/integrations/{second['id']}")
    seen["get_after_delete"] = http.get(f"/api/v2/integrations/{second['id']}").status_code
    seen["listed_after_delete"] = http.get("/api/v2/integrations").json()["total"]
    seen["more_creates"] = [
        http.post("/api/v2/integrations", json={"integrationType": {"id": TYPE_ID}}).status_code
        for _ in range(3)
    ]
    return seen


TODAY = {
    "create_name": "Amazon EventBridge Source",
    "list_keys": [
        "entities", "firstUri", "lastUri", "nextUri", "pageCount", "pageNumber", "pageSize",
        "selfUri", "total",
    ],
    "list_expands": True,
    "get_expands": True,
    "bad_property_put": 400,
    "stale_put": (409, "conflict"),
    "type_max_instances": "absent",
    "config_change_on_active": "ACTIVATING",
    "reenable_on_error": "ACTIVATING",
    "get_after_delete": 404,
    "listed_after_delete": 1,
    "more_creates": [200, 200, 200],
}  # fmt: skip


def test_defaults_are_todays_behaviour(server: SandboxServer, http: httpx.Client) -> None:
    assert _observe(server.url, http) == TODAY


def test_explicit_defaults_behave_like_no_behaviour(tmp_path: Path) -> None:
    options = SandboxOptions(activation_delay=0.05, behaviour=DEFAULTS)
    with (
        SandboxServer(tmp_path / "org.json", options) as srv,
        httpx.Client(
            base_url=srv.url, headers={"Authorization": f"bearer {login(srv.url)}"}
        ) as client,
    ):
        assert _observe(srv.url, client) == TODAY
