"""Fixtures: a real SandboxServer on a loopback port, driven by the real Genesys SDK."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import PureCloudPlatformClientV2 as sdk  # imported once per session (about 3 s)
import pytest
from iac_testing.sandbox_calls import CLIENT_ID, CLIENT_SECRET, login

from iac.sandbox import SandboxOptions, SandboxServer


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    return tmp_path / "sandbox" / "org.json"


@pytest.fixture
def options() -> SandboxOptions:
    return SandboxOptions(activation_delay=0.2)


@pytest.fixture
def server(data_file: Path, options: SandboxOptions) -> Iterator[SandboxServer]:
    with SandboxServer(data_file, options) as srv:
        yield srv


@pytest.fixture
def api_client(server: SandboxServer) -> sdk.ApiClient:
    client = sdk.ApiClient(host=server.url)
    client.get_client_credentials_token(CLIENT_ID, CLIENT_SECRET)
    return client


@pytest.fixture
def api(api_client: sdk.ApiClient) -> sdk.IntegrationsApi:
    return sdk.IntegrationsApi(api_client)


@pytest.fixture
def http(server: SandboxServer) -> Iterator[httpx.Client]:
    """An httpx client already carrying a bearer token."""
    token = login(server.url)
    with httpx.Client(base_url=server.url, headers={"Authorization": f"bearer {token}"}) as client:
        yield client
