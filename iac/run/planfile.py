"""Saved plan files: ``iac plan --out FILE`` writes one, ``iac apply FILE`` applies exactly it.

The file holds the plan document and what it was computed from (the basis: rendered
configuration hash, state lineage and serial, live fingerprints), the configuration folder
it was made from, and a copy of the rendered configuration (destinations, policy, probe
endpoints, org choice, protected keys, moved keys) for reviewers and tools; the plan document
records what it was asked for (mode, targets, replace). Apply trusts none of it blindly: see
``iac.run.saved_plan_check``. No secrets: the org choice holds the names of
credential variables, never their values.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from iac.atomic import write_atomic
from iac.config.models import OrgSettings
from iac.config.policy import Policy
from iac.errors import IacError
from iac.plan.basis import Basis
from iac.plan.document import PlanDocument, from_document, to_document
from iac.plan.model import Plan, PlanMode
from iac.run.inputs import Inputs

_KIND: Literal["iac-saved-plan"] = "iac-saved-plan"
# 2: the configuration folder is recorded, and apply checks the plan against it.
# 3: moved keys, and the plan's mode, targets and forced replacements.
# 4: the partner event buses (aws_event_bus blocks, and the plan's bus changes).
_FORMAT_VERSION: Literal[4] = 4


class _BasisDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    config_hash: str
    state_lineage: str | None
    state_serial: int
    target: str
    workspace: str
    live: dict[str, str]
    org_id: str | None = None  # absent from plans saved before iac read the org
    org_name: str | None = None


class _SavedPlanDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["iac-saved-plan"]
    format_version: Literal[4]
    created_at: str
    # As given to `iac plan` (relative paths are relative to where it ran).
    config_dir: str
    basis: _BasisDoc
    desired: dict[str, dict[str, Any]]
    probe_endpoints: dict[str, str]
    policy: Policy | None
    org: OrgSettings | None
    protected: list[str]
    moved: list[tuple[str, str]]
    aws_event_buses: dict[str, dict[str, Any]]
    strict: bool
    plan: PlanDocument


@dataclass(frozen=True)
class SavedPlan:
    plan: Plan
    basis: Basis
    # The rendered configuration as the file carries it (edits to it are caught on apply).
    inputs: Inputs
    strict: bool
    created_at: str

    @property
    def config_dir(self) -> Path:
        """The configuration folder the plan was made from, as given to iac plan."""
        assert self.inputs.source is not None  # load_plan always sets it
        return self.inputs.source


def save_plan(path: Path, plan: Plan, basis: Basis, inputs: Inputs, *, strict: bool) -> None:
    if inputs.source is None:
        raise ValueError("a saved plan needs the configuration folder its inputs came from")
    doc = _SavedPlanDoc(
        kind=_KIND,
        format_version=_FORMAT_VERSION,
        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        config_dir=inputs.source.as_posix(),
        basis=_BasisDoc(**asdict(basis)),
        desired=inputs.desired,
        probe_endpoints=inputs.probe_endpoints,
        policy=inputs.policy,
        org=inputs.org,
        protected=sorted(inputs.protected),
        moved=list(inputs.moved),
        aws_event_buses=inputs.buses,
        strict=strict,
        plan=to_document(plan),
    )
    write_atomic(path, doc.model_dump_json(indent=2) + "\n")


def load_plan(path: Path) -> SavedPlan:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise IacError(f"cannot read the saved plan {path}: {err.strerror or err}") from None
    except (ValueError, RecursionError):  # too deeply nested is not JSON we wrote either
        raise IacError(f"{path} is not a saved plan (not JSON).") from None
    if not isinstance(raw, dict) or raw.get("kind") != _KIND:
        raise IacError(f"{path} is not a saved plan written by `iac plan --out`.")
    if raw.get("format_version") != _FORMAT_VERSION:
        raise IacError(
            f"{path} is a saved plan in format {raw.get('format_version')!r}, which this iac "
            f"does not apply (it writes format {_FORMAT_VERSION}). Run iac plan again."
        )
    try:
        doc = _SavedPlanDoc.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise IacError(f"{path}: damaged saved plan at {where}: {first['msg']}") from None
    if doc.plan.mode == PlanMode.REFRESH_ONLY.value:  # never written: see plan_changes
        raise IacError(f"{path}: a refresh-only plan is not applied from a file.")
    return SavedPlan(
        plan=from_document(doc.plan),
        basis=Basis(**doc.basis.model_dump()),
        inputs=Inputs(
            desired=doc.desired,
            probe_endpoints=doc.probe_endpoints,
            policy=doc.policy,
            org=doc.org,
            protected=frozenset(doc.protected),
            source=Path(doc.config_dir),
            moved=tuple(doc.moved),
            buses=doc.aws_event_buses,
        ),
        strict=doc.strict,
        created_at=doc.created_at,
    )
