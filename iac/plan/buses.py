"""The partner event buses of the destinations' ``aws_event_bus`` blocks, planned: a pure
function of (the destinations' changes, the buses wanted, state, what the AWS accounts hold).

Each bus is a resource of its own, keyed to its destination (``destination.KEY.aws_event_bus``)
and ordered with it through ``depends_on``:

* a bus is created (or verified) after its destination's change, which makes the partner
  event source it binds to;
* a bus iac owns is deleted before its destination's integration;
* a destination that moves to another account, region or suffix (a replace) deletes its old
  bus first and creates the new one after.

A bus iac does not own (``name:``) is never created or deleted: it is verified, and state
records it once verified.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from iac.aws.live import BusAddress, LiveBus, WantedBus
from iac.plan.model import Action, AttributeChange, Change, Drift
from iac.state.model import BusState, State

EMPTY: dict[str, WantedBus] = {}


@dataclass(frozen=True)
class PlannedBuses:
    changes: tuple[Change, ...]  # the destinations' changes, with the buses they wait for
    bus_changes: tuple[Change, ...]
    drift: tuple[Drift, ...]


def address_of(bus: BusState) -> BusAddress:
    return BusAddress(bus.aws_account_id, bus.aws_region, bus.name)


def plan_buses(
    changes: list[Change],
    wanted: Mapping[str, WantedBus],
    state: State,
    live: Mapping[BusAddress, LiveBus],
) -> PlannedBuses:
    """``wanted``: per destination key the configuration keeps, its bus; ``live``: what the
    accounts hold for every address wanted or recorded."""
    own = {c.key: c for c in changes if not c.deposed}
    bus_changes: list[Change] = []
    drift: list[Drift] = []
    waits: dict[str, list[str]] = {}
    recorded_keys = {k for k, r in state.resources.items() if r.bus is not None}
    for key in sorted(set(wanted) | recorded_keys):
        entry = state.resources.get(key)
        recorded = entry.bus if entry else None
        found = _drift(key, recorded, live) if entry is not None and entry.verified else None
        if found:
            drift.append(found)
        want = wanted.get(key)
        dest = own.get(key)
        if recorded is not None and recorded.owned:
            old = address_of(recorded)
            if want is None or want.address != old:
                delete = _delete(key, recorded, live.get(old), moving=want is not None)
                bus_changes.append(delete)
                waits.setdefault(key, []).append(delete.job_id)
        if want is not None:
            change = _converge(key, want, recorded, live.get(want.address), dest)
            if change is not None:
                bus_changes.append(change)
    ordered = [
        replace(c, depends_on=(*c.depends_on, *waits[c.key]))
        if c.key in waits and not c.deposed and c.action in (Action.DELETE, Action.REPLACE)
        else c
        for c in changes
    ]
    return PlannedBuses(tuple(ordered), tuple(bus_changes), tuple(drift))


def _drift(key: str, recorded: BusState | None, live: Mapping[BusAddress, LiveBus]) -> Drift | None:
    if recorded is None:
        return None
    found = live.get(address_of(recorded))
    if found is None:
        return None  # not read (e.g. a run limited to other keys)
    if not found.exists:
        return Drift(key=key, id=recorded.name, deleted=True, bus=True)
    if found.source_state not in ("ACTIVE", None):
        return Drift(
            key=key,
            id=recorded.name,
            deleted=False,
            bus=True,
            attribute_changes=(AttributeChange("source_state", "ACTIVE", found.source_state),),
        )
    return None


def _delete(key: str, recorded: BusState, found: LiveBus | None, *, moving: bool) -> Change:
    gone = found is not None and not found.exists
    reason = "moves with its destination: the old bus goes first" if moving else None
    if gone:
        reason = "already deleted outside iac; forgets it"
    return Change(
        key=key,
        action=Action.DELETE,
        id=recorded.name,
        before=recorded.attributes(),
        after=None,
        reason=reason,
        deposed=moving,
        bus=True,
    )


def _converge(
    key: str,
    want: WantedBus,
    recorded: BusState | None,
    found: LiveBus | None,
    dest: Change | None,
) -> Change | None:
    before = recorded.attributes() if recorded else None
    same = recorded is not None and address_of(recorded) == want.address
    exists = found is not None and found.exists
    active = exists and found is not None and found.source_state == "ACTIVE"
    changing = dest is not None and dest.action is not Action.NOOP
    after_dest = (dest.job_id,) if changing and dest is not None else ()
    fresh_source = dest is not None and dest.action in (Action.CREATE, Action.REPLACE)
    if want.owned:
        if exists and not fresh_source and same and recorded is not None and recorded.owned:
            return _noop(key, want, before)
        if exists and not fresh_source:
            why = "exists, but state does not record it as iac's: verifies it and takes ownership"
            return _change(key, Action.UPDATE, want, before, after_dest, why)
        reason = "deleted outside iac; creates it again" if same else None
        return _change(key, Action.CREATE, want, None, after_dest, reason)
    if active and same and recorded is not None and not recorded.owned and not changing:
        return _noop(key, want, before)
    reason = "not owned by iac: verifies that it exists and is bound to the source"
    return _change(key, Action.UPDATE, want, before, after_dest, reason)


def _noop(key: str, want: WantedBus, before: dict[str, object] | None) -> Change:
    return Change(
        key=key,
        action=Action.NOOP,
        id=want.address.name,
        before=before,
        after=want.attributes(),
        bus=True,
    )


def _change(
    key: str,
    action: Action,
    want: WantedBus,
    before: dict[str, object] | None,
    depends_on: tuple[str, ...],
    reason: str | None,
) -> Change:
    after = want.attributes()
    diffs = tuple(
        AttributeChange(n, (before or {}).get(n), v)
        for n, v in after.items()
        if before is not None and n != "source" and before.get(n) != v
    )
    return Change(
        key=key,
        action=action,
        id=want.address.name,
        before=before,
        after=after,
        attribute_changes=diffs,
        depends_on=depends_on,
        reason=reason,
        bus=True,
    )
