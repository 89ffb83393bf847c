"""OAuth scopes and permissions, checked like Genesys, through the real SDK; and activation."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import PureCloudPlatformClientV2 as sdk
import pytest
from iac_testing.sandbox_calls import CLIENT_ID, CLIENT_SECRET, GOOD_PROPS, TYPE_ID, login, model

from iac.sandbox import SandboxOptions, SandboxServer
from iac.sandbox.grants import has_permission

ApiException = sdk.rest.ApiException
VIEW, ADD, EDIT, DELETE = (
    f"integrations:integration:{a}" for a in ("view", "add", "edit", "delete")
)


def _client(url: str) -> sdk.ApiClient:
    client = sdk.ApiClient(host=url)
    client.get_client_credentials_token(CLIENT_ID, CLIENT_SECRET)
    return client


@pytest.fixture
def grants_server(request: pytest.FixtureRequest) -> Iterator[SandboxServer]:
    """A sandbox whose SandboxOptions come from the test's parametrization."""
    with SandboxServer(None, SandboxOptions(activation_delay=0.1, **request.param)) as srv:
        yield srv


def _create(api: sdk.IntegrationsApi) -> Any:
    return api.post_integrations(
        body=model(
            sdk.CreateIntegrationRequest, integration_type=model(sdk.IntegrationType, id=TYPE_ID)
        )
    )


def _put(api: sdk.IntegrationsApi, iid: str, version: int, props: dict[str, Any]) -> Any:
    return api.put_integration_config_current(
        iid,
        body=model(
            sdk.IntegrationConfiguration,
            name="orders",
            version=version,
            properties=props,
            advanced={},
            credentials={},
        ),
    )


def _enable(api: sdk.IntegrationsApi, iid: str) -> Any:
    return api.patch_integration(iid, body=model(sdk.Integration, intended_state="ENABLED"))


def _refused(call: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ApiException) as exc:
        call(*args, **kwargs)
    assert exc.value.status == 403, exc.value.body
    return dict(json.loads(exc.value.body))


def _grants(url: str, doc: dict[str, Any]) -> httpx.Response:
    return httpx.put(f"{url}/__sandbox/grants", json=doc)


# -- enforcement on /api/v2/integrations ---------------------------------------------------


def test_default_grants_allow_full_lifecycle(api: sdk.IntegrationsApi) -> None:
    created = _create(api)
    assert _put(api, created.id, 1, GOOD_PROPS).version == 2
    assert _enable(api, created.id).intended_state == "ENABLED"
    assert api.get_integration(created.id).id == created.id
    assert api.get_integration_config_current(created.id).version == 2
    assert api.get_integrations(integration_type=TYPE_ID).total == 1
    assert api.get_integrations_type(TYPE_ID).id == TYPE_ID
    assert api.get_integrations_type_configschema(TYPE_ID, "properties").required
    assert api.delete_integration(created.id).intended_state == "DELETED"


@pytest.mark.parametrize("grants_server", [{"permissions": (VIEW, ADD, EDIT)}], indirect=True)
def test_missing_delete_permission(grants_server: SandboxServer) -> None:
    api = sdk.IntegrationsApi(_client(grants_server.url))
    created = _create(api)
    assert api.get_integration(created.id).id == created.id
    body = _refused(api.delete_integration, created.id)
    assert body["code"] == "missing.permissions"
    assert body["status"] == 403
    assert (
        "You are missing the following permission(s): [integrations:integration:delete]"
        in (body["message"])
    )
    assert body["messageParams"] == {"permissions": DELETE}
    assert body["messageWithParams"].replace("{permissions}", DELETE) == body["message"]
    # Refused before the id is looked at: an unknown id is a 403 too, not a 404.
    assert _refused(api.delete_integration, "nope")["code"] == "missing.permissions"
    assert api.get_integrations().total == 1


@pytest.mark.parametrize("grants_server", [{"scopes": ("integrations:readonly",)}], indirect=True)
def test_readonly_scope_reads_but_cannot_write(grants_server: SandboxServer) -> None:
    api = sdk.IntegrationsApi(_client(grants_server.url))
    assert api.get_integrations().total == 0
    assert api.get_integrations_type(TYPE_ID).id == TYPE_ID
    body = _refused(_create, api)
    assert body["code"] == "missing.any.scopes"
    assert body["message"] == (
        "This request requires a token with one of the following scopes: [integrations]."
    )
    assert body["messageParams"] == {"scopes": "integrations"}
    assert api.get_integrations().total == 0


@pytest.mark.parametrize(
    "grants_server", [{"scopes": ("users",), "permissions": ()}], indirect=True
)
def test_scope_is_checked_before_permission(grants_server: SandboxServer) -> None:
    api = sdk.IntegrationsApi(_client(grants_server.url))
    body = _refused(api.get_integrations)
    assert body["code"] == "missing.any.scopes"
    assert "[integrations, integrations:readonly]" in body["message"]
    _grants(grants_server.url, {"scopes": ["integrations"]})
    assert _refused(api.get_integrations)["messageParams"] == {"permissions": VIEW}
    # Auth comes first: no token is a 401 whatever the grants.
    assert httpx.get(f"{grants_server.url}/api/v2/integrations").status_code == 401


@pytest.mark.parametrize(
    "grants_server",
    [
        {"permissions": ("integrations:*:*",)},
        {"permissions": ("integrations:integration:*",)},
        {"permissions": ("*:*:*",)},
    ],
    indirect=True,
)
def test_wildcard_permission(grants_server: SandboxServer) -> None:
    api = sdk.IntegrationsApi(_client(grants_server.url))
    created = _create(api)
    _put(api, created.id, 1, GOOD_PROPS)
    _enable(api, created.id)
    api.delete_integration(created.id)


def test_has_permission_matches_one_segment_per_star() -> None:
    assert has_permission(["integrations:*:*"], ADD)
    assert has_permission(["integrations:integration:*"], DELETE)
    assert not has_permission(["integrations:integration:view"], EDIT)
    assert not has_permission(["routing:*:*", "integrations:*"], VIEW)
    assert not has_permission([], VIEW)


def test_grants_change_at_run_time(server: SandboxServer, api: sdk.IntegrationsApi) -> None:
    url = server.url
    assert httpx.get(f"{url}/__sandbox/grants").json() == {
        "scopes": [],
        "permissions": [VIEW, ADD, EDIT, DELETE],
    }
    created = _create(api)
    resp = _grants(url, {"permissions": [VIEW]})
    assert resp.json() == {"scopes": [], "permissions": [VIEW]}
    # The token issued before the change is refused at once.
    assert _refused(_enable, api, created.id)["messageParams"] == {"permissions": EDIT}
    assert _refused(_create, api)["messageParams"] == {"permissions": ADD}
    _grants(url, {"scopes": ["integrations:readonly"], "permissions": ["integrations:*:*"]})
    assert _refused(_create, api)["code"] == "missing.any.scopes"
    _grants(url, {"scopes": []})
    assert _create(api).id
    for bad in (
        {"permissions": ["integrations"]},
        {"scopes": "integrations"},
        {"permissions": [""]},
        {"roles": []},
    ):
        assert _grants(url, bad).status_code == 400, bad
    assert httpx.get(f"{url}/__sandbox/grants").json() == {
        "scopes": [],
        "permissions": ["integrations:*:*"],
    }


def test_refused_requests_use_up_the_rate_budget() -> None:
    # httpx, not the SDK: the SDK's urllib3 sleeps out a 429's Retry-After and retries.
    options = SandboxOptions(rate_limit_per_minute=2, rate_window_seconds=30, permissions=(VIEW,))
    with SandboxServer(None, options) as srv:
        headers = {"Authorization": f"bearer {login(srv.url)}"}
        body = {"integrationType": {"id": TYPE_ID}}
        codes = [
            httpx.post(f"{srv.url}/api/v2/integrations", json=body, headers=headers).status_code
            for _ in range(3)
        ]
        assert codes == [403, 403, 429]


def test_bad_grant_options_fail_at_start() -> None:
    with pytest.raises(ValueError, match="domain:entity:action"):
        SandboxServer(None, SandboxOptions(permissions=("integrations:view",)))


# -- who am I ------------------------------------------------------------------------------


def test_tokens_me_unrestricted(server: SandboxServer, api_client: sdk.ApiClient) -> None:
    info = sdk.TokensApi(api_client).get_tokens_me()
    org = sdk.OrganizationApi(api_client).get_organizations_me()
    assert (info.organization.id, info.organization.name) == (org.id, org.name)
    assert info.home_organization.id == org.id
    assert "integrations" in info.authorized_scope
    assert info.o_auth_client.id == CLIENT_ID
    assert info.o_auth_client.authorized_grant_type == "CLIENT-CREDENTIALS"
    assert info.o_auth_client.scope is None


@pytest.mark.parametrize(
    "grants_server", [{"scopes": ("integrations:readonly",), "permissions": ()}], indirect=True
)
def test_tokens_me_restricted_needs_no_grant(grants_server: SandboxServer) -> None:
    client = _client(grants_server.url)
    info = sdk.TokensApi(client).get_tokens_me()
    assert info.authorized_scope == ["integrations:readonly"]
    assert info.o_auth_client.scope == ["integrations:readonly"]
    subject = sdk.AuthorizationApi(client).get_authorization_subjects_me(include_full_roles=True)
    assert subject.grants == []


def test_subjects_me_lists_policies(server: SandboxServer, api_client: sdk.ApiClient) -> None:
    authz = sdk.AuthorizationApi(api_client)
    subject = authz.get_authorization_subjects_me(include_full_roles=True)
    assert subject.id == CLIENT_ID
    [grant] = subject.grants
    assert grant.role.name == "iac sandbox role"
    assert grant.division.home_division is True
    assert grant.grant_made_at is not None
    [policy] = grant.role.policies
    assert (policy.domain, policy.entity_name) == ("integrations", "integration")
    assert policy.actions == ["view", "add", "edit", "delete"]
    # Without includeFullRoles the role comes without its policies.
    assert authz.get_authorization_subjects_me().grants[0].role.policies is None

    _grants(
        server.url,
        {
            "permissions": [
                VIEW,
                "integrations:*:*",
                "integrations:integration:*",
                "integrations:integration:edit",
            ]
        },
    )
    policies = authz.get_authorization_subjects_me(include_full_roles=True).grants[0].role.policies
    assert [(p.domain, p.entity_name, p.actions) for p in policies] == [
        ("integrations", "integration", ["*"]),
        ("integrations", "*", ["*"]),
    ]


# -- activation, as verification after apply will see it ---------------------------------


def _configured(api: sdk.IntegrationsApi, suffix: str) -> str:
    iid = str(_create(api).id)
    _put(api, iid, 1, {**GOOD_PROPS, "eventSourceSuffix": suffix})
    return iid


def test_activation_delay_keeps_activating(server: SandboxServer, api: sdk.IntegrationsApi) -> None:
    assert httpx.put(f"{server.url}/__sandbox/activation", json={"delay": 5}).json()["delay"] == 5
    iid = _configured(api, "slow")
    assert _enable(api, iid).reported_state.code == "ACTIVATING"
    time.sleep(0.3)
    state = api.get_integration(iid).reported_state
    assert (state.code, state.detail) == ("ACTIVATING", None)
    [rec] = httpx.get(f"{server.url}/__sandbox/org").json()["integrations"]
    assert rec["state"]["settlesAt"] - rec["state"]["since"] == pytest.approx(5)


def test_activation_failure_rule(server: SandboxServer, api: sdk.IntegrationsApi) -> None:
    message = "AWS rejected the partner event source"
    resp = httpx.put(
        f"{server.url}/__sandbox/activation",
        json={"failures": [{"event_source_suffix": "bad-*", "message": message}]},
    )
    assert resp.status_code == 200, resp.text
    bad, good = _configured(api, "bad-orders"), _configured(api, "good-orders")
    first = _enable(api, bad).reported_state
    assert (first.code, first.detail) == ("ACTIVATING", None)  # the outcome is not told early
    _enable(api, good)
    time.sleep(0.3)
    state = api.get_integration(bad).reported_state
    assert (state.code, state.detail.message) == ("ERROR", message)
    assert api.get_integration(good).reported_state.code == "ACTIVE"
