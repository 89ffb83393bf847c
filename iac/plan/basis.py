"""What a plan was computed from, so a saved plan can be refused once the world moved on.

A plan is only as good as its inputs: the configuration (hashed after rendering), the state
(lineage and serial) and each live integration it read (a fingerprint of version and
attributes). Pure functions: the caller does the reading.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from iac.genesys.live import LiveDestination, describe_org
from iac.state.model import State


@dataclass(frozen=True)
class Basis:
    config_hash: str
    state_lineage: str | None  # None: there was no state yet
    state_serial: int
    # The org (state target) and workspace the plan was made for.
    target: str
    workspace: str
    live: dict[str, str] = field(default_factory=dict)  # integration id -> fingerprint
    # The Genesys org (id and name) the plan was made in; None in plans saved before iac
    # read it. Two orgs can share an API URL, so ``target`` alone does not tell them apart.
    org_id: str | None = None
    org_name: str | None = None


def digest(value: Any) -> str:
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def fingerprint(live: LiveDestination) -> str:
    return digest({"id": live.id, "version": live.version, "attributes": live.attributes})


def basis_of(
    *,
    config_hash: str,
    state: State,
    live: Mapping[str, LiveDestination],
    workspace: str,
) -> Basis:
    return Basis(
        config_hash=config_hash,
        state_lineage=state.lineage,
        state_serial=state.serial,
        target=state.target,
        workspace=workspace,
        live={i: fingerprint(d) for i, d in sorted(live.items())},
        org_id=state.org_id,
        org_name=state.org_name,
    )


def stale_reasons(
    then: Basis,
    state: State,
    state_on_disk: bool,
    live: Mapping[str, LiveDestination],
    affected: set[str],
) -> list[str]:
    """Why a plan made on ``then`` no longer holds; empty when it still does.

    ``state`` is the state as this run holds it, with the org the run logged in to.
    """
    reasons = []
    if state.target != then.target:
        reasons.append(f"it was made for {then.target}, but this run targets {state.target}")
    if then.org_id is not None and state.org_id is not None and state.org_id != then.org_id:
        reasons.append(
            f"it was made for org {describe_org(then.org_id, then.org_name)}, but this run logs in "
            f"to org {describe_org(state.org_id, state.org_name)}"
        )
    if then.state_lineage is None:
        if state_on_disk:
            reasons.append("a state was written since (another apply ran)")
    elif not state_on_disk or state.lineage != then.state_lineage:
        reasons.append("the state was replaced by another one (different lineage)")
    elif state.serial != then.state_serial:
        reasons.append(
            f"the state changed since (serial {then.state_serial} -> {state.serial}): "
            "another apply ran"
        )
    for integration_id in sorted(affected):
        was = then.live.get(integration_id)
        now = live.get(integration_id)
        if now is None:
            if was is not None:
                reasons.append(f"integration {integration_id} was deleted since")
        elif was is None:
            reasons.append(f"integration {integration_id} appeared since")
        elif fingerprint(now) != was:
            reasons.append(f"integration {integration_id} was changed in Genesys since")
    return reasons
