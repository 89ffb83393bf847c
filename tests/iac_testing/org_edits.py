"""Integrations made behind iac's back, through the sandbox's public API, as a Genesys admin
would in the UI: configured and enabled, or left as a create leaves one (no configuration)."""

from __future__ import annotations

import httpx

from iac_testing.cli_world import Sandbox


def _headers(sandbox: Sandbox) -> dict[str, str]:
    return {"Authorization": f"Bearer {sandbox._token()}"}


def make_unconfigured(sandbox: Sandbox) -> str:
    """A new integration nobody configured yet: Genesys names it after its type."""
    created = httpx.post(
        f"{sandbox.url}/api/v2/integrations",
        json={"integrationType": {"id": "amazon-eventbridge-source"}},
        headers=_headers(sandbox),
    )
    created.raise_for_status()
    return str(created.json()["id"])


def make_unmanaged(sandbox: Sandbox, suffix: str, name: str = "Made in the UI") -> str:
    """A configured, enabled integration no configuration manages."""
    integration_id = make_unconfigured(sandbox)
    headers = _headers(sandbox)
    httpx.put(
        f"{sandbox.url}/api/v2/integrations/{integration_id}/config/current",
        json={
            "name": name,
            "version": 1,
            "properties": {
                "awsAccountId": "123456789012",
                "awsAccountRegion": "us-east-1",
                "eventSourceSuffix": suffix,
                "eventFilter": ["v2.users.{id}.activity"],
            },
            "advanced": {},
            "notes": "",
            "credentials": {},
        },
        headers=headers,
    ).raise_for_status()
    httpx.patch(
        f"{sandbox.url}/api/v2/integrations/{integration_id}",
        json={"intendedState": "ENABLED"},
        headers=headers,
    ).raise_for_status()
    return integration_id
