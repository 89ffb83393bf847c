"""Integration fixtures: a real sandbox server over loopback HTTP, driven by the real CLI.

The CLI runs in-process (click's runner) so start-up is paid once per session;
everything below it - SDK, httpx, HTTP, the sandbox - is the real thing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from iac_testing.cli_world import CLIENT_ID, CLIENT_SECRET, Sandbox, Workdir
from iac_testing.tls import ca, ca_bundle, expired_cert, https_server  # noqa: F401

from iac.sandbox import SandboxOptions, SandboxServer


@pytest.fixture
def sandbox(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """Tests change options with ``@pytest.mark.parametrize("sandbox", [{...}], indirect=True)``."""
    overrides = getattr(request, "param", {})
    options = SandboxOptions(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, activation_delay=0.05, **overrides
    )
    with SandboxServer(tmp_path / "org.json", options) as server:
        yield Sandbox(server)


@pytest.fixture
def work(tmp_path: Path, sandbox: Sandbox) -> Workdir:
    env = {
        "GENESYSCLOUD_API_REGION": sandbox.url,
        "GENESYSCLOUD_OAUTHCLIENT_ID": CLIENT_ID,
        "GENESYSCLOUD_OAUTHCLIENT_SECRET": CLIENT_SECRET,
    }
    return Workdir(root=tmp_path, env=env)
