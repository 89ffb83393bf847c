"""Helpers shared by the sandbox tests (kept out of conftest so they import by a unique name)."""

from __future__ import annotations

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
