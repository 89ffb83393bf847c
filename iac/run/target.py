"""The target chooser: the Genesys org the environment names, or the built-in sandbox.

The sandbox is the default when no credentials are set, so the quick start, the tests and
the benchmarks run on a fresh machine; its org lives in the state folder so consecutive
runs see the same integrations. It is imported only when chosen: a run against a real org
loads none of it.

While ``iac sandbox serve`` serves a state folder's org file, it says so in a marker file
beside it (``sandbox-org.json.served``: its URL and pid), and the folder's runs use that
server instead of serving the same file in-process: one org, one writer, and the admin paths
(``PATCH /__sandbox/integrations/{id}``) see what the runs did. A run whose
``GENESYSCLOUD_API_REGION`` is that server's URL is the same built-in sandbox: the state
records ``sandbox`` either way, and probes are skipped as for the in-process one.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from iac.atomic import write_atomic
from iac.errors import IacError
from iac.genesys.settings import GenesysTarget, OrgChoice, SettingsError, target_from_env

SERVED_SUFFIX = ".served"


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
    served = served_url(sandbox_org_file)
    if from_env is not None:
        if served is not None and _same_server(from_env.api_url, served):
            yield replace(from_env, sandbox=True)  # this folder's sandbox, served
        else:
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
    if served is not None:
        from iac.sandbox.options import SandboxOptions as ServedOptions

        if not sandbox:
            notify(
                "No Genesys credentials (GENESYSCLOUD_OAUTHCLIENT_ID/_SECRET) are set: using the "
                f"built-in sandbox that `iac sandbox serve` serves at {served}, whose org is "
                f"kept in {org_file}."
            )
        served_with = ServedOptions()
        yield GenesysTarget(
            api_url=served,
            client_id=served_with.client_id,
            client_secret=served_with.client_secret,
            sandbox=True,
        )
        return
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


def served_file(org_file: Path) -> Path:
    return org_file.with_name(org_file.name + SERVED_SUFFIX)


@contextlib.contextmanager
def serving(org_file: Path, url: str) -> Iterator[None]:
    """Held by ``iac sandbox serve`` while it serves ``org_file`` at ``url``: the runs of
    that state folder use it. Refused while another live server serves the same file."""
    other = served_url(org_file)
    if other is not None:
        raise IacError(
            f"{org_file} is already served at {other} (iac sandbox serve, pid "
            f"{_marker(org_file).get('pid')}): one org file has one server. Stop that one, or "
            "pass another --data-file."
        )
    marker = served_file(org_file)
    write_atomic(marker, json.dumps({"url": url, "pid": os.getpid()}) + "\n")
    try:
        yield
    finally:
        if _marker(org_file).get("pid") == os.getpid():
            marker.unlink(missing_ok=True)


def served_url(org_file: Path) -> str | None:
    """The URL of the live ``iac sandbox serve`` serving ``org_file``, if there is one."""
    marker = _marker(org_file)
    url, pid = marker.get("url"), marker.get("pid")
    if not isinstance(url, str) or not isinstance(pid, int) or not _alive(pid):
        return None
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname is None or parts.port is None:
        return None
    try:  # a server killed with SIGKILL leaves its marker: is anyone listening?
        with socket.create_connection((parts.hostname, parts.port), timeout=2):
            return url
    except OSError:
        return None


def _marker(org_file: Path) -> dict[str, object]:
    try:
        data = json.loads(served_file(org_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def _same_server(api_url: str, served: str) -> bool:
    a, b = urlsplit(api_url), urlsplit(served)
    loopback = {"127.0.0.1", "localhost", "::1"}
    same_host = a.hostname == b.hostname or {a.hostname, b.hostname} <= loopback
    return a.scheme == b.scheme and same_host and a.port == b.port


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() not in ("", "0", "false", "no")
