"""The client's writes against a real sandbox in each mode the real API might have: stale
versions as 409 or 400, deletes that stay visible for a while, create names kept or ignored."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from genesys_sandbox import (
    ATTRIBUTES,
    LIST,
    QUICK,
    behave,
    fault,
    forget_requests,
    org_integrations,
    requests,
    seed,
    with_client,
)

from iac.genesys.client import GenesysClient, RetryPolicy
from iac.genesys.errors import GenesysApiError
from iac.genesys.settings import GenesysTarget
from iac.genesys.transport import HttpxHttpClient
from iac.sandbox import SandboxServer

CONFIG = "/api/v2/integrations/*/config/current"
PENDING = "iac-pending-1a2b3c4d-orders"


def make(target: GenesysTarget) -> str:
    async def create(client: GenesysClient) -> str:
        return await client.create_integration()

    return with_client(target, create)


# -- 2. version conflicts: 409 or 400 "does not match the current version" ------------------


@pytest.mark.parametrize("status", [409, 400])
def test_a_stale_version_is_a_conflict_in_either_form(
    sandbox: SandboxServer, target: GenesysTarget, status: int
) -> None:
    behave(sandbox.url, version_conflict_status=status)
    integration_id = make(target)

    async def configure_stale(client: GenesysClient) -> None:
        await client.configure(integration_id, ATTRIBUTES, None)  # version 1 -> 2
        await client.configure(integration_id, {**ATTRIBUTES, "name": "Other"}, 1)

    with pytest.raises(GenesysApiError) as caught:
        with_client(target, configure_stale)

    err = caught.value
    assert err.status == status and err.is_version_conflict
    assert err.message is not None and "does not match the current version" in err.message
    assert "changed by someone else since it was read; run plan again" in str(err)


@pytest.mark.parametrize("status", [409, 400])
def test_a_config_write_whose_answer_was_lost_meets_itself_in_either_form(
    sandbox: SandboxServer, target: GenesysTarget, status: int
) -> None:
    behave(sandbox.url, version_conflict_status=status)
    integration_id = make(target)
    fault(sandbox.url, method="PUT", path=CONFIG, action="drop_after_commit", on_calls=[1])

    async def configure(client: GenesysClient) -> int:
        return await client.configure(integration_id, ATTRIBUTES, 1)

    assert with_client(target, configure) == 2
    puts = [r["status"] for r in requests(sandbox.url, "PUT")]
    assert puts == [200, status]  # landed (answer lost), then the retry met its own write


# -- 3. delete confirmation ----------------------------------------------------------------


def test_delete_confirmation_waits_30_seconds_by_default() -> None:
    assert RetryPolicy().delete_confirm_seconds == 30.0


def test_a_delete_still_visible_for_a_while_is_waited_out(
    sandbox: SandboxServer, target: GenesysTarget
) -> None:
    behave(sandbox.url, delete_visible_seconds=1.0)
    first, second = seed(sandbox.url, 2)

    async def delete_then_list(client: GenesysClient) -> tuple[bool, float, list[str]]:
        started = time.monotonic()
        deleted = await client.delete_integration(first)
        took = time.monotonic() - started
        # Deleted by someone else a moment ago: listed as DELETED for a while, yet gone.
        httpx.delete(
            f"{sandbox.url}{LIST}/{second}", headers=bearer(sandbox.url)
        ).raise_for_status()
        return deleted, took, sorted(await client.list_destinations())

    deleted, took, listed = with_client(target, delete_then_list)

    assert deleted is True
    assert took >= 1.0
    gets = [r["status"] for r in requests(sandbox.url, "GET", f"{LIST}/{first}")]
    assert gets[0] == 200 and gets[-1] == 404
    assert listed == []
    assert second in {r["id"] for r in visible(sandbox.url)}


def test_a_delete_visible_past_the_confirmation_wait_fails(
    sandbox: SandboxServer, target: GenesysTarget
) -> None:
    behave(sandbox.url, delete_visible_seconds=30.0)
    (integration_id,) = seed(sandbox.url)

    async def delete(client: GenesysClient) -> bool:
        return await client.delete_integration(integration_id)

    policy = dataclasses.replace(QUICK, delete_confirm_seconds=0.5)
    with pytest.raises(GenesysApiError, match=r"still returns the integration 0.5s after"):
        with_client(target, delete, policy=policy)


def bearer(url: str) -> dict[str, str]:
    """A token of the sandbox's client, for calls made behind the client's back."""
    token = httpx.post(
        f"{url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=("sandbox-client", "sandbox-secret"),
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def visible(url: str) -> list[dict[str, object]]:
    """What GET /api/v2/integrations shows right now (deleted ones too, while visible)."""
    response = httpx.get(f"{url}{LIST}", params={"pageSize": 100}, headers=bearer(url))
    return list(response.json()["entities"])


# -- 6. knowing our own create after a lost answer -------------------------------------------


@pytest.fixture
def stranger_on_first_post(sandbox: SandboxServer) -> Iterator[tuple[HttpxHttpClient, list[str]]]:
    """A transport whose first POST /api/v2/integrations is preceded by someone else's
    create: a new unconfigured integration that is not ours."""
    strangers: list[str] = []

    def hook(request: httpx.Request) -> None:
        if request.method == "POST" and request.url.path == LIST and not strangers:
            strangers.extend(seed(sandbox.url))

    with httpx.Client(
        timeout=10.0, transport=httpx.HTTPTransport(retries=0), event_hooks={"request": [hook]}
    ) as own:
        http = HttpxHttpClient(client=own)
        yield http, strangers
        http.close()


def create_named(target: GenesysTarget, **options: object) -> tuple[str, bool | None]:
    async def create(client: GenesysClient) -> tuple[str, bool | None]:
        created = await client.create_integration(PENDING)
        return created, client.create_names_honoured

    return with_client(target, create, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("honoured", [True, False])
def test_a_named_create_is_sent_with_its_name(
    sandbox: SandboxServer, target: GenesysTarget, honoured: bool
) -> None:
    behave(sandbox.url, honour_create_name=honoured)

    created, names_honoured = create_named(target)

    (rec,) = org_integrations(sandbox.url)
    assert rec["id"] == created
    assert (rec["config"]["name"] == PENDING) is honoured
    assert names_honoured is honoured


@pytest.mark.parametrize("honoured", [True, False])
def test_a_lost_create_answer_finds_its_integration_in_either_mode(
    sandbox: SandboxServer, target: GenesysTarget, honoured: bool
) -> None:
    behave(sandbox.url, honour_create_name=honoured)
    fault(sandbox.url, method="POST", path=LIST, action="drop_after_commit", on_calls=[1])

    created, names_honoured = create_named(target)

    assert [r["id"] for r in org_integrations(sandbox.url)] == [created]
    assert [r["dropped"] for r in requests(sandbox.url, "POST", LIST)] == [True]
    assert names_honoured is honoured


def test_with_names_kept_a_strangers_new_integration_is_not_taken_for_ours(
    sandbox: SandboxServer,
    target: GenesysTarget,
    stranger_on_first_post: tuple[HttpxHttpClient, list[str]],
) -> None:
    behave(sandbox.url, honour_create_name=True)
    fault(sandbox.url, method="POST", path=LIST, action="drop_after_commit", on_calls=[1])
    http, strangers = stranger_on_first_post

    created, _ = create_named(target, http=http)

    by_id = {r["id"]: r for r in org_integrations(sandbox.url)}
    assert set(by_id) == {created, *strangers}  # found by its name; nothing sent twice
    assert by_id[created]["config"]["name"] == PENDING


def test_with_names_ignored_two_new_integrations_stop_the_create(
    sandbox: SandboxServer,
    target: GenesysTarget,
    stranger_on_first_post: tuple[HttpxHttpClient, list[str]],
) -> None:
    fault(sandbox.url, method="POST", path=LIST, action="drop_after_commit", on_calls=[1])
    http, strangers = stranger_on_first_post

    with pytest.raises(GenesysApiError, match="several new unconfigured integrations"):
        create_named(target, http=http)

    ids = {r["id"] for r in org_integrations(sandbox.url)}
    assert len(ids) == 2 and set(strangers) < ids  # ours and the stranger's: no third


def test_names_known_kept_a_create_that_did_not_land_is_sent_again(
    sandbox: SandboxServer, target: GenesysTarget
) -> None:
    behave(sandbox.url, honour_create_name=True)
    # The second create's first POST fails before anything is made (a 503 that may have
    # committed, as far as the client knows), and a stranger's create shows up meanwhile.
    fault(sandbox.url, method="POST", path=LIST, status=503, on_calls=[2])

    async def two_creates(client: GenesysClient) -> tuple[str, str, list[str]]:
        first = await client.create_integration("iac-pending-1a2b3c4d-first")
        strangers = seed(sandbox.url)
        second = await client.create_integration(PENDING)
        return first, second, strangers

    first, second, strangers = with_client(target, two_creates)

    by_id = {r["id"]: r["config"]["name"] for r in org_integrations(sandbox.url)}
    assert second not in strangers
    assert by_id[second] == PENDING
    assert set(by_id) == {first, second, *strangers}


# -- max_instances ---------------------------------------------------------------------------


@pytest.mark.parametrize("cap", [None, 0, 7])
def test_max_instances_is_read_once_per_client(
    sandbox: SandboxServer, target: GenesysTarget, cap: int | None
) -> None:
    behave(sandbox.url, max_instances=cap)
    forget_requests(sandbox.url)

    async def twice(client: GenesysClient) -> list[int | None]:
        return [await client.max_instances(), await client.max_instances()]

    assert with_client(target, twice) == [cap, cap]
    path = "/api/v2/integrations/types/amazon-eventbridge-source"
    assert len(requests(sandbox.url, "GET", path)) == 1


def test_a_destination_says_since_when_its_reported_state_holds(
    sandbox: SandboxServer, target: GenesysTarget
) -> None:
    before = datetime.now(timezone.utc) - timedelta(seconds=5)

    async def create_and_read(client: GenesysClient) -> list[datetime | None]:
        integration_id = await client.create_integration()
        listed = (await client.list_destinations())[integration_id]
        read = await client.get_destination(integration_id)
        assert read is not None
        return [listed.reported_since, read.reported_since]

    for since in with_client(target, create_and_read):
        assert since is not None and since.tzinfo is not None
        assert before <= since <= datetime.now(timezone.utc) + timedelta(seconds=5)
