"""What every rendering of a plan says about how it was asked for, in Terraform's words: a
destroy or refresh-only plan, resource targeting ("the plan may be incomplete"), keys moved
in state. Plain strings, shared by the text and Markdown plans and the apply report.
"""

from __future__ import annotations

from collections.abc import Callable

from iac.plan.model import Change, Plan, PlanMode


def _addresses(keys: tuple[str, ...]) -> str:
    return ", ".join(f"destination.{k}" for k in keys)


def plan_kind(plan: Plan) -> str:
    """``the plan``, ``the destroy plan``, ``the plan limited to destination.a (--target)``."""
    kind = {
        PlanMode.NORMAL: "the plan",
        PlanMode.DESTROY: "the destroy plan",
        PlanMode.REFRESH_ONLY: "the refresh-only plan",
    }[plan.mode]
    if plan.partial:
        kind += f" limited to {_addresses(plan.targets)} (--target)"
    return kind


def targeting_warning(plan: Plan) -> list[str]:
    """Terraform's warning for a plan made with -target; nothing for a whole plan."""
    if not plan.partial:
        return []
    return [
        "Warning: Resource targeting is in effect",
        "",
        f"You are creating a plan with --target ({_addresses(plan.targets)}), which means "
        "that the result of this plan may not represent all of the changes requested by the "
        "current configuration: the plan may be incomplete.",
        "",
        "--target is not for routine use: it is for exceptional situations such as "
        "recovering from errors or mistakes.",
    ]


def applied_partially_warning(plan: Plan) -> list[str]:
    """After applying a targeted plan: other changes may still be pending."""
    if not plan.partial:
        return []
    return [
        "Warning: Applied changes may be incomplete",
        "",
        f"The plan was limited with --target ({_addresses(plan.targets)}), so changes the "
        "configuration asks for elsewhere were left out. Run iac plan to see whether any "
        "are pending.",
    ]


def refresh_only_note(plan: Plan) -> str:
    """Closing words of a refresh-only plan."""
    if not plan.drift:
        return (
            "No changes. Genesys Cloud still matches the state of the last apply: the refresh "
            "found no differences, so the state would not change."
        )
    return (
        "This is a refresh-only plan, so iac will not take any actions to undo these. If you "
        "were expecting these changes, accept them into the state without changing Genesys "
        f"with: iac apply --refresh-only ({len(plan.drift)} destination(s) would be updated "
        "in state)."
    )


def no_changes(plan: Plan) -> str:
    if plan.mode is PlanMode.DESTROY:
        return "No changes. No destinations need to be destroyed."
    return "No changes. Your Genesys Cloud destinations match the configuration."


def moved_headline(change: Change) -> str | None:
    """``# destination.old has moved to destination.new`` for a move that changes nothing
    else; a move that comes with a change says so under that change's own headline."""
    if not change.moves:
        return None
    return f"destination.{change.previous_key} has moved to destination.{change.key}"


def moved_note(change: Change) -> str | None:
    """``(moved from destination.old)``, under the headline of a change that moves too."""
    return f"(moved from destination.{change.previous_key})" if change.moves else None


def markdown_banner(plan: Plan, escape: Callable[[str], str]) -> str:
    """Blockquotes after a Markdown plan's verdict: the kind of plan, and targeting.
    ``escape`` makes text literal to Markdown (keys may hold ``_``)."""
    lines = []
    if plan.mode is PlanMode.DESTROY:
        lines.append("**Destroy plan:** applying it deletes the destinations below.")
    if plan.mode is PlanMode.REFRESH_ONLY:
        lines.append(f"**Refresh-only plan.** {escape(refresh_only_note(plan))}")
    if plan.partial:
        warning = targeting_warning(plan)
        lines.append(f"**{escape(warning[0])}.** {escape(warning[2])}")
    return "".join(f"\n\n> {line}" for line in lines)
