"""A plan as it was asked for: its mode (normal, destroy, refresh-only), the keys it is
limited to (``--target``) and the keys it replaces on request (``--replace``).

``plan_for`` is the planner's entry point for runs, pure like the planner: the same request
on the same (desired, state, live) gives the same plan, which is how a saved plan is checked
again before it is applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from iac.aws.live import BusAddress, LiveBus, WantedBus
from iac.config.models import identity_of
from iac.errors import IacError
from iac.genesys.live import LiveDestination
from iac.plan.addresses import address, refuse_unknown
from iac.plan.model import Action, Change, Plan, PlanMode
from iac.plan.moves import Move
from iac.plan.planner import plan
from iac.state.model import State


@dataclass(frozen=True)
class PlanRequest:
    mode: PlanMode = PlanMode.NORMAL
    targets: tuple[str, ...] = ()  # empty: every destination
    replace: tuple[str, ...] = ()

    @classmethod
    def of(cls, planned: Plan) -> PlanRequest:
        """The request a plan was made for (what a saved plan is checked again with)."""
        return cls(planned.mode, planned.targets, planned.replace_requested)


# The plan of every destination, as the configuration asks: what a run plans by default.
WHOLE_PLAN = PlanRequest()


def plan_for(
    request: PlanRequest,
    desired: Mapping[str, Mapping[str, Any]],
    state: State,
    live: Mapping[str, LiveDestination],
    *,
    moved: Iterable[Move] = (),
    buses: Mapping[str, WantedBus] | None = None,
    live_buses: Mapping[BusAddress, LiveBus] | None = None,
) -> Plan:
    moves = tuple(moved)
    wanted_buses, found_buses = buses or {}, live_buses or {}
    check_request(request, desired, state)
    if request.mode is PlanMode.REFRESH_ONLY:
        # What state would take from Genesys: drift, measured against state as it is.
        found = plan(desired, state, live, buses=wanted_buses, live_buses=found_buses)
        return Plan(changes=(), drift=found.drift, unmanaged=found.unmanaged, mode=request.mode)
    wanted = {} if request.mode is PlanMode.DESTROY else desired
    computed = plan(
        wanted, state, live, moved=moves, buses=wanted_buses, live_buses=found_buses
    )
    computed = replace(computed, changes=tuple(_force_replace(computed.changes, request.replace)))
    computed = limit_to(computed, request.targets)
    return replace(
        computed,
        mode=request.mode,
        targets=tuple(sorted(set(request.targets))),
        replace_requested=tuple(sorted(set(request.replace))),
    )


def check_request(
    request: PlanRequest,
    desired: Mapping[str, Any],
    state: State,
) -> None:
    """Refuse options that do not go together, and keys neither the configuration nor the
    state knows (with the nearest one): before anything is read from Genesys."""
    if request.mode is PlanMode.REFRESH_ONLY and (request.targets or request.replace):
        raise IacError("--refresh-only cannot be combined with --target or --replace.")
    if request.mode is PlanMode.DESTROY and request.replace:
        raise IacError("--replace cannot be combined with --destroy: everything is destroyed.")
    refuse_unknown(
        [("--target", request.targets), ("--replace", request.replace)],
        {*desired, *state.resources},
        where="the configuration or the state",
    )


def _force_replace(changes: Iterable[Change], keys: Iterable[str]) -> list[Change]:
    """Each requested key's update or no-op as a replace; where its AWS identity stays the
    same, the old integration goes first (Genesys holds one integration per identity)."""
    wanted = set(keys)
    forced = []
    for c in changes:
        if c.deposed or (c.key not in wanted and c.previous_key not in wanted):
            forced.append(c)
            continue
        if c.action in (Action.NOOP, Action.UPDATE):
            same = identity_of(c.after) is not None and identity_of(c.before) == identity_of(
                c.after
            )
            first = "; its AWS identity stays, so the old integration is deleted first"
            c = replace(
                c,
                action=Action.REPLACE,
                destroy_before_create=same or c.destroy_before_create,
                reason="replaced as requested with --replace" + (first if same else ""),
            )
        elif c.action is Action.CREATE:
            c = replace(c, warnings=(*c.warnings, "--replace: nothing to replace, it is created"))
        elif c.action is Action.DELETE:
            c = replace(
                c,
                warnings=(
                    *c.warnings,
                    "--replace: it is not in the configuration, so it is destroyed, not replaced",
                ),
            )
        forced.append(c)
    return forced


def limit_to(computed: Plan, targets: Iterable[str]) -> Plan:
    """Only the changes of the targeted keys (by key, or the key they move from), and the
    changes those wait for: the deletes that free the AWS identity they take, transitively.
    Drift is kept for the keys that remain."""
    wanted = set(targets)
    if not wanted:
        return computed
    by_job = {c.job_id: c for c in computed.changes}
    kept = {c.job_id for c in computed.changes if c.key in wanted or c.previous_key in wanted}
    why: dict[str, str] = {}
    frontier = list(kept)
    while frontier:
        change = by_job[frontier.pop()]
        for needed in (*change.depends_on, *filter(None, [change.waits_for_identity])):
            if needed in by_job and needed not in kept:
                kept.add(needed)
                why[needed] = change.key
                frontier.append(needed)
    changes = []
    for c in computed.changes:
        if c.job_id not in kept:
            continue
        if c.job_id in why and c.key not in wanted:
            note = (
                f"included although not targeted: {address(why[c.job_id])} waits for it "
                "(it frees the AWS identity that one takes)"
            )
            c = replace(c, warnings=(*c.warnings, note))
        changes.append(c)
    keys = {c.key for c in changes}
    drift = tuple(d for d in computed.drift if d.key in keys)
    buses = tuple(c for c in computed.bus_changes if c.key in keys)
    return replace(computed, changes=tuple(changes), drift=drift, bus_changes=buses)
