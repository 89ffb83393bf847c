"""The world integration tests act in: a sandbox org seen through its public API, and a user's
repository driven through the real CLI.

The CLI runs in-process (click's runner) so start-up is paid once per session;
everything below it - SDK, httpx, HTTP, the sandbox - is the real thing.
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner, Result

from iac.cli import cli
from iac.sandbox import SandboxServer

CLIENT_ID = "it-client"
CLIENT_SECRET = "it-secret-value-never-logged"
DEADLINE = 60.0  # seconds: a busy 2-core machine never needs it, a hang always does


def wait_until(what: str, condition: Callable[[], Any]) -> Any:
    """Poll ``condition`` until it returns something truthy; fail after ``DEADLINE``."""
    deadline = time.monotonic() + DEADLINE
    while not (found := condition()):
        if time.monotonic() >= deadline:
            raise AssertionError(f"gave up after {DEADLINE:g}s waiting for {what}")
        time.sleep(0.05)  # a poll interval, not a wait for the outcome
    return found


@dataclass
class Sandbox:
    server: SandboxServer

    @property
    def url(self) -> str:
        return self.server.url

    def _token(self) -> str:
        response = httpx.post(
            f"{self.url}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(CLIENT_ID, CLIENT_SECRET),
        )
        response.raise_for_status()
        return response.json()["access_token"]

    def integrations(self) -> list[dict[str, Any]]:
        """What Genesys' API shows: every integration with its current config."""
        response = httpx.get(
            f"{self.url}/api/v2/integrations",
            params={"pageSize": 100, "expand": "config.current"},
            headers={"Authorization": f"Bearer {self._token()}"},
        )
        response.raise_for_status()
        return response.json()["entities"]

    def by_suffix(self) -> dict[str, dict[str, Any]]:
        return {
            i["config"]["current"]["properties"].get("eventSourceSuffix"): i
            for i in self.integrations()
        }

    def stored(self) -> list[dict[str, Any]]:
        """Every integration the sandbox holds (its raw records), whatever the API's modes
        show: however many pages they would take, inlined or not, deleted ones gone."""
        return list(httpx.get(f"{self.url}/__sandbox/org").json()["integrations"])

    def suffixes(self) -> list[str]:
        """The event source suffixes of the configured integrations the sandbox holds."""
        return sorted(
            i["config"]["properties"]["eventSourceSuffix"]
            for i in self.stored()
            if i["config"]["properties"]
        )

    def behave(self, **modes: Any) -> None:
        """PUT /__sandbox/behaviour: these modes, every other key back to its default."""
        httpx.put(f"{self.url}/__sandbox/behaviour", json=modes).raise_for_status()

    def org_target(self) -> str:
        """How a target line names this org: the URL, then the org's name and id."""
        org = httpx.get(f"{self.url}/__sandbox/org").json()
        return f"{self.url} (org {org['orgName']}, id {org['orgId']})"

    def add_fault(self, **rule: Any) -> None:
        httpx.post(f"{self.url}/__sandbox/faults", json=rule).raise_for_status()

    def requests(self) -> list[dict[str, Any]]:
        return httpx.get(f"{self.url}/__sandbox/requests").json()

    def edit(self, integration_id: str, **changes: Any) -> None:
        httpx.patch(
            f"{self.url}/__sandbox/integrations/{integration_id}", json=changes
        ).raise_for_status()


@dataclass
class Workdir:
    """A user's repository: a config folder and a state folder, and the env pointing at Genesys."""

    root: Path
    env: dict[str, str]

    @property
    def config(self) -> Path:
        return self.root / "config"

    @property
    def state_dir(self) -> Path:
        return self.root / "state"

    def write(self, yaml_text: str, name: str = "destinations.yaml") -> None:
        self.config.mkdir(exist_ok=True)
        (self.config / name).write_text(textwrap.dedent(yaml_text))

    def iac(self, *args: str, input: str | None = None) -> Result:
        runner = CliRunner()
        extra: tuple[str, ...] = ()
        if args[0] in ("plan", "apply", "drift", "import", "export", "destroy"):
            extra = ("--state-dir", str(self.state_dir))
            # This machine has no route to AWS: probe only where a test points one (import
            # and export run no gates, so they have no probe options).
            if "--probe-endpoint" not in args and args[0] not in ("import", "export"):
                extra += ("--skip-probes",)
        command = [args[0], *extra, *args[1:]]
        return runner.invoke(cli, command, env=self.env, input=input, catch_exceptions=False)

    def state(self) -> dict[str, Any]:
        import json

        return json.loads((self.state_dir / "default.json").read_text())

    def audit(self) -> list[dict[str, Any]]:
        import json

        path = self.state_dir / "default.audit.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()]


def destination(
    key: str,
    suffix: str,
    *,
    topics: tuple[str, ...] = ("v2.users.{id}.activity",),
    enabled: bool = True,
    name: str | None = None,
    region: str = "us-east-1",
) -> str:
    lines = "\n".join(f"      - {t}" for t in topics)
    return (
        f"  {key}:\n"
        f"    name: {name or key.title()}\n"
        f'    aws_account_id: "123456789012"\n'
        f"    aws_region: {region}\n"
        f"    event_source_suffix: {suffix}\n"
        f"    topic_filters:\n{lines}\n"
        f"    enabled: {str(enabled).lower()}\n"
    )


def config(*destinations: str) -> str:
    return "destinations:\n" + "".join(destinations)


def replace_keeping_the_old(work: Workdir, sandbox: Sandbox) -> tuple[str, Result]:
    """Apply destination ``orders`` (suffix orders-prod), then replace it (suffix orders-v2)
    while Genesys refuses to delete the old integration: its id, and the replace's result."""
    work.write(config(destination("orders", "orders-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    old_id = str(sandbox.by_suffix()["orders-prod"]["id"])
    sandbox.add_fault(method="DELETE", path=f"/api/v2/integrations/{old_id}", status=400)
    work.write(config(destination("orders", "orders-v2")))
    return old_id, work.iac("apply", str(work.config), "--auto-approve")
