"""Topics checked against the org's own catalog (the rules gate), and ``iac topics`` to find
them: the real CLI, SDK and HTTP against the sandbox's sample catalog."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
from click.testing import CliRunner, Result
from iac_testing.cli_world import CLIENT_ID, CLIENT_SECRET, Sandbox, Workdir, config, destination

from iac.cli import cli

CATALOG = "/api/v2/notifications/availabletopics"
TYPO = "v2.detail.events.conversation.{id}.customer.ned"
CUSTOMER_END = "v2.detail.events.conversation.{id}.customer.end"
DESK = "v2.users.{id}.conversations"  # in the sample catalog: delivered over Websocket only
PREVIEW = "v2.taskmanagement.workitems.queues.{id}"


def catalog_reads(sandbox: Sandbox) -> list[dict[str, object]]:
    return [r for r in sandbox.requests() if r["path"] == CATALOG]


def clear_requests(sandbox: Sandbox) -> None:
    httpx.delete(f"{sandbox.url}/__sandbox/requests").raise_for_status()


def test_a_mistyped_topic_fails_the_plan_naming_it_and_the_topic_meant(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(
        config(
            destination("orders", "orders-prod", topics=(TYPO, "v2.users.{id}.presence")),
            destination("audit", "audit-prod"),
        )
    )
    planned = work.iac("plan", str(work.config))
    assert planned.exit_code == 1
    assert (
        f"FAIL  rules         topics: topic {TYPO!r} is not in the org's topic catalog; "
        f"did you mean {CUSTOMER_END!r}?" in planned.output
    )
    assert "blocked by failed gates would not be applied: destination.orders." in planned.output
    assert "pass  rules         topics: the topic is in the org's catalog" in planned.output
    assert "Traceback" not in planned.output


def test_a_topic_not_delivered_over_eventbridge_is_refused_with_its_reason(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(config(destination("desk", "desk-prod", topics=(DESK,))))
    applied = work.iac("apply", str(work.config), "--auto-approve")
    assert applied.exit_code == 1
    assert (
        f"# BLOCKED by rules topics: topic {DESK!r} is not delivered over EventBridge (the "
        "catalog's transports for it: Websocket)" in applied.output
    )
    assert sandbox.integrations() == []
    assert [r["result"] for r in work.audit()] == ["blocked"]


def test_a_preview_topic_warns_and_goes_ahead(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("tasks", "tasks-prod", topics=(PREVIEW,))))
    applied = work.iac("apply", str(work.config), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert f"warn  rules         topics: topic {PREVIEW!r} is a Preview topic" in applied.output
    assert set(sandbox.by_suffix()) == {"tasks-prod"}


def test_the_catalog_costs_one_call_per_run_and_none_without_writes(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(config(*(destination(k, f"{k}-prod") for k in ("alpha", "beta", "gamma"))))
    assert work.iac("plan", str(work.config)).exit_code == 0
    [read] = catalog_reads(sandbox)
    assert read["status"] == 200
    assert "includePreview=true" in str(read["query"])
    for field in ("description", "transports", "visibility"):
        assert field in str(read["query"])

    clear_requests(sandbox)
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    assert len(catalog_reads(sandbox)) == 1

    clear_requests(sandbox)
    assert "No changes." in work.iac("plan", str(work.config)).output
    assert catalog_reads(sandbox) == []


def test_a_token_that_may_not_read_the_catalog_warns_and_blocks_nothing(
    work: Workdir, sandbox: Sandbox
) -> None:
    httpx.put(
        f"{sandbox.url}/__sandbox/grants", json={"scopes": ["integrations"]}
    ).raise_for_status()
    work.write(config(destination("orders", "orders-prod", topics=(TYPO,))))
    applied = work.iac("apply", str(work.config), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert (
        "warn  rules         topics: not checked against the org's topic catalog: GET "
        f"{CATALOG} answered HTTP 403: This request requires a token with one of the following "
        "scopes: [notifications]." in applied.output
    )
    assert set(sandbox.by_suffix()) == {"orders-prod"}


def test_json_and_markdown_plans_carry_the_topic_check(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod", topics=(TYPO,))))
    as_json = work.iac("plan", str(work.config), "--format", "json")
    assert as_json.exit_code == 1
    document = json.loads(as_json.stdout)
    [topics] = [g for g in document["gates"] if g["check"] == "topics"]
    assert topics["kind"] == "rules" and topics["outcome"] == "failed"
    assert topics["key"] == "orders"
    assert topics["details"] == {"not_in_catalog": [TYPO], "suggestions": {TYPO: CUSTOMER_END}}
    as_markdown = work.iac("plan", str(work.config), "--format", "markdown")
    assert "topics" in as_markdown.stdout
    assert "customer.ned" in as_markdown.stdout and "did you mean" in as_markdown.stdout


# -- iac topics ----------------------------------------------------------------------------


def test_topics_search_lists_the_matching_eventbridge_topics(
    work: Workdir, sandbox: Sandbox
) -> None:
    found = work.iac("topics", "--search", "customer")
    assert found.exit_code == 0, found.output
    assert f"  {CUSTOMER_END}\n      A customer (external participant) left" in found.stdout
    assert found.stdout.startswith(f"Target: {sandbox.org_target()}\n")
    assert "2 of the 37 EventBridge topics in the org's catalog match 'customer'." in found.stdout
    assert DESK not in work.iac("topics", "--search", "conversations").stdout
    assert len(catalog_reads(sandbox)) == 2


def test_topics_as_json_and_with_preview_marked(work: Workdir, sandbox: Sandbox) -> None:
    listed = work.iac("topics", "--format", "json")
    assert listed.exit_code == 0, listed.output
    document = json.loads(listed.stdout)
    assert document["catalog_size"] == 38 and document["eventbridge_topics"] == 37
    by_id = {t["id"]: t for t in document["topics"]}
    assert DESK not in by_id
    assert by_id[PREVIEW]["visibility"] == "Preview"
    assert by_id[CUSTOMER_END]["delivery"] == "eventbridge"
    assert by_id[CUSTOMER_END]["transports"] == ["EventBridge", "ProcessAutomation"]
    text = work.iac("topics", "--search", "work item").stdout
    assert f"  {PREVIEW}  (Preview)\n" in text


def test_topics_a_refused_catalog_is_one_line_naming_the_scope(
    work: Workdir, sandbox: Sandbox
) -> None:
    httpx.put(
        f"{sandbox.url}/__sandbox/grants", json={"scopes": ["integrations"]}
    ).raise_for_status()
    refused = work.iac("topics")
    assert refused.exit_code == 1
    assert refused.output.strip().splitlines() == [
        f"Error: GET {CATALOG} answered HTTP 403: This request requires a token with one of "
        "the following scopes: [notifications]. (Genesys documents no permission for this "
        "call: an OAuth client restricted to some scopes needs the 'notifications' scope)"
    ]


def no_credentials() -> dict[str, str | None]:
    """The environment without Genesys credentials, or CI=true (which refuses the sandbox)."""
    return {k: None for k in os.environ if k.startswith("GENESYSCLOUD_") or k == "CI"}


def invoke(*args: str, env: dict[str, str | None]) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_topics_without_credentials_reads_the_built_in_sandbox(tmp_path: Path) -> None:
    listed = invoke(
        "topics", "--search", "customer end", "--state-dir", str(tmp_path), env=no_credentials()
    )
    assert listed.exit_code == 0, listed.output
    assert CUSTOMER_END in listed.stdout
    assert listed.stdout.startswith("Target: the built-in sandbox (org Sandbox Org, id ")
    assert "using the built-in sandbox" in listed.stderr
    assert (tmp_path / "sandbox-org.json").is_file()


def test_topics_targets_the_org_a_configuration_names(tmp_path: Path, sandbox: Sandbox) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "org.yaml").write_text(
        "org:\n"
        f"  api_url: {sandbox.url}\n"
        "  client_id_env: TEAM_CLIENT_ID\n"
        "  client_secret_env: TEAM_CLIENT_SECRET\n"
        "destinations: {}\n"
    )
    env = {**no_credentials(), "TEAM_CLIENT_ID": CLIENT_ID, "TEAM_CLIENT_SECRET": CLIENT_SECRET}
    listed = invoke("topics", "--config-dir", str(folder), "--search", "acw", env=env)
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.startswith(f"Target: {sandbox.org_target()}\n")
    assert "v2.detail.events.conversation.{id}.acw" in listed.stdout
    assert len(catalog_reads(sandbox)) == 1
