"""Org identity (issue 8): every run knows the org its credentials log in to, state and saved
plans are bound to it, and a run against another org is refused before anything is planned.

Two orgs are two sandbox data files. Served one after the other on the same port they share
an API URL, as two real orgs in one region do: only the org id tells them apart.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from iac_testing.cli_world import CLIENT_ID, CLIENT_SECRET, Sandbox, Workdir, config, destination

from iac.sandbox import SandboxOptions, SandboxServer

ORDERS = config(destination("orders", "orders-prod"))


@dataclass(frozen=True)
class Org:
    data_file: Path
    id: str
    name: str

    @property
    def named(self) -> str:
        return f"{self.name} (id {self.id})"

    def target(self, url: str) -> str:
        return f"{url} (org {self.name}, id {self.id})"


def org_file(path: Path, name: str) -> Org:
    """A sandbox org file of its own, with its own org id."""
    org_id = str(uuid.uuid4())
    document = {"format": 1, "orgId": org_id, "orgName": name, "nextSeq": 1, "integrations": []}
    path.write_text(json.dumps(document))
    return Org(path, org_id, name)


@contextmanager
def serve(org: Org | Path, port: int = 0) -> Iterator[Sandbox]:
    options = SandboxOptions(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, activation_delay=0.05
    )
    data_file = org.data_file if isinstance(org, Org) else org
    with SandboxServer(data_file, options, port=port) as server:
        yield Sandbox(server)


def workdir(root: Path, url: str) -> Workdir:
    env = {
        "GENESYSCLOUD_API_REGION": url,
        "GENESYSCLOUD_OAUTHCLIENT_ID": CLIENT_ID,
        "GENESYSCLOUD_OAUTHCLIENT_SECRET": CLIENT_SECRET,
    }
    return Workdir(root=root, env=env)


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def files(state_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(state_dir.iterdir()) if p.is_file()}


@pytest.fixture
def orgs(tmp_path: Path) -> tuple[Org, Org]:
    return org_file(tmp_path / "orgA.json", "Org A"), org_file(tmp_path / "orgB.json", "Org B")


def test_state_of_one_org_is_refused_against_another_org_on_the_same_url(
    tmp_path: Path,
) -> None:
    """The reproduction of issue 8, with org files the sandbox made itself."""
    a_file, b_file = tmp_path / "orgA.json", tmp_path / "orgB.json"
    with serve(a_file) as a:
        url = a.url
        work = workdir(tmp_path, url)
        work.write(ORDERS)
        applied = work.iac("apply", str(work.config), "--auto-approve")
        assert applied.exit_code == 0, applied.output
    a_id = json.loads(a_file.read_text())["orgId"]
    assert work.state()["org_id"] == a_id
    assert work.state()["org_name"] == "Sandbox Org"
    before = files(work.state_dir)

    with serve(b_file, port=port_of(url)) as b:
        assert b.url == url
        b_id = json.loads(b_file.read_text())["orgId"]
        assert b_id != a_id  # a new org file is a new org
        for args in (
            ("plan", str(work.config)),
            ("drift", str(work.config)),
            ("apply", str(work.config), "--auto-approve"),
            ("apply", str(work.config), "--refresh-only", "--auto-approve"),
            ("export",),
        ):
            refused = work.iac(*args)
            assert refused.exit_code == 1, (args, refused.output)
            message = refused.output
            assert f"org Sandbox Org (id {a_id})" in message, message
            assert f"org Sandbox Org (id {b_id})" in message, message
            assert "Use a separate --workspace (or --state-dir) for each org" in message
            assert "deleted outside iac" not in message
            assert "Traceback" not in message
        # Refused right after login: nothing listed, nothing written.
        paths = {r["path"] for r in b.requests()}
        assert paths == {"/oauth/token", "/api/v2/tokens/me"}, paths
        assert b.integrations() == []
    assert files(work.state_dir) == before


def test_every_target_line_names_the_org(tmp_path: Path, orgs: tuple[Org, Org]) -> None:
    org_a, _ = orgs
    with serve(org_a) as a:
        work = workdir(tmp_path, a.url)
        work.write(ORDERS)
        target = f"{org_a.target(a.url)}, workspace default"

        planned = work.iac("plan", str(work.config))
        assert planned.exit_code == 0, planned.output
        assert f"Target: {target}\n" in planned.output

        markdown = work.iac("plan", str(work.config), "--format", "markdown")
        assert f"iac plan: {target}" in markdown.output

        drift = work.iac("drift", str(work.config))
        assert f"Target: {target}\n" in drift.output

        declined = work.iac("apply", str(work.config), input="no\n")
        assert declined.exit_code == 1
        assert f"Target: {target}\n" in declined.output
        assert f"Do you want to perform these actions in {org_a.target(a.url)}?" in (
            declined.output
        )
        assert not (work.state_dir / "default.json").exists()

        applied = work.iac("apply", str(work.config), input="yes\n")
        assert applied.exit_code == 0, applied.output
        assert f"Target: {target}\n" in applied.output
        assert (work.state()["org_id"], work.state()["org_name"]) == (org_a.id, org_a.name)

        destroy = work.iac("destroy", str(work.config), input="no\n")
        assert (
            f"destroy every destination of workspace default in {org_a.target(a.url)}?"
            in destroy.output
        )


def test_the_org_is_read_once_per_run(tmp_path: Path, orgs: tuple[Org, Org]) -> None:
    """The org check and the preflight gate share one GET /api/v2/tokens/me."""
    with serve(orgs[0]) as a:
        work = workdir(tmp_path, a.url)
        work.write(ORDERS)
        assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
        calls = [r for r in a.requests() if r["path"] == "/api/v2/tokens/me"]
        assert len(calls) == 1
        assert not [r for r in a.requests() if r["path"] == "/api/v2/organizations/me"]


def test_a_state_from_before_records_the_org_on_the_next_apply(
    tmp_path: Path, orgs: tuple[Org, Org]
) -> None:
    org_a, org_b = orgs
    with serve(org_a) as a:
        url = a.url
        work = workdir(tmp_path, url)
        work.write(ORDERS)
        assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
        old = work.state()
        del old["org_id"], old["org_name"]  # as iac wrote it before it read the org
        (work.state_dir / "default.json").write_text(json.dumps(old, indent=2))

        planned = work.iac("plan", str(work.config))
        assert planned.exit_code == 0, planned.output
        assert "No changes." in planned.output
        assert f"records no org yet: it is taken to describe org {org_a.named}" in (
            planned.output
        )
        assert "org_id" not in work.state()  # a plan writes nothing

        applied = work.iac("apply", str(work.config), "--auto-approve")
        assert applied.exit_code == 0, applied.output
        state = work.state()
        assert (state["org_id"], state["org_name"]) == (org_a.id, org_a.name)
        assert state["serial"] == old["serial"] + 1
        assert state["resources"] == old["resources"]

    with serve(org_b, port=port_of(url)):
        refused = work.iac("plan", str(work.config))
        assert refused.exit_code == 1
        assert org_a.named in refused.output and org_b.named in refused.output


def test_a_saved_plan_made_in_another_org_is_refused(
    tmp_path: Path, orgs: tuple[Org, Org]
) -> None:
    org_a, org_b = orgs
    plan_file = tmp_path / "plan.iac"
    with serve(org_a) as a:
        url = a.url
        work = workdir(tmp_path, url)
        work.write(ORDERS)
        saved = work.iac("plan", str(work.config), "--out", str(plan_file))
        assert saved.exit_code == 0, saved.output
    basis: dict[str, Any] = json.loads(plan_file.read_text())["basis"]
    assert (basis["org_id"], basis["org_name"]) == (org_a.id, org_a.name)

    with serve(org_b, port=port_of(url)) as b:
        applied = work.iac("apply", str(plan_file))
        assert applied.exit_code == 3
        assert "The saved plan is stale and was not applied" in applied.output
        assert (
            f"it was made for org {org_a.named}, but this run logs in to org {org_b.named}"
            in applied.output
        )
        assert b.integrations() == []
    assert not (work.state_dir / "default.json").exists()
    assert not (work.state_dir / "default.audit.jsonl").exists()


def test_one_workspace_or_state_dir_per_org_keeps_them_apart(
    tmp_path: Path, orgs: tuple[Org, Org]
) -> None:
    org_a, org_b = orgs
    with serve(org_a) as a:
        url = a.url
        work = workdir(tmp_path, url)
        work.write(ORDERS)
        assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0

    other_dir = tmp_path / "state-b"
    with serve(org_b, port=port_of(url)) as b:
        by_state_dir = work.iac("plan", str(work.config), "--state-dir", str(other_dir))
        assert by_state_dir.exit_code == 0, by_state_dir.output
        assert f"Target: {org_b.target(url)}, workspace default" in by_state_dir.output
        assert "Plan: 1 to add" in by_state_dir.output  # a fresh state: nothing managed yet

        by_workspace = work.iac(
            "apply", str(work.config), "--auto-approve", "--workspace", "org-b"
        )
        assert by_workspace.exit_code == 0, by_workspace.output
        assert f"Target: {org_b.target(url)}, workspace org-b" in by_workspace.output
        assert set(b.by_suffix()) == {"orders-prod"}
        in_b = json.loads((work.state_dir / "org-b.json").read_text())
        assert in_b["org_id"] == org_b.id

    with serve(org_a, port=port_of(url)):
        again = work.iac("plan", str(work.config))
        assert again.exit_code == 0, again.output
        assert "No changes." in again.output
        assert work.state()["org_id"] == org_a.id
