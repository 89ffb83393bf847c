"""Genesys preflight: is the token allowed to make the planned writes, before any is made?

A missing scope or permission found here blocks only the changes that need it, with a message
naming it, instead of a 403 half-way through an apply.
"""

from __future__ import annotations

import fnmatch

from iac.genesys.access import Access
from iac.plan.model import Action, GateKind, GateOutcome, GateResult, Plan

WRITE_SCOPE = "integrations"
_PERMISSION = "integrations:integration:{}"
# PUT config and PATCH need edit; a create does both after its POST.
NEEDED = {
    Action.CREATE: ("add", "edit"),
    Action.UPDATE: ("edit",),
    Action.REPLACE: ("add", "edit", "delete"),
    Action.DELETE: ("delete",),
}


def preflight_results(plan: Plan, access: Access, *, blocking: bool = True) -> list[GateResult]:
    """``blocking`` False (plan): a PR job's read-only token warns about what the applying
    token will need instead of blocking the plan; apply always blocks."""
    missing_outcome = GateOutcome.FAILED if blocking else GateOutcome.WARNING
    writes = [c for c in plan.changes if c.action in NEEDED]
    if not writes:
        return []
    results = []
    # An empty scope list means the OAuth client has no scope restriction.
    if access.scopes and WRITE_SCOPE not in access.scopes:
        results.append(
            GateResult(
                kind=GateKind.PREFLIGHT,
                key=None,
                check="scope",
                outcome=missing_outcome,
                message=(
                    f"the OAuth client's token lacks the '{WRITE_SCOPE}' scope (it has: "
                    f"{', '.join(access.scopes)}); Genesys refuses every write. Add the scope "
                    "to the OAuth client."
                ),
            )
        )
    else:
        results.append(
            GateResult(
                kind=GateKind.PREFLIGHT,
                key=None,
                check="scope",
                outcome=GateOutcome.PASSED,
                message=f"token valid, '{WRITE_SCOPE}' scope granted",
            )
        )
    if access.permissions is None:
        results.append(
            GateResult(
                kind=GateKind.PREFLIGHT,
                key=None,
                check="permission",
                outcome=GateOutcome.WARNING,
                message=(
                    "could not read the OAuth client's permissions"
                    + (f" ({access.unknown_because})" if access.unknown_because else "")
                    + "; a missing permission will fail its change with a 403 naming it"
                ),
            )
        )
        return results
    for change in writes:
        missing = [
            _PERMISSION.format(action)
            for action in NEEDED[change.action]
            if not _granted(_PERMISSION.format(action), access.permissions)
        ]
        results.append(
            GateResult(
                kind=GateKind.PREFLIGHT,
                key=change.key,
                check="permission",
                outcome=missing_outcome if missing else GateOutcome.PASSED,
                message=(
                    f"the OAuth client's role lacks {', '.join(missing)}"
                    if missing
                    else "permissions granted"
                ),
                details={"missing": missing} if missing else {},
            )
        )
    return results


def _granted(permission: str, grants: tuple[str, ...]) -> bool:
    wanted = permission.split(":")
    for grant in grants:
        parts = grant.split(":")
        if len(parts) == 3 and all(
            fnmatch.fnmatchcase(w, p) for w, p in zip(wanted, parts, strict=True)
        ):
            return True
    return False
