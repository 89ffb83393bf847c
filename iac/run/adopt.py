"""Adopting what exists: ``import`` takes an integration into state, ``export`` writes YAML
for the org's integrations so they can be imported."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path

from iac.errors import IacError
from iac.run import records
from iac.run.context import RunContext
from iac.run.outcomes import ExportOutcome, ImportOutcome
from iac.state import ResourceState


async def import_destination(ctx: RunContext, key: str, integration_id: str) -> ImportOutcome:
    if key not in ctx.inputs.desired:
        raise IacError(
            f"destination {key!r} is not in the configuration: add it to the YAML first "
            "(iac export writes YAML for existing integrations)."
        )
    if key in ctx.state.resources:
        raise IacError(
            f"destination {key!r} already manages integration "
            f"{ctx.state.resources[key].id} in workspace {ctx.options.workspace}."
        )
    owner = next((k for k, r in ctx.state.resources.items() if r.id == integration_id), None)
    if owner:
        raise IacError(f"integration {integration_id} is already managed as {owner!r}.")
    audit = ctx.prepare_writes()
    async with ctx.client() as client:
        found = await client.get_destination(integration_id)
    if found is None:
        raise IacError(
            f"no Amazon EventBridge Source integration {integration_id} in {ctx.target_org}."
        )
    entry = ResourceState(
        integration_id, dict(found.attributes), prevent_destroy=key in ctx.inputs.protected
    )
    ctx.write_state(ctx.state.with_resource(key, entry))
    audit.append(records.import_record(key, integration_id, found.attributes))
    return ImportOutcome(key, integration_id)


async def export_destinations(
    ctx: RunContext, out: Path | None, ids: tuple[str, ...], import_options: Sequence[str] = ()
) -> ExportOutcome:
    """YAML for the org's integrations (those in ``ids``, or all), written to ``out``/exported.yaml
    when given. The import commands name ``out`` as their --config-dir, and carry
    ``import_options`` (the export's own --state-dir, --workspace...), so they run as printed."""
    from iac.config.export import export_yaml

    async with ctx.client() as client:
        live = await client.list_destinations()
    if ids:
        missing = [i for i in ids if i not in live]
        if missing:
            raise IacError(f"no EventBridge integration with id {', '.join(missing)}.")
        live = {i: live[i] for i in ids}
    managed = {r.id: k for k, r in ctx.state.resources.items()}
    where = ("--config-dir", str(out)) if out is not None else ()

    def import_command(key: str, integration_id: str) -> str:
        words = ("iac", "import", *where, *import_options, key, integration_id)
        return shlex.join(words)

    text, keys = export_yaml(live, managed, import_command)
    written_to = None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        written_to = out / "exported.yaml"
        written_to.write_text(text, encoding="utf-8")
    commands = tuple(
        import_command(key, integration_id)
        for integration_id, key in keys.items()
        if integration_id not in managed
    )
    incomplete = tuple(i for i in live if i not in keys)
    return ExportOutcome(
        text, keys, written_to=written_to, import_commands=commands, incomplete=incomplete
    )
