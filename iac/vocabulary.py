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
