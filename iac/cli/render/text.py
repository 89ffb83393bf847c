"""The plan as text, in Terraform's manner: markers, old -> new, and a one-line tally."""

from __future__ import annotations

import json
from typing import Any

import click

from iac.cli.render import notes
from iac.plan.model import (
    Action,
    AttributeChange,
    Change,
    Drift,
    GateOutcome,
    GateResult,
    Plan,
    PlanMode,
    Unmanaged,
)

_MARKER = {
    Action.CREATE: "  +",
    Action.UPDATE: "  ~",
    Action.REPLACE: "-/+",
    Action.DELETE: "  -",
    Action.NOOP: "   ",  # only a move is shown without a change: no marker, as Terraform
}
_HEADLINE = {
    Action.CREATE: "will be created",
    Action.UPDATE: "will be updated in-place",
    Action.REPLACE: "must be replaced",
    Action.DELETE: "will be destroyed",
}


_GATE_MARK = {
    GateOutcome.PASSED: "pass",
    GateOutcome.FAILED: "FAIL",
    GateOutcome.WARNING: "warn",
    GateOutcome.SKIPPED: "skip",
}


_COLOURS = {
    "  +": "green",
    "  ~": "yellow",
    "-/+": "magenta",
    "  -": "red",
    "pass": "green",
    "FAIL": "red",
    "warn": "yellow",
    "skip": "bright_black",
}


def _paint(text: str, color: bool) -> str:
    """ANSI colour for markers; click.echo strips it again when output is not a terminal."""
    if not color or text not in _COLOURS:
        return text
    return click.style(text, fg=_COLOURS[text], bold=text == "FAIL")


def render_text(plan: Plan, *, color: bool = False) -> str:
    lines: list[str] = []
    if plan.drift:
        lines += _render_drift(plan.drift)
    if plan.unmanaged:
        lines += _render_unmanaged(plan.unmanaged)
    if plan.gates:
        lines += _render_gates(plan.gates, color)
    if plan.blocked:
        lines += ["The following changes are blocked by failed gates and will not be applied:", ""]
        for change in plan.blocked:
            lines += _render_change(change, color)
            lines.append("")
    if plan.mode is PlanMode.REFRESH_ONLY:
        return "\n".join([*lines, notes.refresh_only_note(plan)]) + "\n"
    if not plan.has_changes:
        lines.append("No changes will be applied." if plan.blocked else notes.no_changes(plan))
        return "\n".join(_warned(lines, plan)) + "\n"
    lines += ["iac will perform the following actions:", ""]
    for change in plan.reviewable:
        lines += _render_change(change, color)
        lines.append("")
    t = plan.tally
    tally = f"Plan: {t.add} to add, {t.change} to change, {t.destroy} to destroy."
    if plan.blocked:
        tally += f" {len(plan.blocked)} blocked."
    lines.append(tally)
    return "\n".join(_warned(lines, plan)) + "\n"


def _warned(lines: list[str], plan: Plan) -> list[str]:
    warning = notes.targeting_warning(plan)
    return [*lines, "", *warning] if warning else lines


def render_drift_text(plan: Plan) -> str:
    """``iac drift``: only what changed outside iac, and what iac does not manage."""
    lines: list[str] = []
    if plan.drift:
        lines += _render_drift(plan.drift)
    if plan.unmanaged:
        lines += _render_unmanaged(plan.unmanaged)
    if not lines:
        return "No drift. Genesys Cloud matches the state of the last apply.\n"
    changed = sum(not d.deleted for d in plan.drift)
    deleted = sum(d.deleted for d in plan.drift)
    lines.append(
        f"Drift: {changed} changed, {deleted} deleted outside iac, "
        f"{len(plan.unmanaged)} not managed."
    )
    return "\n".join(lines) + "\n"


def _render_unmanaged(unmanaged: tuple[Unmanaged, ...]) -> list[str]:
    lines = ["Integrations in Genesys Cloud that no configuration manages:", ""]
    lines += [f"  # {describe_integration(u)}" for u in unmanaged]
    lines += [
        "",
        "  (adopt one with: iac import KEY ID, or write YAML for it with: iac export)",
        "",
    ]
    return lines


def describe_integration(u: Unmanaged) -> str:
    """``<id> "<name>": account A, region, suffix "S"``; one without configuration says so."""
    a = u.attributes
    name = f"{u.id} {_fmt(a.get('name'))}"
    if not any(a.get(k) for k in ("aws_account_id", "aws_region", "event_source_suffix")):
        return f"{name}: no configuration yet (no AWS account, region or suffix)"
    account, region, suffix = (
        a.get("aws_account_id") or "(none)",
        a.get("aws_region") or "(no region)",
        _fmt(a.get("event_source_suffix") or "(none)"),
    )
    return f"{name}: account {account}, {region}, suffix {suffix}"


def _render_gates(gates: tuple[GateResult, ...], color: bool = False) -> list[str]:
    lines = ["Gate results:"]
    groups: dict[str | None, list[GateResult]] = {}
    for gate in gates:
        groups.setdefault(gate.key, []).append(gate)
    width = max(len(g.kind.value) for g in gates)
    for key in sorted(groups, key=lambda k: (k is not None, k or "")):
        lines.append(f"  {'(run)' if key is None else f'destination.{key}'}")
        for gate in groups[key]:
            latency = gate.details.get("latency_ms")
            timing = f" [{latency:.0f} ms]" if isinstance(latency, (int, float)) else ""
            lines.append(
                f"    {_paint(_GATE_MARK[gate.outcome], color)}  {gate.kind.value:<{width}}  "
                f"{gate.check}: {gate.message}{timing}"
            )
    lines.append("")
    return lines


def _address(change: Change | Drift) -> str:
    return change.address


def _render_change(change: Change, color: bool = False) -> list[str]:
    moved = notes.moved_headline(change)
    if change.action is Action.NOOP and moved:
        lines = [f"  # {moved}"]
    else:
        headline = _HEADLINE[change.action]
        if change.deposed:
            headline = f"(deposed object {change.id}) {headline}"
        lines = [f"  # {_address(change)} {headline}"]
        if moved:
            lines.append(f"  # {notes.moved_note(change)}")
    if change.reason:
        lines.append(f"  # ({change.reason})")
    for reason in change.blocked_by:
        lines.append(f"  # BLOCKED by {reason}")
    for warning in change.warnings:
        lines.append(f"  # Warning: {warning}")
    if change.depends_on:
        lines.append(f"  # (after {', '.join(change.depends_on)})")
    if change.waits_for_identity:
        order = "; destroys the old one first" if change.destroy_before_create else ""
        lines.append(
            f"  # (takes the AWS identity destination.{change.waits_for_identity} frees{order})"
        )
    kind = "aws_event_bus" if change.bus else "destination"
    lines.append(f'{_paint(_MARKER[change.action], color)} {kind} "{change.key}" {{')
    if change.id and change.action is not Action.CREATE:
        lines.append(f"        {'id':<{_width(change)}} = {_fmt(change.id)}")
    if change.action is Action.CREATE:
        assert change.after is not None
        lines += _all_attributes("+", change.after, _width(change))
    elif change.action is Action.DELETE:
        lines += _all_attributes("-", change.before or {}, _width(change))
    else:
        lines += _changed_attributes(change.attribute_changes, _width(change))
        unchanged = len(change.after or {}) - len(change.attribute_changes)
        if unchanged:
            lines.append(f"        # ({unchanged} unchanged attributes hidden)")
    lines.append("    }")
    return lines


def _render_drift(drift: tuple[Drift, ...]) -> list[str]:
    lines = [
        "Note: Objects have changed outside of iac",
        "",
        "iac detected the following changes made outside of iac since the last apply:",
        "",
    ]
    for d in drift:
        if d.deleted:
            lines.append(f"  # {_address(d)} (id {d.id}) has been deleted")
        else:
            lines.append(f"  # {_address(d)} (id {d.id}) has changed")
            width = max(len(a.name) for a in d.attribute_changes)
            lines += _changed_attributes(d.attribute_changes, width)
        lines.append("")
    return lines


def _width(change: Change) -> int:
    names = [*(change.after or change.before or {}), "id"]
    return max(len(n) for n in names)


def _all_attributes(marker: str, attributes: dict[str, Any], width: int) -> list[str]:
    lines = []
    for name, value in attributes.items():
        if value is None:
            continue
        if isinstance(value, list) and len(value) > 1:
            # One item a line, so a reviewer reads long topic lists without scrolling.
            lines.append(f"      {marker} {name:<{width}} = [")
            lines += [f"          {marker} {_fmt(v)}," for v in value]
            lines.append("        ]")
        else:
            lines.append(f"      {marker} {name:<{width}} = {_fmt(value)}")
    return lines


def _changed_attributes(changes: tuple[AttributeChange, ...], width: int) -> list[str]:
    lines = []
    for a in changes:
        note = " # forces replacement" if a.forces_replacement else ""
        if isinstance(a.before, list) and isinstance(a.after, list):
            lines.append(f"      ~ {a.name:<{width}} = [{note}")
            removed = [v for v in a.before if v not in a.after]
            added = [v for v in a.after if v not in a.before]
            lines += [f"          - {_fmt(v)}," for v in removed]
            lines += [f"          + {_fmt(v)}," for v in added]
            lines.append("        ]")
        elif a.before is None:
            lines.append(f"      + {a.name:<{width}} = {_fmt(a.after)}{note}")
        elif a.after is None:
            lines.append(f"      - {a.name:<{width}} = {_fmt(a.before)} -> null{note}")
        else:
            lines.append(f"      ~ {a.name:<{width}} = {_fmt(a.before)} -> {_fmt(a.after)}{note}")
    return lines


def _fmt(value: Any) -> str:
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)
