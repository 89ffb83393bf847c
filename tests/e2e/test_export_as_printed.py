"""``iac export`` for adopting an org: the ``iac import`` commands it prints run as printed, an
integration with no configuration yet is marked rather than written as YAML that does not
validate, and its help lists only options that do something there."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from iac_testing.cli_world import Sandbox, Workdir
from iac_testing.org_edits import make_unconfigured, make_unmanaged

from iac.cli import cli


def run(work: Workdir, argv: list[str]) -> Result:
    """The CLI exactly as typed, nothing added (the cwd is the user's repository)."""
    return CliRunner().invoke(cli, argv, env=work.env, catch_exceptions=False)


def test_printed_import_commands_run_as_printed_and_plan_says_no_changes(
    work: Workdir, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(work.root)
    legacy = make_unmanaged(sandbox, "legacy-billing", name="Legacy billing")
    bare = make_unconfigured(sandbox)
    location = ["--state-dir", "team-state", "--workspace", "adopted"]

    exported = run(work, ["export", "--out", "adopted", *location])
    assert exported.exit_code == 0, exported.output
    commands = [
        line.strip() for line in exported.stderr.splitlines() if line.startswith("  iac import")
    ]
    assert commands == [
        "iac import --config-dir adopted --state-dir team-state --workspace adopted "
        f"legacy-billing {legacy}"
    ]
    # The one without configuration is marked, named, and has no import command.
    text = Path("adopted/exported.yaml").read_text()
    assert f"# Genesys id {bare}: NOT EXPORTED, its configuration is incomplete" in text
    assert "aws_account_id: field required" in text
    assert "have an incomplete configuration and were written commented out" in exported.stderr
    assert bare in exported.stderr
    validated = run(work, ["validate", "adopted"])
    assert validated.exit_code == 0, validated.output
    assert "1 destination in 1 file" in validated.output

    for command in commands:
        imported = run(work, shlex.split(command)[1:])
        assert imported.exit_code == 0, imported.output
        assert "Import successful!" in imported.output
    planned = run(work, ["plan", "adopted", *location, "--skip-probes"])
    assert planned.exit_code == 0, planned.output
    assert "No changes." in planned.output


def test_printed_to_stdout_the_commands_say_where_the_yaml_goes(
    work: Workdir, sandbox: Sandbox
) -> None:
    legacy = make_unmanaged(sandbox, "legacy")
    exported = work.iac("export")
    assert exported.exit_code == 0, exported.output
    assert "save the YAML in your configuration folder" in exported.stderr
    assert f"  iac import --state-dir {work.state_dir} legacy {legacy}" in exported.stderr


def test_export_offers_no_gate_options() -> None:
    shown = CliRunner().invoke(cli, ["export", "--help"]).output
    for option in ("--strict", "--skip-probes", "--probe-endpoint", "--ca-bundle"):
        assert option not in shown, option
    refused = CliRunner().invoke(cli, ["export", "--skip-probes"])
    assert refused.exit_code == 1
    assert "No such option" in refused.output
