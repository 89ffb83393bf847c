"""The real Genesys SDK, over real HTTP, against the sandbox."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import PureCloudPlatformClientV2 as sdk
import pytest
from iac_testing.sandbox_calls import GOOD_PROPS, TYPE_ID, model

from iac.sandbox import SandboxOptions, SandboxServer

ApiException = sdk.rest.ApiException


def _create(api: sdk.IntegrationsApi, name: str | None = None) -> Any:
    body = model(
        sdk.CreateIntegrationRequest, integration_type=model(sdk.IntegrationType, id=TYPE_ID)
    )
    if name is not None:
        body.name = name
    return api.post_integrations(body=body)


def _put(
    api: sdk.IntegrationsApi,
    integration_id: str,
    version: int,
    props: dict[str, Any],
    name: str = "orders",
    notes: str | None = None,
) -> Any:
    body = model(
        sdk.IntegrationConfiguration,
        name=name,
        version=version,
        properties=props,
        advanced={},
        credentials={},
    )
    if notes is not None:
        body.notes = notes
    return api.put_integration_config_current(integration_id, body=body)


def _error(exc: pytest.ExceptionInfo[Any]) -> dict[str, Any]:
    return dict(json.loads(exc.value.body))


def test_create_uses_type_defaults(api: sdk.IntegrationsApi) -> None:
    created = _create(api)
    assert created.name == "Amazon EventBridge Source"
    assert created.intended_state == "DISABLED"
    assert created.reported_state.code == "INACTIVE"
    assert created.integration_type.id == TYPE_ID
    assert created.self_uri == f"/api/v2/integrations/{created.id}"
    config = api.get_integration_config_current(created.id)
    assert (config.version, config.properties, config.advanced, config.credentials) == (
        1,
        {},
        {},
        {},
    )
    # As the API facts say: a new integration takes the type's name, whatever was asked.
    assert _create(api, name="named").name == "Amazon EventBridge Source"


def test_get_returns_same_integration(api: sdk.IntegrationsApi) -> None:
    created = _create(api)
    fetched = api.get_integration(created.id)
    assert fetched.id == created.id
    assert fetched.config is None
    expanded = api.get_integration(created.id, expand=["config.current"])
    assert expanded.config.current.version == 1


def test_put_config_bumps_version_and_renames(api: sdk.IntegrationsApi) -> None:
    created = _create(api)
    config = _put(api, created.id, 1, GOOD_PROPS, name="orders", notes="managed by iac")
    assert config.version == 2
    assert config.properties == GOOD_PROPS
    fetched = api.get_integration(created.id)
    assert (fetched.name, fetched.notes) == ("orders", "managed by iac")
    assert _put(api, created.id, 2, GOOD_PROPS, name="orders2").version == 3


def test_stale_version_is_409(api: sdk.IntegrationsApi) -> None:
    created = _create(api)
    _put(api, created.id, 1, GOOD_PROPS)
    with pytest.raises(ApiException) as exc:
        _put(api, created.id, 1, GOOD_PROPS)
    assert exc.value.status == 409
    body = _error(exc)
    assert body["code"] == "conflict"
    assert "1" in body["message"] and "2" in body["message"]
    assert api.get_integration_config_current(created.id).version == 2


@pytest.mark.parametrize(
    ("prop", "value"),
    [
        ("awsAccountId", "12345678901"),
        ("awsAccountId", 123456789012),
        ("awsAccountRegion", "us_east_1"),
        ("awsAccountRegion", "mars-east-1"),
        ("eventSourceSuffix", ""),
        ("eventSourceSuffix", "has space"),
        ("eventSourceSuffix", "x" * 65),
        ("eventFilter", []),
        ("eventFilter", ["users.activity"]),
        ("eventFilter", ["v2.users.{userId}.activity"]),
        ("unknownKey", "x"),
    ],
)
def test_invalid_property_is_400(api: sdk.IntegrationsApi, prop: str, value: Any) -> None:
    created = _create(api)
    with pytest.raises(ApiException) as exc:
        _put(api, created.id, 1, {**GOOD_PROPS, prop: value})
    assert exc.value.status == 400
    body = _error(exc)
    assert body["code"] in ("invalid.value", "bad.request")
    assert prop in body["message"]


def test_valid_region_forms_accepted(api: sdk.IntegrationsApi) -> None:
    created = _create(api)
    version = 1
    for region in ("us-east-1", "eu-central-1", "us-gov-west-1", "ap-southeast-2"):
        version = _put(api, created.id, version, {**GOOD_PROPS, "awsAccountRegion": region}).version


def test_missing_name_is_400(api: sdk.IntegrationsApi) -> None:
    created = _create(api)
    with pytest.raises(ApiException) as exc:
        _put(api, created.id, 1, GOOD_PROPS, name="")
    assert exc.value.status == 400


def test_duplicate_event_source_is_400(api: sdk.IntegrationsApi) -> None:
    first, second = _create(api), _create(api)
    _put(api, first.id, 1, GOOD_PROPS)
    with pytest.raises(ApiException) as exc:
        _put(api, second.id, 1, GOOD_PROPS)
    assert exc.value.status == 400
    assert "eventSourceSuffix" in _error(exc)["message"]
    # Same suffix in another region names a different partner event source.
    _put(api, second.id, 1, {**GOOD_PROPS, "awsAccountRegion": "eu-west-1"})
    # Re-saving the first one's own triple is not a clash with itself.
    _put(api, first.id, 2, GOOD_PROPS)


def test_unknown_type_is_400(api: sdk.IntegrationsApi) -> None:
    body = model(
        sdk.CreateIntegrationRequest, integration_type=model(sdk.IntegrationType, id="webhook")
    )
    with pytest.raises(ApiException) as exc:
        api.post_integrations(body=body)
    assert exc.value.status == 400
    assert _error(exc)["code"] == "invalid.value"


def test_enable_activates_then_disable(api: sdk.IntegrationsApi) -> None:
    created = _create(api)
    _put(api, created.id, 1, GOOD_PROPS)
    patched = api.patch_integration(
        created.id, body=model(sdk.Integration, intended_state="ENABLED")
    )
    assert patched.intended_state == "ENABLED"
    assert patched.reported_state.code == "ACTIVATING"
    time.sleep(0.25)
    assert api.get_integration(created.id).reported_state.code == "ACTIVE"
    disabled = api.patch_integration(
        created.id, body=model(sdk.Integration, intended_state="DISABLED")
    )
    assert (disabled.intended_state, disabled.reported_state.code) == ("DISABLED", "INACTIVE")


def test_enable_incomplete_config_errors(api: sdk.IntegrationsApi) -> None:
    created = _create(api)
    api.patch_integration(created.id, body=model(sdk.Integration, intended_state="ENABLED"))
    time.sleep(0.25)
    state = api.get_integration(created.id).reported_state
    assert state.code == "ERROR"
    assert "awsAccountId" in state.detail.message


def test_patch_rejects_other_states(api: sdk.IntegrationsApi) -> None:
    created = _create(api)
    with pytest.raises(ApiException) as exc:
        api.patch_integration(created.id, body=model(sdk.Integration, intended_state="DELETED"))
    assert exc.value.status == 400


def test_delete_then_404(api: sdk.IntegrationsApi) -> None:
    created = _create(api)
    deleted = api.delete_integration(created.id)
    assert (deleted.id, deleted.intended_state) == (created.id, "DELETED")
    for call in (api.get_integration, api.get_integration_config_current, api.delete_integration):
        with pytest.raises(ApiException) as exc:
            call(created.id)
        assert exc.value.status == 404
        assert _error(exc)["code"] == "not.found"


def test_list_paginates_in_creation_order(api: sdk.IntegrationsApi) -> None:
    ids = [_create(api, name=f"i{n}").id for n in range(7)]
    seen: list[str] = []
    page_number = 1
    while True:
        page = api.get_integrations(page_size=3, page_number=page_number, integration_type=TYPE_ID)
        assert (page.total, page.page_count, page.page_size) == (7, 3, 3)
        assert all(entity.config is None for entity in page.entities)
        seen.extend(entity.id for entity in page.entities)
        assert (page.previous_uri is not None) == (page_number > 1)
        if page.next_uri is None:
            break
        page_number += 1
    assert seen == ids
    assert page_number == 3
    empty = api.get_integrations(page_size=3, page_number=4)
    assert empty.entities == []
    assert api.get_integrations(integration_type="webhook").total == 0


def test_list_expand_config(api: sdk.IntegrationsApi) -> None:
    created = _create(api)
    _put(api, created.id, 1, GOOD_PROPS)
    page = api.get_integrations(page_size=100, expand=["config.current"])
    assert page.entities[0].config.current.properties == GOOD_PROPS
    assert page.entities[0].config.current.version == 2


def test_list_page_size_over_100_is_400(api: sdk.IntegrationsApi) -> None:
    with pytest.raises(ApiException) as exc:
        api.get_integrations(page_size=101)
    assert exc.value.status == 400
    assert _error(exc)["code"] == "bad.request"


def test_expand_not_honoured_option(tmp_path: Any) -> None:
    options = SandboxOptions(activation_delay=0.2, expand_honoured=False)
    with SandboxServer(None, options) as srv:
        client = sdk.ApiClient(host=srv.url)
        client.get_client_credentials_token("sandbox-client", "sandbox-secret")
        api = sdk.IntegrationsApi(client)
        created = _create(api)
        page = api.get_integrations(expand=["config.current"])
        assert page.entities[0].config is None
        # The option is the behaviour expand_honoured=false: a single GET ignores it too.
        assert api.get_integration(created.id, expand=["config.current"]).config is None


def test_type_and_schema(api: sdk.IntegrationsApi) -> None:
    itype = api.get_integrations_type(TYPE_ID)
    assert itype.name == "Amazon EventBridge Source"
    schema = api.get_integrations_type_configschema(TYPE_ID, "properties")
    assert set(schema.required) == set(GOOD_PROPS)


def test_sdk_retries_a_dropped_post(server: SandboxServer, api: sdk.IntegrationsApi) -> None:
    """Documents the SDK's urllib3 retry: a POST whose answer is lost is sent again."""
    httpx.post(
        f"{server.url}/__sandbox/faults",
        json={
            "method": "POST",
            "path": "/api/v2/integrations",
            "action": "drop_after_commit",
            "times": 1,
        },
    )
    _create(api)
    assert api.get_integrations().total == 2


def test_sdk_sleeps_out_a_429(tmp_path: Any) -> None:
    """Documents the SDK's urllib3 retry: a 429 with Retry-After is waited out and resent."""
    options = SandboxOptions(rate_limit_per_minute=1, rate_window_seconds=1.0)
    with SandboxServer(None, options) as srv:
        client = sdk.ApiClient(host=srv.url)
        client.get_client_credentials_token("sandbox-client", "sandbox-secret")
        api = sdk.IntegrationsApi(client)
        api.get_integrations()
        started = time.monotonic()
        _create(api)  # no ApiException: urllib3 slept and sent the POST again
        assert time.monotonic() - started >= 0.9
        log = httpx.get(f"{srv.url}/__sandbox/requests").json()
        assert [
            e["status"]
            for e in log
            if e["path"] == "/api/v2/integrations" and e["method"] == "POST"
        ] == [429, 200]


def test_sdk_login_with_bad_secret_is_401(server: SandboxServer) -> None:
    client = sdk.ApiClient(host=server.url)
    with pytest.raises(ApiException) as exc:
        client.get_client_credentials_token("sandbox-client", "wrong")
    assert exc.value.status == 401
    assert json.loads(exc.value.body)["error"] == "invalid_client"
