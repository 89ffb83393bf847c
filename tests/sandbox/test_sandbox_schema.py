"""Every key the sandbox sends must exist in the SDK model that reads it.

The SDK silently drops unknown JSON keys, so without this check the sandbox could drift
from the real API unnoticed: a client would then be tested against fields that Genesys
never sends.
"""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import PureCloudPlatformClientV2 as sdk
import pytest
from iac_testing.sandbox_calls import GOOD_PROPS, TYPE_ID, create

from iac.sandbox import SandboxOptions, SandboxServer
from iac.sandbox.topics import EXPANDABLE

_LIST = re.compile(r"^list\[(.+)\]$")
_DICT = re.compile(r"^dict\((\w+), (.+)\)$")


def check(value: Any, type_name: str, where: str = "$") -> None:
    """Walk ``value`` as the SDK would deserialize it into ``type_name``."""
    if value is None:
        return
    if found := _LIST.match(type_name):
        assert isinstance(value, list), f"{where}: expected a list"
        for n, item in enumerate(value):
            check(item, found[1], f"{where}[{n}]")
        return
    if found := _DICT.match(type_name):
        assert isinstance(value, dict), f"{where}: expected an object"
        for key, item in value.items():
            check(item, found[2], f"{where}.{key}")
        return
    cls = getattr(sdk.models, type_name, None)
    if cls is None:  # a primitive: str, int, bool, datetime, object ...
        return
    assert isinstance(value, dict), f"{where}: expected a {type_name} object"
    instance = cls()
    by_json = {json_key: attr for attr, json_key in instance.attribute_map.items()}
    unknown = set(value) - set(by_json)
    assert not unknown, f"{where}: keys {sorted(unknown)} are not in {type_name}.attribute_map"
    for key, item in value.items():
        check(item, instance.swagger_types[by_json[key]], f"{where}.{key}")


def test_checker_rejects_unknown_keys() -> None:
    with pytest.raises(AssertionError, match="bogus"):
        check({"id": "x", "reportedState": {"code": "ACTIVE", "bogus": 1}}, "Integration")
    with pytest.raises(AssertionError, match="extra"):
        check({"entities": [{"id": "x", "extra": True}]}, "IntegrationEntityListing")
    check(
        {"id": "x", "reportedState": {"code": "ACTIVE", "detail": {"message": "m"}}}, "Integration"
    )


def _ok(resp: httpx.Response) -> Any:
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_success_bodies_match_models(http: httpx.Client) -> None:
    first = create(http, "first", GOOD_PROPS)
    create(http, "second")
    iid = first["id"]
    check(first, "Integration")
    check(_ok(http.get(f"/api/v2/integrations/{iid}")), "Integration")
    expanded = _ok(http.get(f"/api/v2/integrations/{iid}", params={"expand": "config.current"}))
    assert "current" in expanded["config"]
    check(expanded, "Integration")
    check(_ok(http.get(f"/api/v2/integrations/{iid}/config/current")), "IntegrationConfiguration")
    for params in (
        {},
        {"expand": "config.current", "pageSize": 1},
        {"pageSize": 1, "pageNumber": 2, "integrationType": TYPE_ID},
    ):
        listing = _ok(http.get("/api/v2/integrations", params=params))
        check(listing, "IntegrationEntityListing")
    enabled = _ok(http.patch(f"/api/v2/integrations/{iid}", json={"intendedState": "ENABLED"}))
    check(enabled, "Integration")
    check(_ok(http.get(f"/api/v2/integrations/types/{TYPE_ID}")), "IntegrationType")
    schema = _ok(http.get(f"/api/v2/integrations/types/{TYPE_ID}/configschemas/properties"))
    check(schema, "JsonSchemaDocument")
    check(_ok(http.get("/api/v2/organizations/me")), "Organization")
    check(_ok(http.delete(f"/api/v2/integrations/{iid}")), "Integration")


def test_error_state_detail_matches_models(http: httpx.Client) -> None:
    iid = create(http)["id"]
    http.patch(f"/api/v2/integrations/{iid}", json={"intendedState": "ENABLED"})
    time.sleep(0.25)
    body = _ok(http.get(f"/api/v2/integrations/{iid}"))
    assert body["reportedState"]["detail"]["message"]
    check(body, "Integration")
    check(body["reportedState"], "IntegrationStatusInfo")


def test_error_bodies_match_models(server: SandboxServer, http: httpx.Client) -> None:
    iid = create(http, "x", GOOD_PROPS)["id"]
    config_path = f"/api/v2/integrations/{iid}/config/current"
    responses = [
        http.get("/api/v2/integrations/nope"),
        http.get("/api/v2/nowhere"),
        http.get("/api/v2/integrations", params={"pageSize": 500}),
        http.put(config_path, json={"name": "x", "version": 1, "properties": GOOD_PROPS}),
        http.put(
            config_path, json={"name": "x", "version": 2, "properties": {"awsAccountId": "1"}}
        ),
        http.post(
            "/api/v2/integrations",
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        ),
        httpx.get(f"{server.url}/api/v2/integrations"),
        httpx.get(f"{server.url}/api/v2/integrations", headers={"Authorization": "bearer nope"}),
    ]
    httpx.post(
        f"{server.url}/__sandbox/faults",
        json={"method": "GET", "path": "/api/v2/*", "status": 503, "times": 1},
    )
    responses.append(http.get("/api/v2/integrations"))
    assert [r.status_code for r in responses] == [404, 404, 400, 409, 400, 400, 401, 401, 503]
    for resp in responses:
        body = resp.json()
        assert set(body) >= {"message", "code", "status", "contextId"}
        assert body["status"] == resp.status_code
        check(body, "ErrorBody")


def test_rate_limit_body_matches_model(data_file: Any) -> None:
    options = SandboxOptions(rate_limit_per_minute=1, rate_window_seconds=30)
    with SandboxServer(data_file, options) as srv, httpx.Client(base_url=srv.url) as client:
        token = _ok(
            client.post(
                "/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=("sandbox-client", "sandbox-secret"),
            )
        )["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v2/integrations", headers=headers).status_code == 200
        limited = client.get("/api/v2/integrations", headers=headers)
        assert limited.status_code == 429
        assert limited.json()["limit"]["value"] == 1
        check(limited.json(), "ErrorBody")


def test_identity_bodies_match_models(server: SandboxServer, http: httpx.Client) -> None:
    for grants in (
        {},
        {"scopes": ["integrations"], "permissions": ["integrations:*:*"]},
        {"permissions": []},
    ):
        if grants:
            httpx.put(f"{server.url}/__sandbox/grants", json=grants)
        info = _ok(http.get("/api/v2/tokens/me"))
        assert info["authorizedScope"]
        check(info, "TokenInfo")
        for params in ({}, {"includeFullRoles": "true"}):
            check(_ok(http.get("/api/v2/authorization/subjects/me", params=params)), "AuthzSubject")
    httpx.put(f"{server.url}/__sandbox/grants", json={"permissions": ["integrations:*:view"]})
    full = _ok(http.get("/api/v2/authorization/subjects/me", params={"includeFullRoles": "true"}))
    assert full["grants"][0]["role"]["policies"]
    check(full, "AuthzSubject")


def test_refusal_bodies_match_models(server: SandboxServer, http: httpx.Client) -> None:
    httpx.put(f"{server.url}/__sandbox/grants", json={"permissions": []})
    no_permission = http.get("/api/v2/integrations")
    httpx.put(f"{server.url}/__sandbox/grants", json={"scopes": ["integrations:readonly"]})
    no_scope = http.post("/api/v2/integrations", json={"integrationType": {"id": TYPE_ID}})
    assert [r.status_code for r in (no_permission, no_scope)] == [403, 403]
    assert [r.json()["code"] for r in (no_permission, no_scope)] == [
        "missing.permissions",
        "missing.any.scopes",
    ]
    for resp in (no_permission, no_scope):
        check(resp.json(), "ErrorBody")


def test_mode_bodies_match_models(server: SandboxServer, http: httpx.Client) -> None:
    """The bodies only a non-default behaviour (PUT /__sandbox/behaviour) produces."""
    url = server.url
    httpx.put(f"{url}/__sandbox/activation", json={"delay": 0.05})
    first = create(http, "first", GOOD_PROPS)
    second = create(http, "second")
    config_path = f"/api/v2/integrations/{first['id']}/config/current"
    stale = {"name": "x", "version": 1, "properties": GOOD_PROPS}
    errors: list[httpx.Response] = [http.put(config_path, json=stale)]  # 409, entityId
    errors.append(  # duplicate event source: entityId and entityName of the other one
        http.put(
            f"/api/v2/integrations/{second['id']}/config/current",
            json={"name": "x", "version": 1, "properties": GOOD_PROPS},
        )
    )
    httpx.put(
        f"{url}/__sandbox/behaviour",
        json={
            "omit_list_fields": ["pageCount", "nextUri", "total"],
            "validate_properties_at": "activation",
            "version_conflict_status": 400,
            "delete_visible_seconds": 5,
            "honour_create_name": True,
            "max_instances": 3,
        },
    )
    errors.append(http.put(config_path, json=stale))  # 400 version conflict
    named = http.post(
        "/api/v2/integrations", json={"integrationType": {"id": TYPE_ID}, "name": "n"}
    )
    check(_ok(named), "Integration")
    errors.append(
        http.post("/api/v2/integrations", json={"integrationType": {"id": TYPE_ID}})
    )  # past maxInstances: limit
    assert [r.status_code for r in errors] == [409, 400, 400, 400]
    assert [sorted({"entityId", "entityName", "limit"} & set(r.json())) for r in errors] == [
        ["entityId", "entityName"],
        ["entityId", "entityName"],
        ["entityId", "entityName"],
        ["limit"],
    ]
    for resp in errors:
        check(resp.json(), "ErrorBody")
    check(_ok(http.get(f"/api/v2/integrations/types/{TYPE_ID}")), "IntegrationType")
    bad = {"name": "x", "version": 1, "properties": {**GOOD_PROPS, "awsAccountId": "1"}}
    check(_ok(http.put(f"/api/v2/integrations/{second['id']}/config/current", json=bad)),
          "IntegrationConfiguration")  # fmt: skip
    http.patch(f"/api/v2/integrations/{second['id']}", json={"intendedState": "ENABLED"})
    time.sleep(0.1)
    failed = _ok(http.get(f"/api/v2/integrations/{second['id']}"))
    assert failed["reportedState"]["code"] == "ERROR"
    check(failed, "Integration")
    check(_ok(http.delete(f"/api/v2/integrations/{first['id']}")), "Integration")
    check(_ok(http.get(f"/api/v2/integrations/{first['id']}")), "Integration")
    check(_ok(http.get(config_path)), "IntegrationConfiguration")
    listing = _ok(http.get("/api/v2/integrations", params={"pageSize": 1, "pageNumber": 2}))
    assert "pageCount" not in listing and "total" not in listing
    check(listing, "IntegrationEntityListing")


def test_topic_catalog_bodies_match_models(server: SandboxServer, http: httpx.Client) -> None:
    """Every key of the SDK's AvailableTopic, in every topic, once every field is expanded."""
    every_field = {"expand": ",".join(EXPANDABLE)}
    listings = [
        _ok(http.get("/api/v2/notifications/availabletopics")),
        _ok(http.get("/api/v2/notifications/availabletopics", params=every_field)),
        _ok(
            http.get(
                "/api/v2/notifications/availabletopics",
                params={"expand": "transports", "includePreview": "false"},
            )
        ),
    ]
    for listing in listings:
        check(listing, "AvailableTopicEntityListing")
    model_keys = set(sdk.AvailableTopic().attribute_map.values())
    for topic in listings[1]["entities"]:
        assert set(topic) == model_keys, topic["id"]
        for detail in topic["permissionDetails"]:
            assert set(detail) == set(sdk.PermissionDetails().attribute_map.values())
    bad_expand = http.get("/api/v2/notifications/availabletopics", params={"expand": "bogus"})
    assert bad_expand.status_code == 400
    httpx.put(f"{server.url}/__sandbox/grants", json={"scopes": ["integrations"]})
    refused = http.get("/api/v2/notifications/availabletopics")
    assert refused.status_code == 403
    for resp in (refused, bad_expand):
        check(resp.json(), "ErrorBody")
