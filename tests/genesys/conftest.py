"""Fixtures: a real SandboxServer on a loopback port, and a target that logs in to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from iac.genesys.settings import GenesysTarget
from iac.sandbox import SandboxOptions, SandboxServer


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    # expand=config.current ignored: a listing then costs one config GET per integration,
    # so more requests have to go through the transport under test.
    return SandboxOptions(expand_honoured=False, activation_delay=0.1)


@pytest.fixture
def sandbox(tmp_path: Path, sandbox_options: SandboxOptions) -> Iterator[SandboxServer]:
    with SandboxServer(tmp_path / "org.json", sandbox_options) as server:
        yield server


@pytest.fixture
def target(sandbox: SandboxServer, sandbox_options: SandboxOptions) -> GenesysTarget:
    return GenesysTarget(
        api_url=sandbox.url,
        client_id=sandbox_options.client_id,
        client_secret=sandbox_options.client_secret,
        sandbox=True,
    )
