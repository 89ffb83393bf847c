"""Which Genesys org a run talks to: the one the environment names, or the built-in sandbox.

The sandbox is the default when no credentials are set, so the quick start, the tests and
the benchmarks run on a fresh machine; its org lives in the state folder so consecutive
runs see the same integrations.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from iac.genesys.settings import GenesysTarget, OrgChoice, target_from_env
from iac.sandbox import SandboxOptions, SandboxServer

SANDBOX_ORG_FILE = "sandbox-org.json"


@contextlib.contextmanager
def open_target(
    *,
    sandbox: bool,
    state_dir: Path,
    notify: Callable[[str], None],
    org: OrgChoice | None = None,
) -> Iterator[GenesysTarget]:
    """Yield the target; for the sandbox, one served in-process for the duration."""
    from_env = None if sandbox else target_from_env(os.environ, org)
    if from_env is not None:
        yield from_env
        return
    org_file = state_dir / SANDBOX_ORG_FILE
    if not sandbox:
        notify(
            "No Genesys credentials (GENESYSCLOUD_OAUTHCLIENT_ID/_SECRET) are set: "
            f"using the built-in sandbox, whose org is kept in {org_file}."
        )
    options = SandboxOptions()
    with SandboxServer(org_file, options) as server:
        yield GenesysTarget(
            api_url=server.url,
            client_id=options.client_id,
            client_secret=options.client_secret,
            sandbox=True,
        )
