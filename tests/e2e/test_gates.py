"""Gates through the CLI: probes, policy, preflight, --strict. A failed gate blocks only the
destinations it concerns, and the plan says which gate and why."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import trustme
from iac_testing.cli_world import Sandbox, Workdir, config, destination
from iac_testing.https_servers import ServerFactory


def probe_plan(work: Workdir, endpoint: str, ca_bundle: str) -> tuple[int, str]:
    result = work.iac(
        "plan", str(work.config), "--probe-endpoint", endpoint, "--ca-bundle", ca_bundle
    )
    return result.exit_code, result.output


def test_trusted_endpoint_passes_with_latency(
    work: Workdir, sandbox: Sandbox, ca: trustme.CA, ca_bundle: str, https_server: ServerFactory
) -> None:
    server = https_server(ca.issue_cert("localhost", "127.0.0.1"))
    work.write(config(destination("orders", "orders-prod")))
    code, output = probe_plan(work, server.url(), ca_bundle)
    assert code == 0, output
    assert "pass  connectivity  endpoint: reachable, HTTP 404" in output
    assert " ms]" in output
    assert "Plan: 1 to add" in output


@pytest.mark.parametrize(
    ("cert_kind", "failure"),
    [
        ("untrusted", "is not trusted"),
        ("expired", "has expired"),
        ("wrong_host", "does not match the host name"),
    ],
)
def test_bad_certificates_fail_classified_and_block(
    work: Workdir,
    sandbox: Sandbox,
    ca: trustme.CA,
    ca_bundle: str,
    expired_cert: trustme.LeafCert,
    https_server: ServerFactory,
    cert_kind: str,
    failure: str,
) -> None:
    cert = {
        "untrusted": lambda: trustme.CA().issue_cert("localhost", "127.0.0.1"),
        "expired": lambda: expired_cert,
        "wrong_host": lambda: ca.issue_cert("other.example.org"),
    }[cert_kind]()
    server = https_server(cert)
    work.write(config(destination("orders", "orders-prod")))
    code, output = probe_plan(work, server.url(), ca_bundle)
    assert code == 1
    assert "FAIL  connectivity  endpoint: TLS certificate of localhost" in output
    assert failure in output
    assert "# BLOCKED by connectivity endpoint" in output
    applied = work.iac(
        "apply",
        str(work.config),
        "--auto-approve",
        "--probe-endpoint",
        server.url(),
        "--ca-bundle",
        ca_bundle,
    )
    assert applied.exit_code == 1
    assert sandbox.integrations() == []


def write_policy(work: Workdir, text: str) -> Path:
    path = work.root / "policy.yaml"
    path.write_text(text)
    return path


def test_policy_violation_blocks_only_its_destination(work: Workdir, sandbox: Sandbox) -> None:
    policy = write_policy(work, "allowed_regions: [us-east-1]\n")
    work.write(
        config(
            destination("orders", "orders-prod"),
            destination("europe", "europe-prod", region="eu-west-1"),
        )
    )
    applied = work.iac("apply", str(work.config), "--auto-approve", "--policy", str(policy))
    assert applied.exit_code == 1
    assert (
        "FAIL  policy        allowed_regions: rule allowed_regions: region 'eu-west-1' is not "
        "allowed (allowed: us-east-1)" in applied.output
    )
    assert "destination.europe" in applied.output.split("blocked by failed gates")[-1]
    assert set(sandbox.by_suffix()) == {"orders-prod"}
    assert set(work.state()["resources"]) == {"orders"}
    blocked = [r for r in work.audit() if r["result"] == "blocked"]
    assert [r["key"] for r in blocked] == ["europe"]


def test_strict_blocks_the_whole_run(work: Workdir, sandbox: Sandbox) -> None:
    policy = write_policy(work, "allowed_regions: [us-east-1]\n")
    work.write(
        config(
            destination("orders", "orders-prod"),
            destination("europe", "europe-prod", region="eu-west-1"),
        )
    )
    applied = work.iac(
        "apply", str(work.config), "--auto-approve", "--policy", str(policy), "--strict"
    )
    assert applied.exit_code == 1
    assert "--strict: 1 gate(s) failed elsewhere in this plan" in applied.output
    assert sandbox.integrations() == []


def test_policy_named_in_the_configuration_forbids_deletes(work: Workdir, sandbox: Sandbox) -> None:
    (work.root / "policy.yaml").write_text("allow_delete: false\n")
    work.write(config(destination("orders", "orders-prod"), destination("audit", "audit-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    work.write("policy: ../policy.yaml\n" + config(destination("orders", "orders-prod")))
    planned = work.iac("plan", str(work.config))
    assert planned.exit_code == 1
    assert "rule allow_delete: the policy forbids deleting it" in planned.output
    assert len(sandbox.integrations()) == 2


def test_missing_permission_blocks_only_the_changes_needing_it(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(config(destination("orders", "orders-prod"), destination("audit", "audit-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    httpx.put(
        f"{sandbox.url}/__sandbox/grants",
        json={
            "permissions": [
                "integrations:integration:view",
                "integrations:integration:add",
                "integrations:integration:edit",
            ]
        },
    ).raise_for_status()
    work.write(config(destination("orders", "orders-prod", name="Renamed")))
    applied = work.iac("apply", str(work.config), "--auto-approve")
    assert applied.exit_code == 1
    assert "lacks integrations:integration:delete" in applied.output
    live = sandbox.by_suffix()
    assert live["orders-prod"]["name"] == "Renamed"  # the update went ahead
    assert "audit-prod" in live  # the delete did not


def test_read_only_token_warns_in_plan_and_blocks_every_write_in_apply(
    work: Workdir, sandbox: Sandbox
) -> None:
    """PR jobs should plan with a read-only client: plan warns what apply will need."""
    httpx.put(
        f"{sandbox.url}/__sandbox/grants", json={"scopes": ["integrations:readonly"]}
    ).raise_for_status()
    work.write(config(destination("orders", "orders-prod")))
    planned = work.iac("plan", str(work.config))
    assert planned.exit_code == 0, planned.output
    assert "warn  preflight" in planned.output
    assert "lacks the 'integrations' scope (it has: integrations:readonly)" in planned.output
    assert "Plan: 1 to add" in planned.output
    applied = work.iac("apply", str(work.config), "--auto-approve")
    assert applied.exit_code == 1
    assert "FAIL  preflight" in applied.output
    assert sandbox.integrations() == []
