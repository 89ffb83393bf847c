"""Helpers shared by the sandbox tests (kept out of conftest so they import by a unique name)."""

from __future__ import annotations

import time
from typing import Any

import httpx

CLIENT_ID = "sandbox-client"
CLIENT_SECRET = "sandbox-secret"
TYPE_ID = "amazon-eventbridge-source"

GOOD_PROPS: dict[str, Any] = {
    "awsAccountId": "123456789012",
    "awsAccountRegion": "us-east-1",
    "eventSourceSuffix": "orders-prod",
    "eventFilter": ["v2.users.{id}.activity", "v2.detail.events.conversation.{id}.customer.end"],
}


def model(cls: type, **fields: Any) -> Any:
    """SDK models take no constructor arguments: set attributes one by one."""
    obj = cls()
    for name, value in fields.items():
        setattr(obj, name, value)
    return obj


def login(url: str) -> str:
    resp = httpx.post(
        f"{url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(CLIENT_ID, CLIENT_SECRET),
    )
    assert resp.status_code == 200, resp.text
    return str(resp.json()["access_token"])


def create(
    http: httpx.Client,
    name: str | None = None,
    props: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Create an integration and, when ``props`` is given, configure it (version 2)."""
    body: dict[str, Any] = {"integrationType": {"id": TYPE_ID}}
    if name:
        body["name"] = name
    resp = http.post("/api/v2/integrations", json=body)
    assert resp.status_code == 200, resp.text
    created: dict[str, Any] = resp.json()
    if props is not None:
        put = http.put(
            f"/api/v2/integrations/{created['id']}/config/current",
            json={
                "name": name or created["name"],
                "version": 1,
                "properties": props,
                "advanced": {},
                "credentials": {},
            },
        )
        assert put.status_code == 200, put.text
    return created


# -- sandbox admin paths (no auth) ------------------------------------------------------


def set_behaviour(url: str, **modes: Any) -> dict[str, Any]:
    """PUT /__sandbox/behaviour: ``modes`` replace the whole behaviour (others: defaults)."""
    resp = httpx.put(f"{url}/__sandbox/behaviour", json=modes)
    assert resp.status_code == 200, resp.text
    doc: dict[str, Any] = resp.json()
    return doc


def set_activation(url: str, **policy: Any) -> None:
    """PUT /__sandbox/activation, e.g. ``delay=0.05`` or ``failures=[...]``."""
    resp = httpx.put(f"{url}/__sandbox/activation", json=policy)
    assert resp.status_code == 200, resp.text


def put_config(
    http: httpx.Client, integration_id: str, version: int, props: dict[str, Any], name: str = "x"
) -> httpx.Response:
    """PUT .../config/current with the other fields as iac sends them; the response as is."""
    return http.put(
        f"/api/v2/integrations/{integration_id}/config/current",
        json={
            "name": name,
            "version": version,
            "properties": props,
            "advanced": {},
            "credentials": {},
        },
    )


def set_enabled(http: httpx.Client, integration_id: str, enabled: bool) -> dict[str, Any]:
    """PATCH intendedState; returns the Integration answered."""
    resp = http.patch(
        f"/api/v2/integrations/{integration_id}",
        json={"intendedState": "ENABLED" if enabled else "DISABLED"},
    )
    assert resp.status_code == 200, resp.text
    doc: dict[str, Any] = resp.json()
    return doc


def reported(http: httpx.Client, integration_id: str) -> dict[str, Any]:
    """The reportedState of an integration now."""
    resp = http.get(f"/api/v2/integrations/{integration_id}")
    assert resp.status_code == 200, resp.text
    state: dict[str, Any] = resp.json()["reportedState"]
    return state


def wait_for_code(
    http: httpx.Client, integration_id: str, code: str, timeout: float = 10.0
) -> dict[str, Any]:
    """Poll until reportedState.code is ``code``; fails with the last state after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        state = reported(http, integration_id)
        if state["code"] == code or time.monotonic() > deadline:
            assert state["code"] == code, state
            return state
        time.sleep(0.02)
