"""``iac drift --detailed-exitcode`` as a nightly job can live with it: an ignore file,
--only-managed, and integrations another workspace of the same backend manages reported as
such, none of which makes the job exit 2."""

from __future__ import annotations

from pathlib import Path

from iac_testing.cli_world import Sandbox, Workdir, config, destination
from iac_testing.org_edits import make_unconfigured, make_unmanaged
from iac_testing.postgres import IAC_PASSWORD, Database


def test_the_ignore_file_hides_unmanaged_integrations_by_id_name_or_suffix(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(config(destination("orders", "orders-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    by_suffix = make_unmanaged(sandbox, "legacy-billing", name="Billing (manual)")
    by_name = make_unmanaged(sandbox, "other", name="Sandbox experiment 7")
    by_id = make_unmanaged(sandbox, "third", name="Third")
    left = make_unmanaged(sandbox, "left-alone", name="Left alone")

    assert work.iac("drift", str(work.config), "--detailed-exitcode").exit_code == 2
    (work.config / ".iacignore").write_text(
        "# Owned by the billing team, not by this repository\n"
        "suffix:legacy-*\n"
        "\n"
        "Sandbox experiment *\n"
        f"id:{by_id}\n"
    )
    drift = work.iac("drift", str(work.config), "--detailed-exitcode")
    assert drift.exit_code == 2, drift.output  # "left alone" is still reported
    assert left in drift.output
    for hidden in (by_suffix, by_name, by_id):
        assert hidden not in drift.output
    assert "Drift: 0 changed, 0 deleted outside iac, 1 not managed." in drift.output
    assert f"(3 unmanaged ignored by {work.config / '.iacignore'}.)" in drift.output

    other = work.root / "nightly.ignore"
    other.write_text("*\n")
    clean = work.iac("drift", str(work.config), "--detailed-exitcode", "--ignore-file", str(other))
    assert clean.exit_code == 0, clean.output
    assert "No drift." in clean.output
    assert f"4 unmanaged ignored by {other}" in clean.output

    # A managed destination's drift is never ignored.
    sandbox.edit(sandbox.by_suffix()["orders-prod"]["id"], name="Renamed in the UI")
    drifted = work.iac(
        "drift", str(work.config), "--detailed-exitcode", "--ignore-file", str(other)
    )
    assert drifted.exit_code == 2
    assert '~ name = "Orders" -> "Renamed in the UI"' in drifted.output

    missing = work.iac("drift", str(work.config), "--ignore-file", str(work.root / "nope"))
    assert missing.exit_code == 1
    assert "nope:1: ignore file not found" in missing.output


def test_only_managed_reports_drift_of_managed_destinations_alone(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(config(destination("orders", "orders-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    stray = make_unmanaged(sandbox, "stray")

    only = work.iac("drift", str(work.config), "--detailed-exitcode", "--only-managed")
    assert only.exit_code == 0, only.output
    assert stray not in only.output
    assert "--only-managed: integrations no configuration manages were not looked at" in (
        only.output
    )
    sandbox.edit(sandbox.by_suffix()["orders-prod"]["id"], name="Renamed in the UI")
    assert (
        work.iac("drift", str(work.config), "--detailed-exitcode", "--only-managed").exit_code == 2
    )


def test_integrations_of_another_workspace_are_reported_as_such_not_as_drift(
    work: Workdir, sandbox: Sandbox
) -> None:
    billing = work.root / "billing"
    billing.mkdir()
    (billing / "d.yaml").write_text(config(destination("invoices", "invoices-prod")))
    applied = work.iac("apply", str(billing), "--auto-approve", "--workspace", "billing")
    assert applied.exit_code == 0, applied.output
    invoices = sandbox.by_suffix()["invoices-prod"]["id"]
    work.write(config(destination("orders", "orders-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0

    drift = work.iac("drift", str(work.config), "--detailed-exitcode")
    assert drift.exit_code == 0, drift.output
    assert "No drift." in drift.output
    assert f'# {invoices} "Invoices": account 123456789012, us-east-1' in drift.output
    assert "managed by workspace billing as destination.invoices" in drift.output
    assert "(1 managed by another workspace.)" in drift.output

    markdown = work.iac("drift", str(work.config), "--format", "markdown")
    assert "**No drift.**" in markdown.output
    assert "### Managed by another workspace" in markdown.output
    assert "`billing`" in markdown.output and "`invoices`" in markdown.output


def test_drift_markdown_is_a_drift_report_not_a_plan(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    sandbox.edit(sandbox.by_suffix()["orders-prod"]["id"], name="Renamed in the UI")
    make_unmanaged(sandbox, "stray")

    markdown = work.iac("drift", str(work.config), "--format", "markdown").output
    assert "**Drift detected:** 1 changed, 0 deleted outside iac, 1 not managed" in markdown
    assert "No changes." not in markdown
    assert "the plan above" not in markdown
    assert "changed in Genesys since iac last applied them." in markdown


def test_an_unmanaged_integration_without_configuration_says_so(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(config(destination("orders", "orders-prod")))
    bare = make_unconfigured(sandbox)
    drift = work.iac("drift", str(work.config))
    assert f'# {bare} "Amazon EventBridge Source": no configuration yet' in drift.output
    assert "None" not in drift.output and "suffix null" not in drift.output


def test_with_a_backend_another_workspace_in_the_database_counts(
    pg: Database, work: Workdir, sandbox: Sandbox, tmp_path: Path
) -> None:
    env = {"IAC_BACKEND": pg.url(password=False), "PGPASSWORD": IAC_PASSWORD}
    user = Workdir(work.root, {**work.env, **env})
    billing = tmp_path / "billing"
    billing.mkdir()
    (billing / "d.yaml").write_text(config(destination("invoices", "invoices-prod")))
    assert (
        user.iac("apply", str(billing), "--auto-approve", "--workspace", "billing").exit_code == 0
    )
    user.write(config(destination("orders", "orders-prod")))
    assert user.iac("apply", str(user.config), "--auto-approve").exit_code == 0

    drift = user.iac("drift", str(user.config), "--detailed-exitcode")
    assert drift.exit_code == 0, drift.output
    assert "managed by workspace billing as destination.invoices" in drift.output
