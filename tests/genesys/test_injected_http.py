"""GenesysClient sends through an injected HTTP client, and leaves it open for its owner."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from types import SimpleNamespace

import httpx
import pytest

from iac.genesys.client import GenesysClient
from iac.genesys.errors import GenesysApiError
from iac.genesys.settings import GenesysTarget
from iac.genesys.transport import HttpxHttpClient, default_httpx_client
from iac.sandbox import SandboxServer

LIST = ("GET", "/api/v2/integrations")
LOGIN = ("POST", "/oauth/token")


class Recorder:
    """An httpx event hook: every request the wrapped httpx.Client sends, as (method, path)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []

    def __call__(self, request: httpx.Request) -> None:
        self.requests.append((request.method, request.url.path))


class Observer:
    """A CallObserver that keeps what the client reported through its response hook."""

    def __init__(self) -> None:
        self.api: list[tuple[str, int | None]] = []

    def count_api(self, method: str, status: int | None) -> None:
        self.api.append((method, status))

    def count_retry(self, throttled: bool) -> None:
        pass


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def own_httpx(recorder: Recorder) -> Iterator[httpx.Client]:
    # Built like the default one (no retries, no redirects), plus the test's event hook.
    with httpx.Client(
        timeout=10.0,
        follow_redirects=False,
        transport=httpx.HTTPTransport(retries=0),
        event_hooks={"request": [recorder]},
    ) as client:
        yield client


@pytest.fixture
def transport(own_httpx: httpx.Client) -> Iterator[HttpxHttpClient]:
    http = HttpxHttpClient(client=own_httpx)
    yield http
    http.close()


def seed(target: GenesysTarget, count: int) -> list[str]:
    """Configured EventBridge integrations, made through a client with its own transport."""

    async def make() -> list[str]:
        ids = []
        async with GenesysClient(target) as client:
            for n in range(count):
                integration_id = await client.create_integration()
                await client.configure(
                    integration_id,
                    {
                        "name": f"Orders {n}",
                        "aws_account_id": "123456789012",
                        "aws_region": "us-east-1",
                        "event_source_suffix": f"orders-{n}",
                        "topic_filters": ["v2.users.{id}.activity"],
                        "notes": None,
                    },
                    None,
                )
                ids.append(integration_id)
        return ids

    return asyncio.run(make())


def test_list_destinations_goes_through_the_injected_client(
    target: GenesysTarget, transport: HttpxHttpClient, recorder: Recorder
) -> None:
    ids = seed(target, 2)
    observer = Observer()

    async def listing() -> list[str]:
        async with GenesysClient(target, http=transport, observer=observer) as client:
            assert client.http is transport
            return sorted(await client.list_destinations())

    assert asyncio.run(listing()) == sorted(ids)
    # The sandbox ignores expand here, so each integration's config is fetched on its own.
    configs = [("GET", f"/api/v2/integrations/{i}/config/current") for i in ids]
    assert recorder.requests[:2] == [LOGIN, LIST]
    assert sorted(recorder.requests[2:]) == sorted(configs)
    # The client's response hook was registered on the injected transport: it saw the same.
    assert sorted(observer.api) == sorted([(method, 200) for method, _ in recorder.requests])


def test_injected_client_is_left_open_and_detached(
    target: GenesysTarget, transport: HttpxHttpClient, own_httpx: httpx.Client, recorder: Recorder
) -> None:
    first, second = Observer(), Observer()

    async def session(observer: Observer) -> None:
        async with GenesysClient(target, http=transport, observer=observer) as client:
            await client.list_destinations()

    asyncio.run(session(first))

    assert not own_httpx.is_closed
    assert not transport.is_closed
    # The same transport serves the next client; the first one hears nothing of it.
    seen_by_first = list(first.api)
    asyncio.run(session(second))
    assert first.api == seen_by_first
    assert second.api == [("POST", 200), ("GET", 200)]
    assert recorder.requests == [LOGIN, LIST, LOGIN, LIST]


def test_own_client_is_closed_on_exit(target: GenesysTarget) -> None:
    client = GenesysClient(target)

    async def session() -> None:
        async with client:
            await client.list_destinations()

    asyncio.run(session())

    assert client.http.is_closed


def test_failed_login_closes_only_a_client_it_made(
    target: GenesysTarget, transport: HttpxHttpClient, recorder: Recorder
) -> None:
    wrong = dataclasses.replace(target, client_secret="not-the-secret")
    own = GenesysClient(wrong)
    injected = GenesysClient(wrong, http=transport)

    async def enter(client: GenesysClient) -> None:
        async with client:
            pass

    for client in (own, injected):
        with pytest.raises(GenesysApiError) as caught:
            asyncio.run(enter(client))
        err = caught.value
        assert (err.status, err.code, err.message) == (
            401,
            "invalid_client",
            "Invalid client credentials.",
        )
        assert str(err) == (
            f"Genesys login (POST {target.api_url}/oauth/token) failed: HTTP 401 "
            "invalid_client: Invalid client credentials. (the access token was refused; "
            "check the OAuth client's id and secret); check the sandbox's client id and secret"
        )

    assert own.http.is_closed
    assert not transport.is_closed
    assert recorder.requests == [LOGIN]


def test_transport_closes_only_an_httpx_client_it_built() -> None:
    built = HttpxHttpClient()
    built.close()
    assert built.is_closed

    with default_httpx_client() as given:
        wrapper = HttpxHttpClient(client=given)
        wrapper.close()
        assert not given.is_closed
        assert not wrapper.is_closed


def test_response_hooks_can_be_added_and_removed(sandbox: SandboxServer) -> None:
    heard: list[tuple[str, int | None]] = []
    other: list[tuple[str, int | None]] = []

    def hook(method: str, status: int | None) -> None:
        heard.append((method, status))

    def other_hook(method: str, status: int | None) -> None:
        other.append((method, status))

    # What the SDK hands the transport: an HttpRequestOptions-shaped object.
    options = SimpleNamespace(
        method="GET",
        url=f"{sandbox.url}/__sandbox/faults",
        headers={},
        query_params=[],
        post_params=[],
        body=None,
    )
    http = HttpxHttpClient(on_response=hook)
    http.add_response_hook(other_hook)
    try:
        http.request(options)
        http.remove_response_hook(hook)
        http.request(options)
    finally:
        http.close()

    assert heard == [("GET", 200)]
    assert other == [("GET", 200), ("GET", 200)]
