"""Both ends in one plan: the integration in Genesys (the sandbox) and the partner event bus in
the customer's AWS account (moto in server mode), wired together over HTTP.

The sandbox plays Genesys' part on the AWS side: given moto's endpoint, it creates the partner
event source when an integration becomes ACTIVE and deletes it with the integration. iac talks
to moto through boto3, as it would to AWS. Nothing of iac is mocked.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from iac_testing.cli_world import CLIENT_ID, CLIENT_SECRET, Sandbox, Workdir, wait_until
from iac_testing.moto_aws import MOTO_ACCOUNT, Moto, moto_server
from iac_testing.served_sandbox import clean_env
from iac_testing.tcp_proxy import TcpProxy

from iac.sandbox import SandboxOptions, SandboxServer

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "aws"
KEY = "orders-to-aws"
SOURCE_TIMEOUT = "60"  # generous: the source appears as soon as activation settles
RUN_TIMEOUT = 180.0  # one CLI run in a process of its own, on a busy machine


@pytest.fixture(scope="module")
def moto() -> Iterator[Moto]:
    yield from moto_server()


@pytest.fixture
def aws_sandbox(tmp_path: Path, moto: Moto, request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    moto.reset()
    endpoint = getattr(request, "param", moto.url)  # "": a sandbox given no AWS endpoint
    options = SandboxOptions(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        activation_delay=0.05,
        aws_endpoint=endpoint,
    )
    with SandboxServer(tmp_path / "org.json", options) as server:
        yield Sandbox(server)


def _work(tmp_path: Path, sandbox: Sandbox, moto: Moto, endpoint: str | None = None) -> Workdir:
    env = {
        "GENESYSCLOUD_API_REGION": sandbox.url,
        "GENESYSCLOUD_OAUTHCLIENT_ID": CLIENT_ID,
        "GENESYSCLOUD_OAUTHCLIENT_SECRET": CLIENT_SECRET,
        **moto.env(endpoint),
    }
    work = Workdir(root=tmp_path, env=env)
    shutil.copytree(EXAMPLE, work.config)
    return work


def _org_id(sandbox: Sandbox) -> str:
    return str(httpx.get(f"{sandbox.url}/__sandbox/org").json()["orgId"])


def _source(sandbox: Sandbox, suffix: str = "orders-bus") -> str:
    return f"aws.partner/genesys.com/cloud/{_org_id(sandbox)}/{suffix}"


def _ok(result: Any, code: int = 0) -> str:
    assert result.exit_code == code, result.output
    return str(result.output)


def _apply(work: Workdir, *args: str) -> str:
    return _ok(
        work.iac(
            "apply", str(work.config), "--auto-approve", "--source-timeout", SOURCE_TIMEOUT, *args
        )
    )


def test_one_apply_makes_both_ends_and_destroy_removes_the_bus_first(
    tmp_path: Path, moto: Moto, aws_sandbox: Sandbox
) -> None:
    work = _work(tmp_path, aws_sandbox, moto)
    source = _source(aws_sandbox)

    planned = json.loads(_ok(work.iac("plan", str(work.config), "--format", "json")))
    (bus,) = planned["bus_changes"]
    assert bus["action"] == "create" and bus["key"] == KEY and bus["bus"] is True
    assert bus["after"]["name"] == source and bus["depends_on"] == [KEY]
    assert planned["summary"]["add"] == 2
    text = _ok(work.iac("plan", str(work.config)))
    assert f"# destination.{KEY}.aws_event_bus will be created" in text
    markdown = _ok(work.iac("plan", str(work.config), "--format", "markdown"))
    assert f"{KEY}.aws_event_bus" in markdown

    out = _apply(work)
    assert f"destination.{KEY}.aws_event_bus: Creation complete" in out
    assert out.index(f"destination.{KEY}: Creation complete") < out.index(
        f"destination.{KEY}.aws_event_bus: Creating..."
    )
    (integration,) = aws_sandbox.integrations()
    assert integration["reportedState"]["code"] == "ACTIVE"
    assert moto.source_state(source) == "ACTIVE"
    assert source in moto.buses()
    recorded = work.state()["resources"][KEY]["bus"]
    assert recorded == {
        "name": source,
        "aws_account_id": MOTO_ACCOUNT,
        "aws_region": "us-east-1",
        "owned": True,
    }
    assert [r["key"] for r in work.audit()][-2:] == [KEY, f"{KEY}.aws_event_bus"]

    assert "No changes." in _ok(work.iac("plan", str(work.config), "--detailed-exitcode"))

    out = _ok(work.iac("destroy", str(work.config), "--auto-approve"))
    assert out.index(f"destination.{KEY}.aws_event_bus: Destruction complete") < out.index(
        f"destination.{KEY}: Destroying..."
    )
    assert source not in moto.buses()
    assert aws_sandbox.integrations() == []
    assert moto.source_state(source) in (None, "DELETED")  # the partner removed it
    assert [r["key"] for r in work.audit()][-2:] == [f"{KEY}.aws_event_bus", KEY]


def test_a_bus_deleted_outside_iac_is_drift_and_made_again(
    tmp_path: Path, moto: Moto, aws_sandbox: Sandbox
) -> None:
    work = _work(tmp_path, aws_sandbox, moto)
    _apply(work)
    source = _source(aws_sandbox)
    moto.events().delete_event_bus(Name=source)

    drift = work.iac("drift", str(work.config), "--detailed-exitcode")
    assert drift.exit_code == 2, drift.output
    assert f"destination.{KEY}.aws_event_bus (id {source}) has been deleted" in drift.output
    plan = _ok(work.iac("plan", str(work.config), "--detailed-exitcode"), 2)
    assert f"# destination.{KEY}.aws_event_bus will be created" in plan
    assert "deleted outside iac; creates it again" in plan
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in plan

    # Reviewed as a saved plan, then applied exactly: the bus's change travels in the file.
    saved = tmp_path / "plan.iac"
    _ok(work.iac("plan", str(work.config), "--out", str(saved)))
    shown = _ok(work.iac("show", str(saved)))
    assert f"# destination.{KEY}.aws_event_bus will be created" in shown
    out = _ok(work.iac("apply", str(saved)))
    assert f"destination.{KEY}.aws_event_bus: Creation complete" in out
    assert source in moto.buses()
    assert "No changes." in _ok(work.iac("plan", str(work.config), "--detailed-exitcode"))


def test_a_saved_plan_is_stale_once_the_aws_side_moved_on(
    tmp_path: Path, moto: Moto, aws_sandbox: Sandbox
) -> None:
    work = _work(tmp_path, aws_sandbox, moto)
    _apply(work)
    source = _source(aws_sandbox)
    moto.events().delete_event_bus(Name=source)
    saved = tmp_path / "plan.iac"
    _ok(work.iac("plan", str(work.config), "--out", str(saved)))
    # Someone makes the bus by hand before the reviewed plan (which creates it) is applied.
    moto.events().create_event_bus(Name=source, EventSourceName=source)

    applied = work.iac("apply", str(saved))

    assert applied.exit_code == 3, applied.output  # stale, not "edited or damaged"
    assert "the partner event buses in AWS changed since it was made" in applied.output
    assert "edited or damaged" not in applied.output


def test_a_replace_moves_the_bus(tmp_path: Path, moto: Moto, aws_sandbox: Sandbox) -> None:
    work = _work(tmp_path, aws_sandbox, moto)
    _apply(work)
    old, new = _source(aws_sandbox), _source(aws_sandbox, "orders-bus-v2")
    config = work.config / "destinations.yaml"
    config.write_text(config.read_text().replace("orders-bus\n", "orders-bus-v2\n"))

    plan = _ok(work.iac("plan", str(work.config)))
    assert f"# destination.{KEY}.aws_event_bus (deposed object {old}) will be destroyed" in plan
    assert f"# destination.{KEY} must be replaced" in plan
    assert f"# destination.{KEY}.aws_event_bus will be created" in plan

    out = _apply(work)
    assert out.index(f"destination.{KEY}.aws_event_bus: Destruction complete") < out.index(
        f"destination.{KEY}: Replacing..."
    )
    buses = moto.buses()
    assert new in buses and old not in buses
    assert moto.source_state(new) == "ACTIVE"
    assert work.state()["resources"][KEY]["bus"]["name"] == new
    assert "No changes." in _ok(work.iac("plan", str(work.config)))


def test_the_preflight_catches_credentials_of_another_account(
    tmp_path: Path, moto: Moto, aws_sandbox: Sandbox
) -> None:
    work = _work(tmp_path, aws_sandbox, moto)
    config = work.config / "destinations.yaml"
    config.write_text(config.read_text().replace(MOTO_ACCOUNT, "210987654321"))

    result = work.iac("apply", str(work.config), "--auto-approve")
    assert result.exit_code == 1, result.output
    assert (
        "the AWS credentials are for account 123456789012, but the destination's "
        "aws_account_id is 210987654321"
    ) in result.output
    assert aws_sandbox.integrations() == []  # blocked before anything was made
    assert moto.buses() == ["default"]


@pytest.mark.parametrize("aws_sandbox", [""], indirect=True)
def test_a_source_that_never_appears_times_out_saying_what_it_waited_for(
    tmp_path: Path, moto: Moto, aws_sandbox: Sandbox
) -> None:
    work = _work(tmp_path, aws_sandbox, moto)  # this sandbox makes no partner event source
    result = work.iac("apply", str(work.config), "--auto-approve", "--source-timeout", "2")
    assert result.exit_code == 1, result.output
    source = _source(aws_sandbox)
    assert f"Waiting for partner event source {source} in account {MOTO_ACCOUNT}" in (result.output)
    assert f"the partner event source {source} did not appear in account" in result.output
    assert "within 2s (it does not exist)" in result.output
    assert "Traceback" not in result.output
    # The integration landed and stays recorded; the bus did not and is not.
    entry = work.state()["resources"][KEY]
    assert "bus" not in entry and len(aws_sandbox.integrations()) == 1


def test_a_lost_answer_to_create_event_bus_is_retried_and_finds_the_bus(
    tmp_path: Path, moto: Moto, aws_sandbox: Sandbox
) -> None:
    port = int(moto.url.rsplit(":", 1)[1])
    with TcpProxy(port, b"AWSEvents.CreateEventBus", mode="drop_answer") as proxy:
        work = _work(tmp_path, aws_sandbox, moto, endpoint=f"http://127.0.0.1:{proxy.port}")
        out = _apply(work)
        assert proxy.triggered.is_set()
    assert f"destination.{KEY}.aws_event_bus: Creation complete" in out
    assert _source(aws_sandbox) in moto.buses()
    assert work.state()["resources"][KEY]["bus"]["owned"] is True


def test_without_boto3_a_run_says_how_to_install_it(tmp_path: Path) -> None:
    """boto3 is optional: a configuration with aws_event_bus asks for it in one line."""
    hide_boto3 = (
        "import sys; sys.modules['boto3'] = None; from iac.cli import main; "
        "sys.argv = ['iac', *sys.argv[1:]]; main()"
    )
    args = ["plan", str(EXAMPLE), "--sandbox", "--skip-probes", "--state-dir", str(tmp_path)]
    result = subprocess.run(
        [sys.executable, "-c", hide_boto3, *args],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Error: aws_event_bus needs the AWS SDK for Python (boto3)" in result.stderr
    assert "pip install 'genesys-eventbridge-iac[aws]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_existing_bus_named_in_the_block_is_verified_never_deleted(
    tmp_path: Path, moto: Moto, aws_sandbox: Sandbox
) -> None:
    work = _work(tmp_path, aws_sandbox, moto)
    config = work.config / "destinations.yaml"
    with_block = config.read_text()
    config.write_text(with_block.replace("    aws_event_bus:\n      create: true\n", ""))
    _apply(work)  # the Genesys side only: Genesys makes the source, nobody binds it yet
    source = _source(aws_sandbox)
    wait_until("the partner event source", lambda: moto.source_state(source))
    moto.events().create_event_bus(Name=source, EventSourceName=source)  # made elsewhere

    config.write_text(with_block.replace("create: true", f"name: {source}"))
    plan = _ok(work.iac("plan", str(work.config)))
    assert f"# destination.{KEY}.aws_event_bus will be updated in-place" in plan
    assert "not owned by iac: verifies that it exists and is bound to the source" in plan
    _apply(work)
    assert work.state()["resources"][KEY]["bus"]["owned"] is False
    assert "No changes." in _ok(work.iac("plan", str(work.config)))

    out = _ok(work.iac("destroy", str(work.config), "--auto-approve"))
    assert "aws_event_bus" not in out  # not iac's to delete
    assert source in moto.buses() and aws_sandbox.integrations() == []


def test_refresh_only_accepts_a_bus_deleted_outside_iac(
    tmp_path: Path, moto: Moto, aws_sandbox: Sandbox
) -> None:
    work = _work(tmp_path, aws_sandbox, moto)
    _apply(work)
    moto.events().delete_event_bus(Name=_source(aws_sandbox))

    _ok(work.iac("apply", str(work.config), "--refresh-only", "--auto-approve"))
    assert "bus" not in work.state()["resources"][KEY]
    assert work.audit()[-1]["key"] == f"{KEY}.aws_event_bus"
    plan = _ok(work.iac("plan", str(work.config)))
    assert f"# destination.{KEY}.aws_event_bus will be created" in plan
    assert "deleted outside iac" not in plan  # state no longer remembers it
