"""``iac drift`` for a scheduled job: drift of the managed destinations, and integrations no
configuration manages, told apart from those another workspace of the same backend manages
and those the ignore file names.

Another workspace's states are read as documents, without their locks (a report may be a
moment old); one that cannot be read is skipped: the report then shows its integrations as
unmanaged, which errs on the side of telling.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace

from iac.config.ignore import IgnoreRules
from iac.plan.model import Unmanaged
from iac.run.context import RunContext
from iac.run.outcomes import DriftOutcome, Elsewhere, Ignored
from iac.run.planning import drifted
from iac.state.document import DocumentError, decode
from iac.state.model import State
from iac.workspace import Workspace


@dataclass(frozen=True)
class DriftSettings:
    ignore: IgnoreRules | None = None
    only_managed: bool = False  # report only the destinations the workspace manages


async def drift_check(ctx: RunContext, settings: DriftSettings) -> DriftOutcome:
    async with ctx.client() as client:
        report, _ = await drifted(ctx, client)
    if settings.only_managed:
        ctx.metrics.set_drift(len(report.drift))
        return DriftOutcome(replace(report, unmanaged=()), ctx.where, only_managed=True)
    owners = managed_elsewhere(ctx) if report.unmanaged else {}
    unmanaged: list[Unmanaged] = []
    elsewhere: list[Elsewhere] = []
    ignored: list[Ignored] = []
    for integration in report.unmanaged:
        owner = owners.get(integration.id)
        pattern = settings.ignore and settings.ignore.match(integration.id, integration.attributes)
        if owner is not None:
            elsewhere.append(Elsewhere(integration, *owner))
        elif pattern:
            ignored.append(Ignored(integration, str(pattern), pattern.line))
        else:
            unmanaged.append(integration)
    ctx.metrics.set_drift(len(report.drift) + len(unmanaged))
    return DriftOutcome(
        replace(report, unmanaged=tuple(unmanaged)),
        ctx.where,
        elsewhere=tuple(elsewhere),
        ignored=tuple(ignored),
        ignore_file=settings.ignore.path if settings.ignore else None,
    )


def managed_elsewhere(ctx: RunContext) -> dict[str, tuple[str, str]]:
    """Integration id -> (workspace, key) for every other workspace of this backend whose
    state describes the same org."""
    owners: dict[str, tuple[str, str]] = {}
    for name, state in _other_states(ctx):
        if state.org_id is not None and ctx.state.org_id not in (None, state.org_id):
            continue
        if state.target != ctx.state.target:
            continue
        for key, resource in sorted(state.resources.items()):
            for integration_id in (resource.id, *resource.deposed):
                owners.setdefault(integration_id, (name, key))
    return owners


def _other_states(ctx: RunContext) -> list[tuple[str, State]]:
    documents: list[tuple[str, str]] = []
    if ctx.workspace.backend is None:
        from iac.run.workspaces import list_workspaces

        listing = list_workspaces(ctx.workspace.state_dir, None)
        for stored in listing.workspaces:
            if stored.name == ctx.workspace.name or stored.serial is None:
                continue
            path = Workspace(ctx.workspace.state_dir, stored.name).state_file
            with contextlib.suppress(OSError, UnicodeDecodeError):
                documents.append((stored.name, path.read_text(encoding="utf-8")))
    else:
        from iac.state.postgres import PostgresStateStore, other_states

        store = ctx.store
        assert isinstance(store, PostgresStateStore)
        documents = other_states(store.session, ctx.workspace.name)
    states = []
    for name, text in documents:
        with contextlib.suppress(DocumentError):
            states.append((name, decode(text)))
    return states
