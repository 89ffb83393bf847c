"""What each operation returns: plain data for the CLI to render; operations never print."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from iac.apply import ApplyResult
from iac.plan import Plan


@dataclass(frozen=True)
class PlanOutcome:
    plan: Plan
    where: str  # the target line: org and workspace
    saved_to: Path | None = None


@dataclass(frozen=True)
class DriftOutcome:
    """Drift and unmanaged integrations only: a plan with no changes."""

    report: Plan
    where: str

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
