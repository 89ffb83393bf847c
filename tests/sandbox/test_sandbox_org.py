"""The org behind the API: persistence, out-of-band edits, activation rules, threads."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import pytest
from iac_testing.sandbox_calls import GOOD_PROPS, create, login

from iac.sandbox import SandboxOptions, SandboxServer


def test_org_persists_across_servers(data_file: Path) -> None:
    options = SandboxOptions(activation_delay=0.3)
    with SandboxServer(data_file, options) as first, httpx.Client(base_url=first.url) as client:
        client.headers["Authorization"] = f"bearer {login(first.url)}"
        iid = create(client, "kept", GOOD_PROPS)["id"]
        client.patch(f"/api/v2/integrations/{iid}", json={"intendedState": "ENABLED"})
        org_id = client.get("/api/v2/organizations/me").json()["id"]
    assert data_file.exists()
    assert not list(data_file.parent.glob(".*"))  # no temp files left behind
    with SandboxServer(data_file, options) as second, httpx.Client(base_url=second.url) as client:
        client.headers["Authorization"] = f"bearer {login(second.url)}"
        assert client.get("/api/v2/organizations/me").json()["id"] == org_id
        body = client.get(f"/api/v2/integrations/{iid}", params={"expand": "config.current"}).json()
        assert body["name"] == "kept"
        assert body["config"]["current"]["version"] == 2
        time.sleep(0.3)
        # Activation started before the restart still completes after it.
        assert client.get(f"/api/v2/integrations/{iid}").json()["reportedState"]["code"] == (
            "ACTIVE"
        )


def test_org_id_is_stable_from_first_start(data_file: Path) -> None:
    with SandboxServer(data_file):
        pass
    first = json.loads(data_file.read_text())["orgId"]
    with SandboxServer(data_file):
        pass
    assert json.loads(data_file.read_text())["orgId"] == first


def test_in_memory_org_writes_nothing(tmp_path: Path) -> None:
    with SandboxServer(None) as srv, httpx.Client(base_url=srv.url) as client:
        client.headers["Authorization"] = f"bearer {login(srv.url)}"
        create(client)
    assert list(tmp_path.iterdir()) == []


def test_corrupt_data_file_is_refused(data_file: Path) -> None:
    data_file.parent.mkdir(parents=True)
    data_file.write_text("{nope")
    with pytest.raises(ValueError, match="sandbox org file"):
        SandboxServer(data_file)


def test_admin_org_snapshot(server: SandboxServer, http: httpx.Client) -> None:
    iid = create(http, "snap", GOOD_PROPS)["id"]
    org = httpx.get(f"{server.url}/__sandbox/org").json()
    assert [i["id"] for i in org["integrations"]] == [iid]
    assert org["integrations"][0]["config"]["properties"] == GOOD_PROPS


def test_admin_patch_is_drift(server: SandboxServer, http: httpx.Client) -> None:
    iid = create(http, "orig", GOOD_PROPS)["id"]
    resp = httpx.patch(
        f"{server.url}/__sandbox/integrations/{iid}",
        json={
            "name": "edited in UI",
            "notes": "hand edit",
            "properties": {"eventFilter": ["v2.operations.events.{id}"]},
        },
    )
    assert resp.status_code == 200, resp.text
    config = http.get(f"/api/v2/integrations/{iid}/config/current").json()
    assert config["version"] == 3
    assert config["name"] == "edited in UI"
    assert config["properties"] == {**GOOD_PROPS, "eventFilter": ["v2.operations.events.{id}"]}
    assert http.get(f"/api/v2/integrations/{iid}").json()["notes"] == "hand edit"
    # A client holding the old version now conflicts.
    stale = http.put(
        f"/api/v2/integrations/{iid}/config/current",
        json={"name": "orig", "version": 2, "properties": GOOD_PROPS},
    )
    assert stale.status_code == 409
    # null removes a property; an invalid edit is refused like the API would.
    httpx.patch(
        f"{server.url}/__sandbox/integrations/{iid}", json={"properties": {"eventFilter": None}}
    )
    assert (
        "eventFilter"
        not in http.get(f"/api/v2/integrations/{iid}/config/current").json()["properties"]
    )
    bad = httpx.patch(
        f"{server.url}/__sandbox/integrations/{iid}", json={"properties": {"awsAccountId": "x"}}
    )
    assert bad.status_code == 400
    missing = httpx.patch(f"{server.url}/__sandbox/integrations/nope", json={"name": "x"})
    assert missing.status_code == 404


def test_admin_patch_can_enable(server: SandboxServer, http: httpx.Client) -> None:
    iid = create(http, "x", GOOD_PROPS)["id"]
    httpx.patch(f"{server.url}/__sandbox/integrations/{iid}", json={"intendedState": "ENABLED"})
    body = http.get(f"/api/v2/integrations/{iid}").json()
    assert (body["intendedState"], body["reportedState"]["code"]) == ("ENABLED", "ACTIVATING")


def test_activation_failure_rule(server: SandboxServer, http: httpx.Client) -> None:
    resp = httpx.put(
        f"{server.url}/__sandbox/activation",
        json={
            "delay": 0.1,
            "failures": [{"event_source_suffix": "orders-*", "message": "AWS account not found"}],
        },
    )
    assert resp.status_code == 200
    assert resp.json()["delay"] == 0.1
    failing = create(http, "failing", GOOD_PROPS)["id"]
    fine = create(http, "fine", {**GOOD_PROPS, "eventSourceSuffix": "billing"})["id"]
    for iid in (failing, fine):
        http.patch(f"/api/v2/integrations/{iid}", json={"intendedState": "ENABLED"})
    time.sleep(0.15)
    failed = http.get(f"/api/v2/integrations/{failing}").json()["reportedState"]
    assert failed["code"] == "ERROR"
    assert failed["detail"] == {"message": "AWS account not found"}
    assert http.get(f"/api/v2/integrations/{fine}").json()["reportedState"]["code"] == "ACTIVE"
    # Fixing the rule and enabling again retries the activation.
    httpx.put(f"{server.url}/__sandbox/activation", json={"failures": []})
    again = http.patch(f"/api/v2/integrations/{failing}", json={"intendedState": "ENABLED"})
    assert again.json()["reportedState"]["code"] == "ACTIVATING"
    time.sleep(0.15)
    state = http.get(f"/api/v2/integrations/{failing}").json()["reportedState"]
    assert state["code"] == "ACTIVE"
    assert "detail" not in state


def test_activation_bad_input(server: SandboxServer) -> None:
    url = f"{server.url}/__sandbox/activation"
    assert httpx.put(url, json={"delay": -1}).status_code == 400
    assert httpx.put(url, json={"failures": [{"message": "x"}]}).status_code == 400


def test_reconfiguring_an_enabled_integration_reactivates(http: httpx.Client) -> None:
    iid = create(http, "x", GOOD_PROPS)["id"]
    http.patch(f"/api/v2/integrations/{iid}", json={"intendedState": "ENABLED"})
    time.sleep(0.25)
    put = http.put(
        f"/api/v2/integrations/{iid}/config/current",
        json={"name": "x", "version": 2, "properties": GOOD_PROPS},
    )
    assert put.status_code == 200
    assert http.get(f"/api/v2/integrations/{iid}").json()["reportedState"]["code"] == ("ACTIVATING")


def test_concurrent_creates(server: SandboxServer) -> None:
    token = login(server.url)
    ids: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"bearer {token}"}
        ) as client:
            for _ in range(5):
                iid = create(client)["id"]
                with lock:
                    ids.append(iid)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 30
    org = httpx.get(f"{server.url}/__sandbox/org").json()
    assert sorted(i["id"] for i in org["integrations"]) == sorted(ids)
    assert len({i["seq"] for i in org["integrations"]}) == 30
