"""The words iac uses for what it does and how it went, spelled once.

Plans, the applier, the audit trail, metrics and every renderer share these values; the
plan's JSON document spells them out as literals for a readable schema, and a test keeps
those equal to these.
"""

from __future__ import annotations

from enum import Enum


class Action(str, Enum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    NOOP = "no-op"


# The actions that change Genesys (what jobs, audit records and metrics are about).
CHANGING_ACTIONS = tuple(a for a in Action if a is not Action.NOOP)


class StateAction(str, Enum):
    """Audit records of changes to state alone: Genesys is not called."""

    REFRESH = "refresh"  # state took what Genesys holds (apply --refresh-only, a resumed create)
    IMPORT = "import"  # an existing integration adopted (iac import)
    MOVE = "move"  # a key renamed (moved: entries, iac state mv)
    FORGET = "forget"  # a destination removed from state, kept in Genesys (iac state rm)


# Every action an audit record can carry.
AUDITED_ACTIONS = (*(a.value for a in CHANGING_ACTIONS), *(a.value for a in StateAction))


class PlanMode(str, Enum):
    """What a plan is for, as Terraform's planning modes."""

    NORMAL = "normal"  # make Genesys match the configuration
    DESTROY = "destroy"  # delete every destination the state manages
    REFRESH_ONLY = "refresh-only"  # take what Genesys holds into state; change nothing there


class GateKind(str, Enum):
    RULES = "rules"
    POLICY = "policy"
    CONNECTIVITY = "connectivity"
    PREFLIGHT = "preflight"


class GateOutcome(str, Enum):
    PASSED = "passed"
    FAILED = "failed"
    WARNING = "warning"
    SKIPPED = "skipped"


class ChangeResult(str, Enum):
    """How one change ended, in the audit trail and in metrics alike."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    # Refused by a failed gate: recorded, never attempted.
    BLOCKED = "blocked"
