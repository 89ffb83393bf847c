"""The planner: a pure function of (desired, state, live) -> Plan. No I/O in here.

``desired`` maps logical keys to configuration attributes, ``state`` is what iac last
applied, ``live`` is what Genesys holds now (by integration id). Differences are measured
against live, so the plan is what it would take to make Genesys match the configuration;
where live no longer matches state, the plan reports drift.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from deepdiff import DeepDiff

from iac.aws.live import BusAddress, LiveBus, WantedBus
from iac.config.models import Destination, identity_of
from iac.genesys.live import LiveDestination
from iac.plan.buses import EMPTY, plan_buses
from iac.plan.model import Action, AttributeChange, Change, Drift, Plan, Unmanaged
from iac.plan.moves import Move, apply_moves, mark_moves
from iac.state.model import PendingCreate, ResourceState, State

# Changing any of these means a different AWS partner event source: replace, not update.
IDENTITY_ATTRIBUTES = Destination.IDENTITY_FIELDS

# How far Genesys' clock may run behind this machine's when telling whether an integration
# was made after a create was recorded as intended (its time comes from the local clock).
CLOCK_SKEW = timedelta(minutes=2)

Attributes = Mapping[str, Any]
NO_BUSES: Mapping[BusAddress, LiveBus] = {}


def plan(
    desired: Mapping[str, Attributes],
    state: State,
    live: Mapping[str, LiveDestination],
    *,
    moved: Iterable[Move] = (),
    buses: Mapping[str, WantedBus] = EMPTY,
    live_buses: Mapping[BusAddress, LiveBus] = NO_BUSES,
) -> Plan:
    """``moved``: (from key, to key) renames of the configuration's ``moved:`` entries,
    made in state before anything is compared. ``buses``: the partner event bus each
    destination's ``aws_event_bus`` block asks for; ``live_buses``: what the AWS accounts
    hold for them and for those state records (see ``iac.plan.buses``)."""
    changes: list[Change] = []
    drift: list[Drift] = []
    moves = apply_moves(state, moved)
    state = moves.state
    unresolved = dict(state.pending_creates)
    state, resumed = resume_interrupted_creates(state, live)
    for key in sorted(set(desired) | set(state.resources)):
        recorded = state.resources.get(key)
        current = live.get(recorded.id) if recorded else None
        if recorded is not None and recorded.verified:
            # An unverified entry is iac's own half-made create, not a change made outside.
            found = _drift(key, recorded.id, recorded.attributes, current)
            if found:
                drift.append(found)
        # Whatever left them (a failed delete, or a replace cut off before verifying its new
        # integration), deposed integrations are deleted: they are never the key's own.
        deposed = _deposed_deletes(key, recorded.deposed, live) if recorded else []
        changes.extend(deposed)
        if key in desired:
            change = _converge(key, dict(desired[key]), recorded, current)
            if change.action is Action.REPLACE and deposed:
                change = replace(change, depends_on=tuple(d.job_id for d in deposed))
            changes.append(change)
        elif recorded is not None:
            before = current.attributes if current else recorded.attributes
            changes.append(
                Change(
                    key=key,
                    action=Action.DELETE,
                    id=recorded.id,
                    before=dict(before),
                    after=None,
                    reason=None if current else "already deleted outside iac; forgets it",
                    # The state entry goes with this delete, so leftovers go first.
                    depends_on=tuple(d.job_id for d in deposed),
                )
            )
    managed = _managed_ids(state)
    unmanaged = tuple(
        Unmanaged(id=i, attributes=dict(live[i].attributes))
        for i in sorted(live)
        if i not in managed
    )
    ordered = _order_identity_reuse(mark_moves(changes, moves))
    suggested = _suggest_imports(ordered, unmanaged)
    for key in resumed:
        unresolved.pop(key, None)
    explained = _explain_resumed(suggested, resumed, unresolved, unmanaged, live)
    kept = {k: b for k, b in buses.items() if k in desired}
    with_buses = plan_buses(explained, kept, state, live_buses)
    return Plan(
        changes=with_buses.changes,
        drift=(*drift, *with_buses.drift),
        unmanaged=unmanaged,
        bus_changes=with_buses.bus_changes,
    )


def resume_interrupted_creates(
    state: State, live: Mapping[str, LiveDestination]
) -> tuple[State, dict[str, str]]:
    """The state as it would be had every cut-off create recorded the integration it made.

    A run killed between a create's POST and its next state write leaves only the intent it
    recorded before the POST (``State.pending_creates``). The integration it made is the one
    nobody manages that holds the intent's pending name. Where Genesys ignores the name (no
    intent is found by its name): the client sends one create at a time, so of the intents
    left unresolved only the earliest can have a POST that landed (the others queued behind
    it), and its integration is the only unconfigured one nobody manages made since that
    intent (``_made_since``); with two such integrations there is no telling which, and none
    is adopted.

    Each one found becomes the key's entry, unverified, as the POST's own state write would
    have made it: the plan then configures and verifies it (or deletes it, if the key is gone
    from the configuration) instead of creating another. The integration the key had before
    (a replace was cut off) becomes deposed. Intents resolved to nothing stay as they are.

    Returns the state and, per resumed key, the integration adopted for it.
    """
    managed = _managed_ids(state)
    resumed: dict[str, str] = {}
    unresolved: list[tuple[datetime, str]] = []
    for key, pending in sorted(state.pending_creates.items()):
        named = [i for i, d in sorted(live.items()) if d.name == pending.name and i not in managed]
        if len(named) == 1:
            resumed[key] = named[0]
        elif not named:
            unresolved.append((pending.since, key))
    if unresolved and not resumed:
        _, key = min(unresolved)
        pending = state.pending_creates[key]
        made_since = [
            i
            for i, d in sorted(live.items())
            if d.unconfigured and i not in managed and _made_since(d, pending)
        ]
        if len(made_since) == 1:
            resumed[key] = made_since[0]
    for key, integration_id in resumed.items():
        entry = state.resources.get(key)
        deposed = entry.deposed if entry else ()
        if entry is not None and entry.id in live and entry.id != integration_id:
            deposed = (*deposed, entry.id)
        adopted = ResourceState(
            integration_id,
            dict(live[integration_id].attributes),
            deposed,
            prevent_destroy=entry.prevent_destroy if entry else False,
            verified=False,
            bus=entry.bus if entry else None,
        )
        state = state.with_resource(key, adopted).without_pending_create(key)
    return state, resumed


def _made_since(destination: LiveDestination, pending: PendingCreate) -> bool:
    """Whether an unconfigured integration was made after the intent: it was not among the
    unconfigured ones when the run planned, and (where the client reads it) Genesys last
    changed it no earlier than the intent, give or take the clocks' skew. With neither to go
    by, nothing is known to be new."""
    known = pending.unconfigured_before
    if known is not None and destination.id in known:
        return False
    made = destination.reported_since
    if made is not None:
        return made >= pending.since - CLOCK_SKEW
    return known is not None


def _managed_ids(state: State) -> set[str]:
    return {r.id for r in state.resources.values()} | {
        old for r in state.resources.values() for old in r.deposed
    }


def _explain_resumed(
    changes: list[Change],
    resumed: Mapping[str, str],
    unresolved: Mapping[str, PendingCreate],
    unmanaged: tuple[Unmanaged, ...],
    live: Mapping[str, LiveDestination],
) -> list[Change]:
    """Say why a change acts on an integration a cut-off create left behind; and where one
    could not be told apart, point at the candidates."""
    unconfigured = [u.id for u in unmanaged if live[u.id].unconfigured]
    explained = []
    for c in changes:
        adopted = resumed.get(c.key) if not c.deposed else None
        if adopted and c.action is Action.DELETE:
            c = replace(
                c,
                reason=f"integration {adopted} was made by an apply cut off before "
                "recording it; deletes it",
            )
        elif adopted and c.action is not Action.NOOP:
            c = replace(
                c,
                reason=f"resumes a create cut off before it was recorded: configures and "
                f"verifies integration {adopted} instead of creating another",
            )
        elif c.key in unresolved and c.action is Action.CREATE and unconfigured:
            c = replace(
                c,
                warnings=(
                    *c.warnings,
                    f"an apply cut off while creating destination.{c.key} may have left "
                    f"integration {' or '.join(unconfigured)} unconfigured, and it cannot be "
                    "told apart from others: check it, then run "
                    f"iac import {c.key} <id> (or delete it) before applying",
                ),
            )
        explained.append(c)
    return explained


def prevent_destroy_violations(plan: Plan, protected: set[str]) -> list[str]:
    """Deletes and replaces of destinations marked ``prevent_destroy``: the plan must fail."""
    return [
        f"destination.{c.key} has prevent_destroy set, but this plan would "
        f"{'replace' if c.action is Action.REPLACE else 'destroy'} it"
        + (
            f" ({', '.join(a.name for a in c.attribute_changes if a.forces_replacement)} changed)"
            if c.action is Action.REPLACE
            else ""
        )
        + ". Remove prevent_destroy first if this is intended."
        for c in plan.changes
        if c.key in protected and not c.deposed and c.action in (Action.DELETE, Action.REPLACE)
    ]


def attribute_changes(before: Attributes, after: Attributes) -> tuple[AttributeChange, ...]:
    """Per-attribute differences, in the order of ``after``'s attributes."""
    names = [*after, *(n for n in before if n not in after)]
    return tuple(
        AttributeChange(
            name=n,
            before=before.get(n),
            after=after.get(n),
            # Setting an identity for the first time (an integration whose configuration
            # never landed) creates the partner event source; only changing one replaces.
            forces_replacement=n in IDENTITY_ATTRIBUTES and before.get(n) is not None,
        )
        for n in names
        if not _same(before.get(n), after.get(n))
    )


def _same(before: Any, after: Any) -> bool:
    # Plain equality settles almost every attribute (values are normalised on every side);
    # it also keeps a 1,000-destination plan from spending seconds in DeepDiff.
    if before == after:
        return True
    if isinstance(before, list) and isinstance(after, list):
        # Topic filters are a set: their order carries no meaning.
        return not DeepDiff(before, after, ignore_order=True)
    return False


def _converge(
    key: str,
    wanted: dict[str, Any],
    recorded: ResourceState | None,
    current: LiveDestination | None,
) -> Change:
    if current is None:
        reason = "deleted outside iac; creates it again" if recorded else None
        return Change(
            key=key, action=Action.CREATE, id=None, before=None, after=wanted, reason=reason
        )
    diffs = attribute_changes(current.attributes, wanted)
    reason = None
    if not diffs:
        action = Action.NOOP
        if recorded is not None and not recorded.verified:
            action, reason = Action.UPDATE, "made by a run cut off before verifying it; verifies it"
        elif wanted.get("enabled") and current.reported_state == "ERROR":
            action = Action.UPDATE
            reason = (
                f"Genesys reports activation ERROR ({current.reported_detail or 'no detail'}); "
                "enables it again and verifies"
            )
    elif any(d.forces_replacement for d in diffs):
        action = Action.REPLACE
    else:
        action = Action.UPDATE
    return Change(
        key=key,
        action=action,
        id=current.id,
        before=dict(current.attributes),
        after=wanted,
        attribute_changes=diffs,
        live_version=current.version,
        reason=reason,
    )


def _drift(
    key: str, id_: str, recorded: Attributes, current: LiveDestination | None
) -> Drift | None:
    if current is None:
        return Drift(key=key, id=id_, deleted=True)
    diffs = attribute_changes(recorded, current.attributes)
    return Drift(key=key, id=id_, deleted=False, attribute_changes=diffs) if diffs else None


def _deposed_deletes(
    key: str, deposed: tuple[str, ...], live: Mapping[str, LiveDestination]
) -> list[Change]:
    return [
        Change(
            key=key,
            action=Action.DELETE,
            id=old,
            before=dict(live[old].attributes) if old in live else None,
            after=None,
            deposed=True,
            reason="left behind by an earlier replace"
            + ("" if old in live else "; already deleted, forgets it"),
        )
        for old in deposed
    ]


def _suggest_imports(changes: list[Change], unmanaged: tuple[Unmanaged, ...]) -> list[Change]:
    """A create that matches an integration nobody manages most likely means "adopt it"."""
    suggested = []
    for c in changes:
        if c.action is Action.CREATE and c.after is not None:
            for other in unmanaged:
                same = [
                    what
                    for what, hit in (
                        ("AWS identity", identity_of(other.attributes) == identity_of(c.after)),
                        ("name", other.attributes.get("name") == c.after.get("name")),
                    )
                    if hit
                ]
                if same:
                    c = replace(
                        c,
                        warnings=(
                            *c.warnings,
                            f"integration {other.id}, which no configuration manages, has the "
                            f"same {' and '.join(same)}; to adopt it instead of creating another, "
                            f"run: iac import {c.key} {other.id}",
                        ),
                    )
        suggested.append(c)
    return suggested


def _order_identity_reuse(changes: list[Change]) -> list[Change]:
    """Make a change that takes an AWS identity wait for the change that frees it."""
    freed_by: dict[tuple[Any, ...], str] = {}
    for c in changes:
        if c.action in (Action.DELETE, Action.REPLACE) and (ident := identity_of(c.before)):
            freed_by[ident] = c.job_id
    ordered = []
    for c in changes:
        taken = identity_of(c.after)
        holder = freed_by.get(taken) if taken and taken != identity_of(c.before) else None
        if holder and holder != c.job_id:
            c = replace(
                c,
                waits_for_identity=holder,
                destroy_before_create=c.action is Action.REPLACE,
            )
        ordered.append(c)
    return ordered
