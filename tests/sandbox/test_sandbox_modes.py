"""Each behaviour mode (PUT /__sandbox/behaviour) over real HTTP, with httpx and the SDK."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import PureCloudPlatformClientV2 as sdk
import pytest
from iac_testing.sandbox_calls import (
    GOOD_PROPS,
    TYPE_ID,
    create,
    model,
    put_config,
    reported,
    set_activation,
    set_behaviour,
    set_enabled,
    wait_for_code,
)

from iac.sandbox import SandboxServer

ApiException = sdk.rest.ApiException
OTHER_PROPS = {**GOOD_PROPS, "eventSourceSuffix": "billing"}


# Long enough that an answer given right after enabling still says ACTIVATING on a busy box.
DELAY = 0.3


@pytest.fixture(autouse=True)
def quick_activation(server: SandboxServer) -> None:
    set_activation(server.url, delay=DELAY)


def _post(http: httpx.Client, **body: Any) -> httpx.Response:
    return http.post("/api/v2/integrations", json={"integrationType": {"id": TYPE_ID}, **body})


def _enable_status(http: httpx.Client, iid: str) -> int:
    resp = http.patch(f"/api/v2/integrations/{iid}", json={"intendedState": "ENABLED"})
    return resp.status_code


# -- omit_list_fields -------------------------------------------------------------------


def test_omit_list_fields(server: SandboxServer, http: httpx.Client, api: Any) -> None:
    for _ in range(3):
        create(http)
    set_behaviour(server.url, omit_list_fields=["pageCount", "nextUri"])
    for number in (1, 2):
        page = http.get("/api/v2/integrations", params={"pageSize": 2, "pageNumber": number})
        assert set(page.json()) == {
            "entities", "pageSize", "pageNumber", "total", "firstUri", "lastUri", "selfUri",
        } | ({"previousUri"} if number == 2 else set())  # fmt: skip
    parsed = api.get_integrations(page_size=2, page_number=1)
    assert (parsed.page_count, parsed.next_uri, parsed.total) == (None, None, 3)
    set_behaviour(server.url, omit_list_fields=["total", "pageSize", "firstUri"])
    page = http.get("/api/v2/integrations", params={"pageSize": 2}).json()
    assert {"total", "pageSize", "firstUri"}.isdisjoint(page)
    assert (page["pageCount"], len(page["entities"])) == (2, 2)


# -- validate_properties_at -------------------------------------------------------------


def test_properties_checked_at_activation(http: httpx.Client, server: SandboxServer) -> None:
    set_behaviour(server.url, validate_properties_at="activation")
    iid = create(http)["id"]
    bad = {**GOOD_PROPS, "awsAccountId": "12345"}
    put = put_config(http, iid, 1, bad)
    assert put.status_code == 200, put.text
    assert put.json()["properties"] == bad
    assert set_enabled(http, iid, True)["reportedState"]["code"] == "ACTIVATING"
    state = wait_for_code(http, iid, "ERROR")
    assert state["detail"]["message"] == (
        "Invalid value for property awsAccountId: must be a string of exactly 12 digits"
    )
    # Unknown properties are let through too; fixing the config re-activates (the default).
    assert put_config(http, iid, 2, {**GOOD_PROPS, "colour": "red"}).status_code == 200
    assert "colour" in wait_for_code(http, iid, "ERROR")["detail"]["message"]
    assert put_config(http, iid, 3, GOOD_PROPS).status_code == 200
    wait_for_code(http, iid, "ACTIVE")


def test_uniqueness_checked_at_activation(http: httpx.Client, server: SandboxServer) -> None:
    set_behaviour(server.url, validate_properties_at="activation")
    first = create(http, props=GOOD_PROPS)["id"]
    second = create(http, props=GOOD_PROPS)["id"]  # the same partner event source: accepted
    # Only an enabled one holds the partner event source, so the second one may go first.
    set_enabled(http, second, True)
    wait_for_code(http, second, "ACTIVE")
    set_enabled(http, first, True)
    message = wait_for_code(http, first, "ERROR")["detail"]["message"]
    assert message.startswith("eventSourceSuffix orders-prod is already used for AWS account")
    assert second in message
    set_enabled(http, second, False)
    set_enabled(http, first, True)  # PATCH ENABLED on ERROR retries (the default)
    wait_for_code(http, first, "ACTIVE")


def test_properties_checked_at_put_by_default(http: httpx.Client, server: SandboxServer) -> None:
    iid = create(http)["id"]
    resp = put_config(http, iid, 1, {**GOOD_PROPS, "awsAccountId": "12345"})
    assert (resp.status_code, resp.json()["code"]) == (400, "invalid.value")
    set_behaviour(server.url, validate_properties_at="activation")
    assert put_config(http, iid, 1, {**GOOD_PROPS, "awsAccountId": "12345"}).status_code == 200


def test_admin_edit_follows_the_mode(http: httpx.Client, server: SandboxServer) -> None:
    iid = create(http, props=GOOD_PROPS)["id"]
    edit = {"properties": {"awsAccountRegion": "mars-1"}}
    url = f"{server.url}/__sandbox/integrations/{iid}"
    assert httpx.patch(url, json=edit).status_code == 400
    set_behaviour(server.url, validate_properties_at="activation")
    assert httpx.patch(url, json={**edit, "intendedState": "ENABLED"}).status_code == 200
    assert "awsAccountRegion" in wait_for_code(http, iid, "ERROR")["detail"]["message"]


# -- version_conflict_status ------------------------------------------------------------


def test_version_conflict_as_400(http: httpx.Client, server: SandboxServer, api: Any) -> None:
    iid = create(http, "orders", GOOD_PROPS)["id"]
    set_behaviour(server.url, version_conflict_status=400)
    resp = put_config(http, iid, 1, GOOD_PROPS)
    assert resp.status_code == 400
    body = resp.json()
    assert "does not match the current version" in body["message"]
    assert (body["code"], body["status"]) == ("bad.request", 400)
    assert (body["entityId"], body["entityName"]) == (iid, "orders")
    body_model = model(
        sdk.IntegrationConfiguration,
        name="x",
        version=1,
        properties=GOOD_PROPS,
        advanced={},
        credentials={},
    )
    with pytest.raises(ApiException) as exc:
        api.put_integration_config_current(iid, body=body_model)
    assert exc.value.status == 400
    assert "does not match the current version" in json.loads(exc.value.body)["message"]
    # The stored config is untouched, and the right version still goes through.
    assert put_config(http, iid, 2, GOOD_PROPS).status_code == 200
    set_behaviour(server.url, version_conflict_status=409)
    stale = put_config(http, iid, 2, GOOD_PROPS)
    assert (stale.status_code, stale.json()["code"]) == (409, "conflict")
    assert stale.json()["entityId"] == iid


# -- delete_visible_seconds -------------------------------------------------------------


def test_deleted_integration_stays_visible(http: httpx.Client, server: SandboxServer) -> None:
    visible = 3.0  # long enough for every check below on a busy box
    set_behaviour(server.url, delete_visible_seconds=visible)
    kept = create(http)["id"]
    iid = create(http, props=GOOD_PROPS)["id"]
    set_enabled(http, iid, True)
    before_delete = time.monotonic()
    deleted = http.delete(f"/api/v2/integrations/{iid}")
    assert (deleted.status_code, deleted.json()["intendedState"]) == (200, "DELETED")
    got = http.get(f"/api/v2/integrations/{iid}")
    assert (got.status_code, got.json()["intendedState"]) == (200, "DELETED")
    assert http.get(f"/api/v2/integrations/{iid}/config/current").status_code == 200
    listing = http.get("/api/v2/integrations").json()
    assert [(e["id"], e["intendedState"]) for e in listing["entities"]] == [
        (kept, "DISABLED"),
        (iid, "DELETED"),
    ]
    assert listing["total"] == 2
    # Gone for every write at once.
    assert http.delete(f"/api/v2/integrations/{iid}").status_code == 404
    assert _enable_status(http, iid) == 404
    assert put_config(http, iid, 2, GOOD_PROPS).status_code == 404
    # Not in the org, and it frees its partner event source for a new integration.
    org = httpx.get(f"{server.url}/__sandbox/org").json()
    assert [i["id"] for i in org["integrations"]] == [kept]
    assert put_config(http, kept, 1, GOOD_PROPS).status_code == 200
    while http.get(f"/api/v2/integrations/{iid}").status_code == 200:
        assert time.monotonic() - before_delete < visible + 10, "still visible"
        time.sleep(0.05)
    assert time.monotonic() - before_delete >= visible
    assert http.get(f"/api/v2/integrations/{iid}/config/current").status_code == 404
    assert [e["id"] for e in http.get("/api/v2/integrations").json()["entities"]] == [kept]


def test_delete_is_immediate_by_default(http: httpx.Client) -> None:
    iid = create(http)["id"]
    assert http.delete(f"/api/v2/integrations/{iid}").status_code == 200
    assert http.get(f"/api/v2/integrations/{iid}").status_code == 404
    assert http.get("/api/v2/integrations").json()["total"] == 0


# -- config_change_reactivates ----------------------------------------------------------


def test_config_change_without_reactivation(http: httpx.Client, server: SandboxServer) -> None:
    set_behaviour(server.url, config_change_reactivates=False)
    iid = create(http, props=GOOD_PROPS)["id"]
    set_enabled(http, iid, True)
    active = wait_for_code(http, iid, "ACTIVE")
    assert put_config(http, iid, 2, OTHER_PROPS).status_code == 200
    assert reported(http, iid) == active  # not moved, not even lastUpdated
    # One in ERROR stays in ERROR after its config is fixed, until disabled and enabled.
    set_activation(server.url, failures=[{"event_source_suffix": "bad-*", "message": "no"}])
    broken = create(http, props={**GOOD_PROPS, "eventSourceSuffix": "bad-one"})["id"]
    set_enabled(http, broken, True)
    wait_for_code(http, broken, "ERROR")
    fixed = put_config(http, broken, 2, {**GOOD_PROPS, "eventSourceSuffix": "good"})
    assert fixed.status_code == 200
    time.sleep(DELAY + 0.1)
    assert reported(http, broken)["code"] == "ERROR"
    set_enabled(http, broken, False)
    set_enabled(http, broken, True)
    wait_for_code(http, broken, "ACTIVE")


def test_config_change_reactivates_by_default(http: httpx.Client) -> None:
    iid = create(http, props=GOOD_PROPS)["id"]
    set_enabled(http, iid, True)
    wait_for_code(http, iid, "ACTIVE")
    assert put_config(http, iid, 2, OTHER_PROPS).status_code == 200
    assert reported(http, iid)["code"] == "ACTIVATING"
    wait_for_code(http, iid, "ACTIVE")


# -- reenable_restarts_activation -------------------------------------------------------


def test_reenable_does_not_restart(http: httpx.Client, server: SandboxServer) -> None:
    set_behaviour(server.url, reenable_restarts_activation=False)
    set_activation(server.url, failures=[{"event_source_suffix": "*", "message": "AWS said no"}])
    iid = create(http, props=GOOD_PROPS)["id"]
    set_enabled(http, iid, True)
    wait_for_code(http, iid, "ERROR")
    set_activation(server.url, failures=[])
    again = set_enabled(http, iid, True)
    assert (again["intendedState"], again["reportedState"]["code"]) == ("ENABLED", "ERROR")
    time.sleep(DELAY + 0.1)
    assert reported(http, iid)["detail"] == {"message": "AWS said no"}
    assert set_enabled(http, iid, False)["reportedState"]["code"] == "INACTIVE"
    assert set_enabled(http, iid, True)["reportedState"]["code"] == "ACTIVATING"
    wait_for_code(http, iid, "ACTIVE")


def test_reenable_restarts_by_default(http: httpx.Client, server: SandboxServer) -> None:
    set_activation(server.url, failures=[{"event_source_suffix": "*", "message": "AWS said no"}])
    iid = create(http, props=GOOD_PROPS)["id"]
    set_enabled(http, iid, True)
    wait_for_code(http, iid, "ERROR")
    set_activation(server.url, failures=[])
    assert set_enabled(http, iid, True)["reportedState"]["code"] == "ACTIVATING"
    wait_for_code(http, iid, "ACTIVE")


# -- honour_create_name -----------------------------------------------------------------


def test_create_name_honoured(http: httpx.Client, server: SandboxServer, api: Any) -> None:
    set_behaviour(server.url, honour_create_name=True)
    named = _post(http, name="iac-pending-run1-orders").json()
    assert named["name"] == "iac-pending-run1-orders"
    config = http.get(f"/api/v2/integrations/{named['id']}/config/current").json()
    assert (config["name"], config["version"]) == ("iac-pending-run1-orders", 1)
    assert _post(http).json()["name"] == "Amazon EventBridge Source"
    assert _post(http, name="  ").json()["name"] == "Amazon EventBridge Source"
    request = model(
        sdk.CreateIntegrationRequest,
        name="via-sdk",
        integration_type=model(sdk.IntegrationType, id=TYPE_ID),
    )
    assert api.post_integrations(body=request).name == "via-sdk"
    listed = {e["name"] for e in http.get("/api/v2/integrations").json()["entities"]}
    assert {"iac-pending-run1-orders", "via-sdk"} <= listed


def test_create_name_ignored_by_default(http: httpx.Client) -> None:
    assert _post(http, name="iac-pending-x").json()["name"] == "Amazon EventBridge Source"
    assert _post(http, name=5).status_code == 400  # a name must still be a string


# -- max_instances ----------------------------------------------------------------------


def test_max_instances(http: httpx.Client, server: SandboxServer, api: Any) -> None:
    assert "maxInstances" not in http.get(f"/api/v2/integrations/types/{TYPE_ID}").json()
    assert api.get_integrations_type(TYPE_ID).max_instances is None
    set_behaviour(server.url, max_instances=2, delete_visible_seconds=5)
    assert api.get_integrations_type(TYPE_ID).max_instances == 2
    httpx.post(f"{server.url}/__sandbox/integrations", json={"typeId": "webhook"})
    first, _second = create(http)["id"], create(http)["id"]
    refused = _post(http)
    assert refused.status_code == 400
    body = refused.json()
    assert body["code"] == "bad.request"
    assert body["message"] == (
        "Integration type amazon-eventbridge-source allows at most 2 instances in an organization."
    )
    assert body["limit"] == {"key": "maxInstances", "namespace": "integrations", "value": 2}
    with pytest.raises(ApiException) as exc:
        api.post_integrations(
            body=model(
                sdk.CreateIntegrationRequest,
                integration_type=model(sdk.IntegrationType, id=TYPE_ID),
            )
        )
    assert exc.value.status == 400
    # A deleted one no longer counts, even while it is still visible.
    http.delete(f"/api/v2/integrations/{first}")
    assert http.get(f"/api/v2/integrations/{first}").status_code == 200
    assert _post(http).status_code == 200
    assert _post(http).status_code == 400
    # The admin path passes the cap: a test can make an org that is already over it.
    seeded = httpx.post(f"{server.url}/__sandbox/integrations", json={"typeId": TYPE_ID})
    assert seeded.status_code == 200
    set_behaviour(server.url, max_instances=0)
    assert http.get(f"/api/v2/integrations/types/{TYPE_ID}").json()["maxInstances"] == 0
    assert _post(http).status_code == 400
    set_behaviour(server.url)
    assert _post(http).status_code == 200


# -- expand_honoured --------------------------------------------------------------------


def test_expand_not_honoured(http: httpx.Client, server: SandboxServer, api: Any) -> None:
    iid = create(http, props=GOOD_PROPS)["id"]
    expand = {"expand": "config.current"}
    set_behaviour(server.url, expand_honoured=False)
    listing = http.get("/api/v2/integrations", params=expand).json()
    assert "config" not in listing["entities"][0]
    assert "expand" not in listing["selfUri"]
    assert "config" not in http.get(f"/api/v2/integrations/{iid}", params=expand).json()
    assert api.get_integration(iid, expand=["config.current"]).config is None
    assert api.get_integrations(expand=["config.current"]).entities[0].config is None
    set_behaviour(server.url)  # back to honoured, at once
    single = http.get(f"/api/v2/integrations/{iid}", params=expand).json()
    assert single["config"]["current"]["properties"] == GOOD_PROPS
    listing = http.get("/api/v2/integrations", params=expand).json()
    assert listing["entities"][0]["config"]["current"]["version"] == 2
    assert "expand=config.current" in listing["selfUri"]


# -- 429 bodies from fault rules --------------------------------------------------------


def test_injected_429_has_the_normalized_body(http: httpx.Client, server: SandboxServer) -> None:
    rule = {"method": "GET", "path": "/api/v2/integrations", "status": 429, "retry_after": 3}
    httpx.post(f"{server.url}/__sandbox/faults", json={**rule, "times": 1})
    resp = http.get("/api/v2/integrations")
    assert (resp.status_code, resp.headers["Retry-After"]) == (429, "3")
    body = resp.json()
    assert body["code"] == "too.many.requests.retry.after"
    assert body["message"] == "Rate limit exceeded the maximum. Retry the request in [3] seconds"
