"""The target chooser: the Genesys org the environment names, or the built-in sandbox.

The sandbox is the default when no credentials are set, so the quick start, the tests and
the benchmarks run on a fresh machine; its org lives in the state folder so consecutive
runs see the same integrations. It is imported only when chosen: a run against a real org
loads none of it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from iac.genesys.settings import GenesysTarget, OrgChoice, SettingsError, target_from_env


@contextlib.contextmanager
def open_target(
    *,
    sandbox: bool,
    sandbox_org_file: Path,
    notify: Callable[[str], None],
    org: OrgChoice | None = None,
) -> Iterator[GenesysTarget]:
    """Yield the target; for the sandbox, one served in-process for the duration."""
    from_env = None if sandbox else target_from_env(os.environ, org)
    if from_env is not None:
        yield from_env
        return
    org_file = sandbox_org_file
    if not sandbox and _truthy(os.environ.get("CI")):
        # A pipeline whose secrets went missing must fail, not "succeed" against a sandbox.
        raise SettingsError(
            "No Genesys credentials (GENESYSCLOUD_OAUTHCLIENT_ID/_SECRET) are set in a CI run "
            "(CI is set). Set them from the CI secrets, or pass --sandbox to use the built-in "
            "sandbox on purpose."
        )
    if not sandbox:
        notify(
            "No Genesys credentials (GENESYSCLOUD_OAUTHCLIENT_ID/_SECRET) are set: "
            f"using the built-in sandbox, whose org is kept in {org_file}."
        )
    from iac.sandbox import SandboxOptions, SandboxServer

    options = SandboxOptions()
    with SandboxServer(org_file, options) as server:
        yield GenesysTarget(
            api_url=server.url,
            client_id=options.client_id,
            client_secret=options.client_secret,
            sandbox=True,
        )


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() not in ("", "0", "false", "no")
