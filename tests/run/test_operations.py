"""The operations run directly, without the CLI, against the real built-in sandbox.

Every run goes through a real ``RunContext`` (lock, target, state, metrics, audit), which
serves the sandbox in-process from the state folder's org file for its duration; below it
the SDK, httpx and HTTP are the real thing. Assertions are on the outcome objects, the
state and audit files and what the sandbox holds, never on printed text.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from iac_testing.cli_world import config, destination

from iac.apply import Job, JobStatus
from iac.errors import IacError
from iac.genesys.settings import SettingsError
from iac.plan import Action, Plan
from iac.plan.model import Tally
from iac.run.adopt import export_destinations, import_destination
from iac.run.applying import ApplySettings, apply_changes
from iac.run.context import RunContext, RunOptions
from iac.run.inputs import Inputs, inputs_from_config
from iac.run.outcomes import ApplyOutcome, ImportOutcome
from iac.run.planfile import load_plan
from iac.run.planning import drift_report, plan_changes
from iac.run.refresh import refresh_only
from iac.state.lock import StateLockedError
from iac.vocabulary import ChangeResult

SANDBOX = "the built-in sandbox"
CREDENTIAL_VARS = (
    "GENESYSCLOUD_OAUTHCLIENT_ID",
    "GENESYSCLOUD_OAUTHCLIENT_SECRET",
    "GENESYSCLOUD_REGION",
    "GENESYSCLOUD_API_REGION",
    "CI",
)


class Refused(IacError):
    """What a view's confirm raises for "no"."""


@dataclass
class RecordingView:
    """An ApplyView and RefreshView that remembers what the operation showed and asked."""

    answer: bool = True
    planned_plans: list[Plan] = field(default_factory=list)
    drift_reports: list[Plan] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    # (job id, key, status) for every job_changed call, in order.
    job_events: list[tuple[str, str, JobStatus]] = field(default_factory=list)
    applying_entered: int = 0
    applying_exited: int = 0

    def planned(self, computed: Plan) -> None:
        self.planned_plans.append(computed)

    def drifted(self, report: Plan) -> None:
        self.drift_reports.append(report)

    def confirm(self, question: str) -> None:
        self.questions.append(question)
        if not self.answer:
            raise Refused("Apply cancelled.")

    def job_changed(self, job: Job) -> None:
        self.job_events.append((job.id, job.change.key, job.status))

    @contextlib.asynccontextmanager
    async def applying(self) -> AsyncIterator[None]:
        self.applying_entered += 1
        try:
            yield
        finally:
            self.applying_exited += 1

    def statuses(self, key: str) -> list[JobStatus]:
        return [status for _, k, status in self.job_events if k == key]


@dataclass
class World:
    """A user's folder: configuration folders beside one state folder (and its sandbox org)."""

    root: Path
    notices: list[str] = field(default_factory=list)

    @property
    def state_dir(self) -> Path:
        return self.root / "state"

    def inputs(self, *destinations: str, folder: str = "config") -> Inputs:
        """Desired destinations the way the config loader builds them, from YAML on disk."""
        path = self.root / folder
        path.mkdir(exist_ok=True)
        (path / "destinations.yaml").write_text(config(*destinations), encoding="utf-8")
        return inputs_from_config(path)

    def options(self, **overrides: Any) -> RunOptions:
        values: dict[str, Any] = {
            "state_dir": self.state_dir,
            "sandbox": True,
            "skip_probes": True,
            **overrides,
        }
        return RunOptions(**values)

    @contextlib.contextmanager
    def run(self, command: str, inputs: Inputs, **options: Any) -> Iterator[RunContext]:
        with RunContext(
            self.options(**options), command, inputs, notify=self.notices.append
        ) as ctx:
            # The sandbox activates an enabled integration after 1 s by default: shorten it
            # through its own control API so each apply waits less.
            admin(ctx, "PUT", "activation", json={"delay": 0.05})
            yield ctx

    def apply(
        self, inputs: Inputs, view: RecordingView | None = None, **options: Any
    ) -> ApplyOutcome:
        with self.run("apply", inputs, **options) as ctx:
            return asyncio.run(
                apply_changes(ctx, view or RecordingView(), ApplySettings(auto_approve=True))
            )

    def state_file(self, workspace: str = "default") -> Path:
        return self.state_dir / f"{workspace}.json"

    def audit_file(self, workspace: str = "default") -> Path:
        return self.state_dir / f"{workspace}.audit.jsonl"

    def state(self, workspace: str = "default") -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.state_file(workspace).read_text())
        return data

    def audit(self, workspace: str = "default") -> list[dict[str, Any]]:
        lines = self.audit_file(workspace).read_text().splitlines()
        return [json.loads(line) for line in lines]

    def org(self) -> list[dict[str, Any]]:
        """The sandbox org's integrations as it persisted them (no server needed)."""
        data = json.loads((self.state_dir / "sandbox-org.json").read_text())
        integrations: list[dict[str, Any]] = data["integrations"]
        return integrations

    def sandbox_target(self) -> str:
        """How reports name the built-in sandbox's org (its file keeps one org id)."""
        data = json.loads((self.state_dir / "sandbox-org.json").read_text())
        return f"{SANDBOX} (org {data['orgName']}, id {data['orgId']})"

    def snapshot(self) -> dict[str, bytes | None]:
        """The workspace's files as bytes (None: absent), to show a run wrote nothing."""
        files = (self.state_file(), self.audit_file(), self.root / "state/default.json.backup")
        return {f.name: f.read_bytes() if f.exists() else None for f in files}


def admin(ctx: RunContext, method: str, path: str, **kwargs: Any) -> Any:
    """The running sandbox's control paths (/__sandbox/...): out-of-band changes and logs."""
    response = httpx.request(method, f"{ctx.target.api_url}/__sandbox/{path}", **kwargs)
    response.raise_for_status()
    return response.json()


def writes_seen(ctx: RunContext) -> list[dict[str, Any]]:
    return [
        r
        for r in admin(ctx, "GET", "requests")
        if r["method"] in ("POST", "PUT", "PATCH", "DELETE") and r["path"] != "/oauth/token"
    ]


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


ORDERS = destination("orders", "orders-prod")
AUDIT = destination("audit", "audit-prod", topics=("v2.audits.entitytype.{id}.entityid.{id}",))


# --- plan and apply -----------------------------------------------------------------------


def test_plan_apply_and_plan_again(world: World) -> None:
    inputs = world.inputs(ORDERS, AUDIT)

    with world.run("plan", inputs) as ctx:
        planned = asyncio.run(plan_changes(ctx))
    assert planned.plan.has_changes
    assert {c.key: c.action for c in planned.plan.changes} == {
        "orders": Action.CREATE,
        "audit": Action.CREATE,
    }
    assert planned.plan.tally == Tally(add=2)
    assert {c.key: c.after for c in planned.plan.changes} == inputs.desired
    assert planned.where == f"{world.sandbox_target()}, workspace default"
    assert planned.saved_to is None
    assert not world.state_file().exists() and not world.audit_file().exists()
    assert world.org() == []  # planning changed nothing in Genesys

    view = RecordingView()
    with world.run("apply", inputs) as ctx:
        applied = asyncio.run(apply_changes(ctx, view, ApplySettings(auto_approve=True)))
        in_memory = ctx.state
    assert view.questions == []  # auto-approved: never asked
    assert [sorted(c.key for c in p.changes) for p in view.planned_plans] == [["audit", "orders"]]
    assert (view.applying_entered, view.applying_exited) == (1, 1)
    assert applied.result is not None
    assert applied.result.tally == Tally(add=2)
    assert applied.result.failed == ()
    assert applied.plan.tally == Tally(add=2)
    for key in ("orders", "audit"):
        statuses = view.statuses(key)
        assert JobStatus.RUNNING in statuses
        assert statuses[-1] is JobStatus.COMPLETED

    # State, audit trail and Genesys agree on what was made.
    made = {i["config"]["properties"]["eventSourceSuffix"]: i for i in world.org()}
    assert set(made) == {"orders-prod", "audit-prod"}
    state = world.state()
    assert state["resources"]["orders"]["id"] == made["orders-prod"]["id"]
    assert state["resources"]["audit"]["id"] == made["audit-prod"]["id"]
    assert state["resources"]["orders"]["attributes"] == inputs.desired["orders"]
    assert in_memory.resources["orders"].id == made["orders-prod"]["id"]
    assert applied.result.state.resources.keys() == {"orders", "audit"}
    trail = world.audit()
    assert sorted((r["action"], r["key"], r["result"]) for r in trail) == [
        ("create", "audit", ChangeResult.SUCCEEDED.value),
        ("create", "orders", ChangeResult.SUCCEEDED.value),
    ]
    assert {r["genesys_id"] for r in trail} == {i["id"] for i in made.values()}
    assert {r["run_id"] for r in trail} == {ctx.run_id}

    with world.run("plan", inputs) as ctx:
        again = asyncio.run(plan_changes(ctx))
    assert not again.plan.has_changes
    assert {c.action for c in again.plan.changes} == {Action.NOOP}
    assert again.plan.drift == () and again.plan.unmanaged == ()

    # Nothing to do: no question, no jobs, no new audit records.
    before = world.snapshot()
    quiet = RecordingView(answer=False)
    with world.run("apply", inputs) as ctx:
        nothing = asyncio.run(apply_changes(ctx, quiet, ApplySettings(auto_approve=False)))
    assert nothing.result is None and not nothing.plan.has_changes
    assert quiet.questions == [] and quiet.job_events == [] and quiet.applying_entered == 0
    assert world.snapshot() == before


def test_apply_asks_first_and_a_no_writes_nothing(world: World) -> None:
    inputs = world.inputs(ORDERS)

    refusing = RecordingView(answer=False)
    with pytest.raises(Refused), world.run("apply", inputs) as ctx:
        asyncio.run(apply_changes(ctx, refusing, ApplySettings()))
    assert refusing.questions == [f"perform these actions in {world.sandbox_target()}"]
    assert len(refusing.planned_plans) == 1  # the plan was shown before the question
    assert refusing.job_events == [] and refusing.applying_entered == 0
    assert world.snapshot() == {
        "default.json": None,
        "default.audit.jsonl": None,
        "default.json.backup": None,
    }
    assert world.org() == []

    agreeing = RecordingView(answer=True)
    with world.run("apply", inputs) as ctx:
        outcome = asyncio.run(apply_changes(ctx, agreeing, ApplySettings()))
        where = ctx.target_org
    assert agreeing.questions == [f"perform these actions in {where}"]
    assert outcome.result is not None and outcome.result.tally == Tally(add=1)
    created = world.org()
    assert len(created) == 1

    # A change to an existing destination, refused: state, backup and trail stay as they were.
    before = world.snapshot()
    renamed = world.inputs(destination("orders", "orders-prod", name="Orders v2"))
    refusing = RecordingView(answer=False)
    with pytest.raises(Refused), world.run("apply", renamed) as ctx:
        asyncio.run(apply_changes(ctx, refusing, ApplySettings()))
    assert [c.action for c in refusing.planned_plans[0].changes] == [Action.UPDATE]
    assert refusing.questions == [f"perform these actions in {world.sandbox_target()}"]
    assert world.snapshot() == before
    assert world.org()[0]["config"] == created[0]["config"]


def test_a_saved_plan_is_applied_without_asking_and_only_once(world: World) -> None:
    inputs = world.inputs(ORDERS)
    plan_file = world.root / "release.plan"
    with world.run("plan", inputs) as ctx:
        planned = asyncio.run(plan_changes(ctx, out=plan_file))
    assert planned.saved_to == plan_file
    saved = load_plan(plan_file)
    assert saved.plan == planned.plan
    assert saved.inputs.desired == inputs.desired
    assert "sandbox-secret" not in plan_file.read_text()  # the sandbox client's secret

    # Applied from the file alone: no configuration, and no question (it was reviewed).
    view = RecordingView(answer=False)
    with world.run("apply", saved.inputs) as ctx:
        outcome = asyncio.run(apply_changes(ctx, view, ApplySettings(), saved=saved))
    assert view.questions == []
    assert outcome.result is not None and outcome.result.tally == Tally(add=1)
    assert world.state()["resources"].keys() == {"orders"}

    with pytest.raises(IacError, match="stale") as info, world.run("apply", saved.inputs) as ctx:
        asyncio.run(apply_changes(ctx, view, ApplySettings(), saved=saved))
    assert "a state was written since" in str(info.value)
    assert len(world.org()) == 1


# --- drift and refresh-only ---------------------------------------------------------------


def test_drift_is_found_and_refresh_only_accepts_it(world: World) -> None:
    inputs = world.inputs(ORDERS)
    world.apply(inputs)
    integration_id = world.state()["resources"]["orders"]["id"]
    applied_state = world.state()

    with world.run("drift", inputs) as ctx:
        # Renamed behind iac's back, as an admin would in the Genesys UI.
        admin(ctx, "PATCH", f"integrations/{integration_id}", json={"name": "Renamed in the UI"})
        drift = asyncio.run(drift_report(ctx))
    assert drift.found
    assert drift.where == f"{world.sandbox_target()}, workspace default"
    assert drift.report.changes == () and drift.report.unmanaged == ()
    [found] = drift.report.drift
    assert (found.key, found.id, found.deleted) == ("orders", integration_id, False)
    assert [(a.name, a.before, a.after) for a in found.attribute_changes] == [
        ("name", "Orders", "Renamed in the UI")
    ]
    assert world.state() == applied_state  # drift only reports

    # Refused: state and trail untouched.
    before = world.snapshot()
    refusing = RecordingView(answer=False)
    with pytest.raises(Refused), world.run("apply", inputs) as ctx:
        asyncio.run(refresh_only(ctx, refusing, auto_approve=False))
    assert len(refusing.drift_reports) == 1
    assert world.snapshot() == before

    view = RecordingView()
    with world.run("apply", inputs) as ctx:
        refreshed = asyncio.run(refresh_only(ctx, view, auto_approve=False))
        writes = writes_seen(ctx)
    assert view.questions == ["accept these values into the state (Genesys is not changed)"]
    assert [d.key for r in view.drift_reports for d in r.drift] == ["orders"]
    assert (refreshed.accepted, refreshed.kept) == (1, ())
    assert writes == []  # Genesys was not changed
    assert world.state()["resources"]["orders"]["attributes"]["name"] == "Renamed in the UI"
    assert world.state()["resources"]["orders"]["id"] == integration_id
    last = world.audit()[-1]
    assert (last["action"], last["key"], last["result"]) == ("refresh", "orders", "succeeded")
    assert last["before"]["name"] == "Orders"
    assert last["after"]["name"] == "Renamed in the UI"

    with world.run("drift", inputs) as ctx:
        assert not asyncio.run(drift_report(ctx)).found
        # Nothing left to accept: the view is not even shown anything.
        idle = RecordingView(answer=False)
        assert asyncio.run(refresh_only(ctx, idle, auto_approve=False)).accepted == 0
    assert idle.drift_reports == [] and idle.questions == []
    # The configuration still says "Orders": the next plan puts it back.
    with world.run("plan", inputs) as ctx:
        planned = asyncio.run(plan_changes(ctx))
    assert [c.action for c in planned.plan.changes] == [Action.UPDATE]


# --- export and import --------------------------------------------------------------------


def test_export_and_import_adopt_an_unmanaged_integration(world: World) -> None:
    # Made by another workspace on the same sandbox org: unmanaged as far as "default" goes.
    elsewhere = world.inputs(destination("legacy", "legacy", name="Legacy"), folder="other")
    world.apply(elsewhere, workspace="elsewhere")
    integration_id = world.state("elsewhere")["resources"]["legacy"]["id"]

    unrelated = world.inputs(ORDERS)
    with world.run("drift", unrelated) as ctx:
        drift = asyncio.run(drift_report(ctx))
    assert drift.found
    assert [(u.id, u.attributes["name"]) for u in drift.report.unmanaged] == [
        (integration_id, "Legacy")
    ]

    out = world.root / "exported"
    with world.run("export", unrelated) as ctx:
        exported = asyncio.run(export_destinations(ctx, out, ()))
        with pytest.raises(IacError, match="no EventBridge integration with id no-such-id"):
            asyncio.run(export_destinations(ctx, None, ("no-such-id",)))
    [key] = exported.keys.values()
    assert exported.keys == {integration_id: key}
    # Runnable as printed: the YAML is in --out, which the command names.
    assert exported.import_commands == (f"iac import --config-dir {out} {key} {integration_id}",)
    assert exported.written_to == out / "exported.yaml"
    assert exported.written_to.read_text() == exported.yaml_text
    assert "event_source_suffix: legacy" in exported.yaml_text
    assert not world.state_file().exists()  # export only reads

    # The exported YAML is a configuration as it stands.
    adopted_dir = world.root / "adopted"
    adopted_dir.mkdir()
    (adopted_dir / "exported.yaml").write_text(exported.yaml_text)
    adopted = inputs_from_config(adopted_dir)
    assert adopted.desired == {key: elsewhere.desired["legacy"]}

    with world.run("import", adopted) as ctx:
        with pytest.raises(IacError, match="'not-configured' is not in the configuration"):
            asyncio.run(import_destination(ctx, "not-configured", integration_id))
        assert not world.state_file().exists() and not world.audit_file().exists()
        imported = asyncio.run(import_destination(ctx, key, integration_id))
        with pytest.raises(IacError, match="already manages integration"):
            asyncio.run(import_destination(ctx, key, integration_id))
    assert imported == ImportOutcome(key, integration_id)
    entry = world.state()["resources"][key]
    assert entry["id"] == integration_id
    assert entry["attributes"] == adopted.desired[key]
    [record] = world.audit()
    assert (record["action"], record["key"], record["genesys_id"]) == (
        "import",
        key,
        integration_id,
    )
    assert record["before"] is None and record["result"] == "succeeded"

    with world.run("plan", adopted) as ctx:
        planned = asyncio.run(plan_changes(ctx))
        again = asyncio.run(export_destinations(ctx, None, ()))
    assert not planned.plan.has_changes
    assert planned.plan.unmanaged == () and planned.plan.drift == ()
    assert again.import_commands == ()  # managed now
    assert again.keys == {integration_id: key}
    assert len(world.org()) == 1  # adopted, never duplicated


# --- the context itself -------------------------------------------------------------------


def test_no_credentials_means_the_sandbox_announced_through_notify(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in CREDENTIAL_VARS:
        monkeypatch.delenv(name, raising=False)
    inputs = world.inputs(ORDERS)

    with world.run("plan", inputs, sandbox=False) as ctx:
        assert ctx.target.sandbox
        planned = asyncio.run(plan_changes(ctx))
    assert planned.plan.tally == Tally(add=1)
    [notice] = world.notices
    assert "No Genesys credentials" in notice
    assert SANDBOX in notice
    assert str(world.state_dir / "sandbox-org.json") in notice
    printed = capsys.readouterr()
    assert printed.out == "" and notice not in printed.err


def test_sandbox_chosen_on_purpose_is_not_announced(world: World) -> None:
    with world.run("plan", world.inputs(ORDERS)) as ctx:
        assert ctx.target.sandbox and ctx.target.display == SANDBOX
    assert world.notices == []


def test_a_ci_run_without_credentials_refuses_the_sandbox(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in CREDENTIAL_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CI", "true")
    inputs = world.inputs(ORDERS)
    with pytest.raises(SettingsError, match="CI is set"), world.run("plan", inputs, sandbox=False):
        pass
    assert world.notices == []
    assert not (world.state_dir / "sandbox-org.json").exists()


def test_a_second_run_on_a_locked_workspace_is_refused(world: World) -> None:
    inputs = world.inputs(ORDERS)
    with world.run("apply", inputs):
        with pytest.raises(StateLockedError), world.run("plan", inputs):
            pass
        # Another workspace has its own lock.
        with world.run("plan", inputs, workspace="other") as other:
            assert other.options.workspace == "other"
    with world.run("plan", inputs):  # released
        pass
