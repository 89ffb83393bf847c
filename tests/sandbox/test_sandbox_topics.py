"""GET /api/v2/notifications/availabletopics: the sandbox's sample catalog, through the real
SDK's NotificationsApi over real HTTP."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import PureCloudPlatformClientV2 as sdk
import pytest

from iac.config.models import TOPIC_PATTERN
from iac.sandbox import SandboxServer
from iac.sandbox.topics import CATALOG_FILE, EXPANDABLE, catalog

ApiException = sdk.rest.ApiException
REPO_ROOT = Path(__file__).resolve().parents[2]
PREVIEW = "v2.taskmanagement.workitems.queues.{id}"

# Topics Genesys' public docs name for EventBridge (and the examples and tests use).
DOCUMENTED = [
    *(
        f"v2.detail.events.conversation.{{id}}.{event}"
        for event in (
            "customer.start",
            "customer.end",
            "acd.start",
            "acd.end",
            "acw",
            "agent.start",
            "agent.end",
            "attributes",
            "user.start",
            "user.end",
            "outbound",
        )
    ),
    "v2.audits.entitytype.{id}.entityid.{id}",
    "v2.users.{id}.activity",
    "v2.users.{id}.presence",
    "v2.users.{id}.routingStatus",
    "v2.routing.queues.{id}.conversations",
    "v2.routing.queues.{id}.conversations.callbacks",
    "v2.analytics.queues.{id}.observations",
    "v2.operations.events.{id}",
]


@pytest.fixture
def notifications(api_client: sdk.ApiClient) -> sdk.NotificationsApi:
    return sdk.NotificationsApi(api_client)


def test_the_sample_catalog_is_large_enough_and_well_formed() -> None:
    topics = catalog()
    ids = [t["id"] for t in topics]
    assert len(ids) >= 30
    assert len(set(ids)) == len(ids)
    assert all(re.match(TOPIC_PATTERN, i) for i in ids), ids
    assert set(DOCUMENTED) <= set(ids)
    websocket_only = [t["id"] for t in topics if t["transports"] == ["Websocket"]]
    assert websocket_only == ["v2.users.{id}.conversations"]
    assert [t["id"] for t in topics if t["visibility"] == "Preview"] == [PREVIEW]
    assert all(t["description"] for t in topics)


def test_every_topic_the_examples_use_is_in_the_catalog() -> None:
    used = set()
    for path in (REPO_ROOT / "examples").rglob("*.y*ml"):
        used |= set(re.findall(r"v2(?:\.(?:[A-Za-z0-9_-]+|\{id\}))+", path.read_text()))
    used -= {"v2.users"}  # a policy's pattern (v2.users.*.activity), not a topic
    assert used, "no topics found in examples/"
    assert used <= {t["id"] for t in catalog()}, used - {t["id"] for t in catalog()}


def test_the_catalog_ships_as_package_data() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["iac.sandbox"]
    assert any(Path(CATALOG_FILE).match(p) for p in patterns), patterns
    assert (REPO_ROOT / "iac" / "sandbox" / CATALOG_FILE).is_file()


def test_preview_topics_come_unless_include_preview_is_false(
    notifications: sdk.NotificationsApi,
) -> None:
    every = {t.id for t in notifications.get_notifications_availabletopics().entities}
    asked = notifications.get_notifications_availabletopics(include_preview=True).entities
    public = notifications.get_notifications_availabletopics(include_preview=False).entities
    assert len(every) == len(catalog())
    assert {t.id for t in asked} == every
    assert {t.id for t in public} == every - {PREVIEW}


def test_expand_sends_the_fields_it_names(notifications: sdk.NotificationsApi) -> None:
    bare = {t.id: t for t in notifications.get_notifications_availabletopics().entities}
    expanded = {
        t.id: t
        for t in notifications.get_notifications_availabletopics(
            expand=["description", "transports", "visibility"]
        ).entities
    }
    topic = "v2.users.{id}.conversations"
    assert bare[topic].topic_parameters == ["userId"]
    assert bare[topic].description is None and bare[topic].transports is None
    assert expanded[topic].transports == ["Websocket"]
    assert expanded[topic].visibility == "Public"
    assert expanded[topic].description
    assert expanded[topic].schema is None  # not asked for
    assert expanded[PREVIEW].visibility == "Preview"


def _raw(http: httpx.Client, **params: Any) -> httpx.Response:
    return http.get("/api/v2/notifications/availabletopics", params=params)


def test_bad_query_values_are_refused(http: httpx.Client) -> None:
    bad_expand = _raw(http, expand="transports,bogus")
    assert bad_expand.status_code == 400
    assert "bogus" in bad_expand.json()["message"]
    bad_flag = _raw(http, includePreview="maybe")
    assert bad_flag.status_code == 400
    assert "includePreview must be true or false" in bad_flag.json()["message"]
    assert _raw(http, includePreview="FALSE").status_code == 200
    repeated = set(_raw(http, expand=["transports", "schema"]).json()["entities"][0])
    assert {"id", "topicParameters", "transports", "schema"} <= repeated
    assert not repeated & (set(EXPANDABLE) - {"transports", "schema"})


def test_the_catalog_needs_the_notifications_scope_but_no_permission(
    server: SandboxServer, notifications: sdk.NotificationsApi
) -> None:
    grants = f"{server.url}/__sandbox/grants"
    httpx.put(grants, json={"permissions": []}).raise_for_status()
    assert notifications.get_notifications_availabletopics().entities
    httpx.put(grants, json={"scopes": ["integrations", "notifications"]}).raise_for_status()
    assert notifications.get_notifications_availabletopics().entities
    httpx.put(grants, json={"scopes": ["integrations:readonly"]}).raise_for_status()
    with pytest.raises(ApiException) as refused:
        notifications.get_notifications_availabletopics()
    assert refused.value.status == 403
    body = json.loads(refused.value.body)
    assert body["code"] == "missing.any.scopes"
    assert body["message"] == (
        "This request requires a token with one of the following scopes: [notifications]."
    )


def test_an_unrestricted_token_reports_the_notifications_scope(http: httpx.Client) -> None:
    assert "notifications" in http.get("/api/v2/tokens/me").json()["authorizedScope"]
