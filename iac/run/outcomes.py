"""What each operation returns: plain data for the CLI to render; operations never print."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from iac.apply import ApplyResult
from iac.plan import Plan
from iac.plan.model import Unmanaged


@dataclass(frozen=True)
class PlanOutcome:
    plan: Plan
    where: str  # the target line: org and workspace
    saved_to: Path | None = None


@dataclass(frozen=True)
class Elsewhere:
    """An integration this workspace does not manage, but another one of its backend does."""

    integration: Unmanaged
    workspace: str
    key: str


@dataclass(frozen=True)
class Ignored:
    """An unmanaged integration the drift ignore file names (``pattern``, at ``line``)."""

    integration: Unmanaged
    pattern: str
    line: int


@dataclass(frozen=True)
class DriftOutcome:
    """Drift and unmanaged integrations only: a plan with no changes. ``report.unmanaged``
    holds only what nothing manages and nothing ignores: what makes drift "found"."""

    report: Plan
    where: str
    elsewhere: tuple[Elsewhere, ...] = ()
    ignored: tuple[Ignored, ...] = ()
    ignore_file: Path | None = None
    only_managed: bool = False  # unmanaged integrations were not looked at

    @property
    def found(self) -> bool:
        return bool(self.report.drift or self.report.unmanaged)


@dataclass(frozen=True)
class ApplyOutcome:
    plan: Plan
    # None when nothing needed to change (no jobs ran).
    result: ApplyResult | None = None
    retries: int = 0
    throttled: int = 0


@dataclass(frozen=True)
class RefreshOutcome:
    accepted: int  # drifted destinations whose Genesys values state took
    # Destinations left in state on purpose, with why.
    kept: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportOutcome:
    key: str
    integration_id: str


@dataclass(frozen=True)
class ExportOutcome:
    yaml_text: str
    # integration id -> the key it was written under
    keys: dict[str, str]
    written_to: Path | None = None
    # `iac import` for each integration no state entry manages yet.
    import_commands: tuple[str, ...] = ()
    # Integrations written commented out: their configuration would not validate.
    incomplete: tuple[str, ...] = ()
