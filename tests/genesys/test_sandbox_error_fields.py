"""A real Genesys-shaped 4xx from the sandbox arrives with its parts as GenesysApiError fields."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from iac.genesys.client import GenesysClient, RetryPolicy
from iac.genesys.errors import GenesysApiError
from iac.genesys.settings import GenesysTarget
from iac.sandbox import SandboxServer


def failure(target: GenesysTarget, action: str, *args: object) -> GenesysApiError:
    """The GenesysApiError the client method ``action`` raises."""

    async def run() -> None:
        # No waits between retries: these tests are about the error, not the retrying.
        policy = RetryPolicy(attempts=2, backoff_initial=0.0, backoff_max=0.0)
        async with GenesysClient(target, policy=policy) as client:
            await getattr(client, action)(*args)

    with pytest.raises(GenesysApiError) as caught:
        asyncio.run(run())
    return caught.value


def test_not_found_carries_genesys_code_message_and_context(
    sandbox: SandboxServer, target: GenesysTarget
) -> None:
    missing = str(uuid.uuid4())

    err = failure(target, "set_enabled", missing, True)

    assert err.call == f"PATCH /api/v2/integrations/{missing}"
    assert (err.status, err.code) == (404, "not.found")
    assert err.message == f"Integration {missing} not found."
    assert err.context_id is not None and str(uuid.UUID(err.context_id)) == err.context_id
    assert err.maybe_committed is False
    assert str(err) == (
        f"PATCH /api/v2/integrations/{missing} failed: HTTP 404 not.found: "
        f"Integration {missing} not found. [contextId {err.context_id}]"
    )


def test_forced_fault_fields_and_text(sandbox: SandboxServer, target: GenesysTarget) -> None:
    rule = {
        "method": "GET",
        "path": "/api/v2/integrations",
        "status": 403,
        "code": "missing.permissions",
        "message": "Unable to perform\nthe requested action.",
    }
    httpx.post(f"{sandbox.url}/__sandbox/faults", json=rule).raise_for_status()

    err = failure(target, "list_destinations")

    assert (err.status, err.code) == (403, "missing.permissions")
    assert err.message == "Unable to perform the requested action."  # one line
    assert err.context_id
    assert err.maybe_committed is False
    assert str(err) == (
        "GET /api/v2/integrations failed: HTTP 403 missing.permissions: Unable to perform the "
        "requested action. (the OAuth client lacks a permission: it needs the 'integrations' "
        "scope and the integrations:integration:view/add/edit/delete permissions) "
        f"[contextId {err.context_id}]"
    )


def test_server_fault_may_have_committed(sandbox: SandboxServer, target: GenesysTarget) -> None:
    # Every attempt fails, so the last failure surfaces.
    rule = {"method": "GET", "path": "/api/v2/integrations", "status": 503}
    httpx.post(f"{sandbox.url}/__sandbox/faults", json=rule).raise_for_status()

    err = failure(target, "list_destinations")

    assert (err.status, err.code) == (503, "service.unavailable")
    assert err.message == "Injected fault: HTTP 503."
    assert err.maybe_committed is True
