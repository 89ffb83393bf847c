"""``iac show PLANFILE``: a saved plan rendered as ``iac plan`` showed it, offline.

It reads the file only: no Genesys call, no state, no lock, and no Genesys SDK loaded. The
plan is shown as it was saved; ``iac apply PLANFILE`` is what checks it still holds.
"""

from __future__ import annotations

from pathlib import Path

import click

from iac.cli.options import OutputOptions


@click.command("show")
@click.argument("planfile", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="text for people, json for machines (schemas/plan.schema.json), markdown for PRs.",
)
@click.option("--no-color", is_flag=True, help="No colours (also: NO_COLOR set).")
def show(planfile: Path, output_format: str, no_color: bool) -> None:
    """Show the saved plan PLANFILE (written by iac plan --out) without contacting Genesys."""
    from iac.cli.render.notes import plan_kind
    from iac.cli.views import notify, show_plan
    from iac.genesys.settings import SANDBOX_TARGET
    from iac.run.planfile import load_plan

    saved = load_plan(planfile)
    basis = saved.basis
    named = f"org {basis.org_name}, " if basis.org_name else "org "
    org = f" ({named}id {basis.org_id})" if basis.org_id else ""  # as a plan's target line
    target = "the built-in sandbox" if basis.target == SANDBOX_TARGET else basis.target
    where = f"{target}{org}, workspace {basis.workspace}"
    output = OutputOptions(format=output_format, no_color=no_color)  # type: ignore[arg-type]
    # On stderr, as plan's "Saved the plan to": stdout stays one document in JSON.
    notify(
        f"{planfile}: {plan_kind(saved.plan)} saved at {saved.created_at} from configuration "
        f"{basis.config_hash[:12]} in {saved.config_dir} (state serial {basis.state_serial}). "
        f"Apply it with: iac apply {planfile}"
    )
    show_plan(saved.plan, where, output, command="show")
