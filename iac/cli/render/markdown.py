"""The plan as Markdown for a pull-request comment (GitHub or GitLab).

Layout: heading, one-line verdict, a summary table, one collapsed ``<details>`` per change,
then drift, unmanaged integrations and gate results not tied to a change. User values (names,
notes, Genesys messages) can hold ``|``, ``<``, ``*`` or backticks: in table cells they go in
backtick code with ``|`` escaped; free text and the raw-HTML ``<summary>`` line get numeric
entities (backslash escapes do not work in raw HTML). Output never exceeds ``max_chars``:
detail sections are dropped first, from the end.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from iac.cli.render.fitting import DEFAULT_MAX_CHARS, fit
from iac.cli.render.notes import markdown_banner, moved_headline
from iac.plan.model import (
    Action,
    AttributeChange,
    Change,
    Drift,
    GateOutcome,
    GateResult,
    Plan,
    Unmanaged,
)

_MARKER = {
    Action.CREATE: "+ create",
    Action.UPDATE: "~ update",
    Action.REPLACE: "-/+ replace",
    Action.DELETE: "- destroy",
    Action.NOOP: "moved",  # only moves are shown without a change
}
_OUTCOME_ORDER = (GateOutcome.PASSED, GateOutcome.FAILED, GateOutcome.WARNING, GateOutcome.SKIPPED)
# Characters Markdown (GFM, GitHub math) or HTML would interpret inline. Quotes and "!" are
# safe: no user value goes into an HTML attribute, and "[" is escaped. Entities work in every
# context we emit; backslash escapes do not work inside raw HTML such as <summary>.
_ESCAPES = {c: f"&#{ord(c)};" for c in "&<>\\`*_[]|~$"}
_ESCAPES.update({"\n": "<br>", "\r": "<br>"})
_UNMANAGED_COLUMNS = ("name", "aws_account_id", "aws_region", "event_source_suffix")


def render_markdown(
    plan: Plan,
    *,
    title: str = "iac plan",
    max_chars: int = DEFAULT_MAX_CHARS,
    drift_only: bool = False,
    extra_sections: Sequence[str] = (),
) -> str:
    """Markdown for a PR comment, at most ``max_chars`` characters (code points).
    ``drift_only``: an ``iac drift`` report (no plan); ``extra_sections`` go last."""
    shown = [c for c in plan.every_change if c.action is not Action.NOOP or c.moves]
    gates_by_key: dict[str | None, list[GateResult]] = {}
    for gate in plan.gates:
        gates_by_key.setdefault(gate.key, []).append(gate)
    head = f"## {_esc(title)}\n\n{_drift_verdict(plan) if drift_only else _verdict(plan)}"
    head += markdown_banner(plan, _esc)
    header = ["| Destination | Action | Gates | Notes |", "| --- | --- | --- | --- |"]
    rows = [_summary_row(c, gates_by_key.get(c.key, [])) for c in shown]
    details = [_details(c, gates_by_key.get(c.key, [])) for c in shown]
    shown_keys = {c.key for c in shown}
    other_gates = [g for g in plan.gates if g.key not in shown_keys]
    extras = [
        section
        for section in (
            _drift_section(plan.drift, drift_only),
            _unmanaged_section(plan.unmanaged),
            _gates_section(other_gates),
            *extra_sections,
        )
        if section
    ]
    return fit(head, header, rows, details, extras, max_chars)


def _verdict(plan: Plan) -> str:
    if plan.has_changes:
        t = plan.tally
        parts = [f"**{t.add} to add, {t.change} to change, {t.destroy} to destroy**"]
    else:
        parts = ["**No changes.**"]
    if plan.blocked:
        parts.append(f"{len(plan.blocked)} blocked")
    if plan.drift:
        parts.append("drift detected")
    return " · ".join(parts)


def _drift_verdict(plan: Plan) -> str:
    if not (plan.drift or plan.unmanaged):
        return "**No drift.**"
    changed = sum(not d.deleted for d in plan.drift)
    deleted = len(plan.drift) - changed
    return (
        f"**Drift detected:** {changed} changed, {deleted} deleted outside iac, "
        f"{len(plan.unmanaged)} not managed"
    )


def _summary_row(change: Change, gates: Sequence[GateResult]) -> str:
    notes = []
    if change.blocked_by:
        notes.append("**blocked**: " + "; ".join(_esc(b) for b in change.blocked_by))
    notes += [f"warning: {_esc(w)}" for w in change.warnings]
    if change.moves:
        notes.append(f"moved from {_code(f'destination.{change.previous_key}')}")
    if change.reason:
        notes.append(_esc(change.reason))
    cells = [_destination(change), _code(_MARKER[change.action]), _gate_tally(gates)]
    return _row([*cells, "<br>".join(notes)])


def _destination(change: Change, *, html: bool = False) -> str:
    code = _html_code if html else _code
    name = code(change.resource)
    return f"{name} (deposed {code(change.id or '')})" if change.deposed else name


def _gate_tally(gates: Sequence[GateResult]) -> str:
    if not gates:
        return "—"
    parts = []
    for outcome in _OUTCOME_ORDER:
        n = sum(1 for g in gates if g.outcome is outcome)
        if n:
            word = "warnings" if outcome is GateOutcome.WARNING and n > 1 else outcome.value
            parts.append(f"{n} {word}")
    return ", ".join(parts)


def _details(change: Change, gates: Sequence[GateResult]) -> str:
    # <summary> is raw HTML to Markdown: backtick code would show as backticks there.
    summary = f"{_html_code(_MARKER[change.action])} {_destination(change, html=True)}"
    if change.id and not change.deposed:
        summary += f" (id {_html_code(change.id)})"
    if change.blocked_by:
        summary += " — <b>blocked</b>"
    # Blank lines after <summary> and before </details>: without them GitHub treats the
    # Markdown in between as raw HTML and does not render the tables.
    blocks = [f"<details>\n<summary>{summary}</summary>"]
    if change.moves:
        blocks.append(_esc(moved_headline(change) or ""))
    if change.reason:
        blocks.append(f"Reason: {_esc(change.reason)}")
    if change.blocked_by:
        blocks.append(_labelled("**Blocked by:**", change.blocked_by))
    if change.warnings:
        blocks.append(_labelled("**Warning:**", change.warnings))
    if change.depends_on:
        blocks.append("Runs after: " + ", ".join(_html_code(d) for d in change.depends_on))
    if change.waits_for_identity:
        first = "; deletes the old integration first" if change.destroy_before_create else ""
        blocks.append(
            f"Takes the AWS identity that {_html_code(change.waits_for_identity)} frees{first}."
        )
    blocks += _attribute_blocks(change)
    if gates:
        blocks.append(_gate_table(gates, with_scope=False))
    blocks.append("</details>")
    return "\n\n".join(blocks)


def _labelled(label: str, items: Sequence[str]) -> str:
    # <br> rather than a Markdown list: text that starts a list item ("# x", "1. x")
    # would be read as a heading or a nested list.
    return label + "<br>" + "<br>".join(_esc(i) for i in items)


def _attribute_blocks(change: Change) -> list[str]:
    header = ["| Attribute | Before | After |", "| --- | --- | --- |"]
    if change.action is Action.CREATE:
        rows = [
            _row([_code(n), "", _value(v)])
            for n, v in (change.after or {}).items()
            if v is not None
        ]
        return ["\n".join(header + rows)] if rows else []
    if change.action is Action.DELETE:
        rows = [
            _row([_code(n), _value(v), ""])
            for n, v in (change.before or {}).items()
            if v is not None
        ]
        return ["\n".join(header + rows)] if rows else []
    blocks = []
    if change.attribute_changes:
        blocks.append("\n".join(header + [_change_row(a) for a in change.attribute_changes]))
    unchanged = len(change.after or {}) - len(change.attribute_changes)
    if unchanged > 0:
        blocks.append(f"_{unchanged} unchanged attributes hidden._")
    return blocks


def _change_row(a: AttributeChange, first: str | None = None) -> str:
    name = _code(a.name) + (" **forces replacement**" if a.forces_replacement else "")
    if isinstance(a.before, list) and isinstance(a.after, list):
        # Like the text plan: only the items that go and come, not both whole lists.
        removed = [_code(f"- {_fmt(v)}") for v in a.before if v not in a.after]
        added = [_code(f"+ {_fmt(v)}") for v in a.after if v not in a.before]
        before, after = "<br>".join(removed), "<br>".join(added)
    else:
        before, after = _value(a.before), _value(a.after)
    return _row([*([first] if first is not None else []), name, before, after])


def _drift_section(drift: Sequence[Drift], drift_only: bool = False) -> str:
    if not drift:
        return ""
    rows = []
    for d in drift:
        where = f"{_code(d.address.removeprefix('destination.'))} (id {_code(d.id)})"
        if d.deleted:
            gone = "**deleted in its AWS account**" if d.bus else "**deleted in Genesys**"
            rows.append(_row([where, gone, "", ""]))
        rows += [_change_row(a, first=where) for a in d.attribute_changes]
    return "\n".join(
        [
            "### Changed outside iac",
            "",
            "These managed destinations changed in Genesys since iac last applied them"
            + ("." if drift_only else "; the plan above is measured against Genesys as it is now."),
            "",
            "| Destination | Attribute | Last applied | In Genesys now |",
            "| --- | --- | --- | --- |",
            *rows,
        ]
    )


def _unmanaged_section(unmanaged: Sequence[Unmanaged]) -> str:
    if not unmanaged:
        return ""
    header = ["ID", "Name", "AWS account", "Region", "Event source suffix"]
    rows = [
        _row([_code(u.id), *(_value(u.attributes.get(c)) for c in _UNMANAGED_COLUMNS)])
        for u in unmanaged
    ]
    return "\n".join(
        [
            "### In Genesys but not managed",
            "",
            f"{len(unmanaged)} EventBridge integration(s) in the org that no configuration "
            "manages. Adopt one with `iac import KEY ID`, or write YAML for it with "
            "`iac export`.",
            "",
            _row(header),
            _row(["---"] * len(header)),
            *rows,
        ]
    )


def _gates_section(gates: Sequence[GateResult]) -> str:
    if not gates:
        return ""
    title = (
        "### Run-wide gate results"
        if all(g.key is None for g in gates)
        else "### Gate results for the run and unchanged destinations"
    )
    return f"{title}\n\n{_gate_table(gates, with_scope=True)}"


def _gate_table(gates: Sequence[GateResult], *, with_scope: bool) -> str:
    header = ["Outcome", "Kind", "Check", "Message", "Latency"]
    if with_scope:
        header.insert(0, "Scope")
    lines = [_row(header), _row(["---"] * len(header))]
    for g in gates:
        outcome = f"**{g.outcome.value}**" if g.failed else g.outcome.value
        latency = g.details.get("latency_ms")
        # bool is an int; a flag is not a latency.
        timing = (
            f"{latency:.0f} ms"
            if isinstance(latency, (int, float)) and not isinstance(latency, bool)
            else ""
        )
        cells = [outcome, g.kind.value, _code(g.check), _esc(g.message), timing]
        if with_scope:
            cells.insert(0, "run" if g.key is None else _code(g.key))
        lines.append(_row(cells))
    return "\n".join(lines)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _value(value: Any) -> str:
    if isinstance(value, list) and value:
        # One item a line, so long topic lists stay readable in a narrow column.
        return "<br>".join(_code(_fmt(v)) for v in value)
    return _code(_fmt(value))


def _fmt(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _code(text: str) -> str:
    """Inline code for a table cell: literal to Markdown and HTML, and short (a 1,000-row
    summary table must fit in a comment)."""
    # A newline would end the table row; "\|" keeps a pipe from splitting the cell (GFM
    # unescapes it even inside code).
    text = re.sub(r"[\r\n]+", " ", text).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    # CommonMark strips one space from each end, so padding lets a value start with "`".
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _html_code(text: str) -> str:
    # Raw-HTML contexts (<summary>) and paragraphs: entities are decoded inside <code>, and
    # GitHub does not turn @mentions or #refs inside code into links.
    return f"<code>{_esc(text)}</code>"


def _esc(text: str) -> str:
    text = text.replace("\r\n", "\n")
    return "".join(_ESCAPES.get(ch, ch) for ch in text)
