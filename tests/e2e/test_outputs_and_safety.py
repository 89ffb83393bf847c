"""Plans for people and machines, exit codes for pipelines, and the guards against deletion."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
from iac_testing.cli_world import Sandbox, Workdir, config, destination

SCHEMA = json.loads((Path(__file__).parents[2] / "schemas" / "plan.schema.json").read_text())


def test_json_plan_validates_against_the_published_schema(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod"), destination("audit", "audit-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    work.write(config(destination("orders", "orders-v2"), destination("new", "new-prod")))
    result = work.iac("plan", str(work.config), "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    jsonschema.validate(document, SCHEMA)
    actions = {c["key"]: c["action"] for c in document["changes"]}
    assert actions == {"audit": "delete", "new": "create", "orders": "replace"}
    assert document["summary"]["add"] == 2 and document["summary"]["destroy"] == 2


def test_markdown_plan_is_made_for_a_pr_comment(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod", name="Orders | <EU>")))
    result = work.iac("plan", str(work.config), "--format", "markdown")
    assert result.exit_code == 0
    text = result.stdout
    assert "| Destination |" in text
    assert text.count("<details>") == text.count("</details>") >= 1
    # Outside code spans the name is escaped, so it cannot inject HTML into the comment.
    assert "<EU>" not in re.sub(r"`[^`]*`", "", text)


def test_detailed_exitcode(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    assert work.iac("plan", str(work.config), "--detailed-exitcode").exit_code == 2
    assert work.iac("plan", str(work.config)).exit_code == 0
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    assert work.iac("plan", str(work.config), "--detailed-exitcode").exit_code == 0
    (work.config / "destinations.yaml").write_text("destinations:\n  bad key: {}\n")
    assert work.iac("plan", str(work.config), "--detailed-exitcode").exit_code == 1


def test_colour_only_when_wanted(work: Workdir, sandbox: Sandbox) -> None:
    from click.testing import CliRunner

    from iac.cli import cli

    work.write(config(destination("orders", "orders-prod")))
    args = ["plan", str(work.config), "--state-dir", str(work.state_dir), "--skip-probes"]
    tty = CliRunner().invoke(cli, args, env=work.env, color=True)
    assert "\x1b[" in tty.output  # a terminal gets colour
    assert "\x1b[" not in CliRunner().invoke(cli, args, env=work.env).output  # a pipe does not
    no_color = CliRunner().invoke(cli, [*args, "--no-color"], env=work.env, color=True)
    assert "\x1b[" not in no_color.output
    env_off = CliRunner().invoke(cli, args, env={**work.env, "NO_COLOR": "1"}, color=True)
    assert "\x1b[" not in env_off.output


def protected(key: str, suffix: str, **kwargs: object) -> str:
    return destination(key, suffix, **kwargs) + "    prevent_destroy: true\n"


def test_prevent_destroy_blocks_replace_and_removal(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(protected("orders", "orders-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0

    work.write(config(protected("orders", "orders-v2")))
    replaced = work.iac("plan", str(work.config))
    assert replaced.exit_code == 1
    assert "destination.orders has prevent_destroy set, but this plan would replace it" in (
        replaced.output
    )
    # Removing the destination from the YAML is refused too: state remembers the flag.
    work.write(config(destination("other", "other-prod")))
    removed = work.iac("apply", str(work.config), "--auto-approve")
    assert removed.exit_code == 1
    assert "would destroy it" in removed.output
    assert list(sandbox.by_suffix()) == ["orders-prod"]

    work.write(config(destination("orders", "orders-prod")))  # flag dropped on purpose
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    work.write(config(destination("other", "other-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    assert list(sandbox.by_suffix()) == ["other-prod"]


def test_destroy_asks_then_deletes_everything_and_respects_prevent_destroy(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(config(destination("orders", "orders-prod"), destination("audit", "audit-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    declined = work.iac("destroy", str(work.config), input="no\n")
    assert declined.exit_code == 1
    assert "destroy every destination of workspace default" in declined.output
    assert len(sandbox.integrations()) == 2
    destroyed = work.iac("destroy", str(work.config), input="yes\n")
    assert destroyed.exit_code == 0, destroyed.output
    assert "Destroy complete! Resources: 0 added, 0 changed, 2 destroyed." in destroyed.output
    assert sandbox.integrations() == []

    work.write(config(protected("orders", "orders-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    refused = work.iac("destroy", str(work.config), "--auto-approve")
    assert refused.exit_code == 1
    assert "prevent_destroy" in refused.output
    assert len(sandbox.integrations()) == 1


def test_templates_variables_and_workspaces(work: Workdir, sandbox: Sandbox) -> None:
    work.write(
        "destinations:\n"
        "  orders:\n"
        "    name: Orders {{ env }}\n"
        '    aws_account_id: "{{ account }}"\n'
        "    aws_region: us-east-1\n"
        "    event_source_suffix: orders-{{ env }}\n"
        '    topic_filters: ["v2.users.{id}.activity"]\n'
    )
    (work.root / "dev.yaml").write_text('env: dev\naccount: "111111111111"\n')
    (work.root / "prod.yaml").write_text('env: prod\naccount: "222222222222"\n')
    for env in ("dev", "prod"):
        applied = work.iac(
            "apply",
            str(work.config),
            "--auto-approve",
            "--workspace",
            env,
            "--var-file",
            str(work.root / f"{env}.yaml"),
        )
        assert applied.exit_code == 0, applied.output
    assert set(sandbox.by_suffix()) == {"orders-dev", "orders-prod"}
    assert (work.state_dir / "dev.json").exists() and (work.state_dir / "prod.json").exists()
    # --var wins over the file; a plan for dev with another name is an update in dev only.
    planned = work.iac(
        "plan",
        str(work.config),
        "--workspace",
        "dev",
        "--var-file",
        str(work.root / "dev.yaml"),
        "--var",
        "env=dev",
    )
    assert "No changes." in planned.output

    missing = work.iac("validate", str(work.config))
    assert missing.exit_code == 1
    assert f"{work.config / 'destinations.yaml'}:3:" in missing.output
    assert "undefined variable 'env'" in missing.output


def test_org_block_names_the_org_and_its_credential_variables(
    work: Workdir, sandbox: Sandbox
) -> None:
    from iac_testing.cli_world import CLIENT_ID, CLIENT_SECRET

    work.write(
        "org:\n"
        f"  api_url: {sandbox.url}\n"
        "  client_id_env: PROD_GENESYS_ID\n"
        "  client_secret_env: PROD_GENESYS_SECRET\n" + config(destination("orders", "orders-prod"))
    )
    # Only the org's own variables: the default GENESYSCLOUD_* ones point nowhere useful.
    work.env = {
        "GENESYSCLOUD_API_REGION": "http://127.0.0.1:9",
        "PROD_GENESYS_ID": CLIENT_ID,
        "PROD_GENESYS_SECRET": CLIENT_SECRET,
    }
    applied = work.iac("apply", str(work.config), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert f"Target: {sandbox.org_target()}, workspace default" in applied.output
    assert list(sandbox.by_suffix()) == ["orders-prod"]

    work.env = {"PROD_GENESYS_ID": CLIENT_ID}
    missing = work.iac("plan", str(work.config))
    assert missing.exit_code == 1
    assert "PROD_GENESYS_SECRET (named by the configuration's org block) is not set" in (
        missing.output
    )
