"""``iac drift``'s report as text or Markdown: the drift and the unmanaged integrations, then
what another workspace manages and what the ignore file hides, which are not drift."""

from __future__ import annotations

from iac.cli.render.markdown import _code, _esc, _row, render_markdown
from iac.cli.render.text import describe_integration, render_drift_text
from iac.run.outcomes import DriftOutcome


def drift_text(outcome: DriftOutcome) -> str:
    text = render_drift_text(outcome.report)
    lines = []
    if outcome.elsewhere:
        lines += ["Integrations another workspace of this backend manages (not drift here):", ""]
        lines += [
            f"  # {describe_integration(e.integration)}\n"
            f"  #   managed by workspace {e.workspace} as destination.{e.key}"
            for e in outcome.elsewhere
        ]
        lines.append("")
    notes = _notes(outcome)
    if notes:
        lines.append(f"({'; '.join(notes)}.)")
    return text + ("\n" + "\n".join(lines) + "\n" if lines else "")


def drift_markdown(outcome: DriftOutcome, title: str) -> str:
    sections = []
    if outcome.elsewhere:
        rows = [
            _row(
                [
                    _code(e.integration.id),
                    _code(str(e.integration.attributes.get("name"))),
                    _code(e.workspace),
                    _code(e.key),
                ]
            )
            for e in outcome.elsewhere
        ]
        sections.append(
            "\n".join(
                [
                    "### Managed by another workspace",
                    "",
                    "Not drift for this workspace: another workspace of the same backend "
                    "manages these.",
                    "",
                    _row(["ID", "Name", "Workspace", "Destination"]),
                    _row(["---"] * 4),
                    *rows,
                ]
            )
        )
    notes = _notes(outcome, elsewhere=False)
    if notes:
        sections.append(_esc(f"({'; '.join(notes)}.)"))
    return render_markdown(outcome.report, title=title, drift_only=True, extra_sections=sections)


def _notes(outcome: DriftOutcome, *, elsewhere: bool = True) -> list[str]:
    notes = []
    if outcome.only_managed:
        notes.append("--only-managed: integrations no configuration manages were not looked at")
    if elsewhere and outcome.elsewhere:
        notes.append(f"{len(outcome.elsewhere)} managed by another workspace")
    if outcome.ignored:
        notes.append(f"{len(outcome.ignored)} unmanaged ignored by {outcome.ignore_file}")
    return notes
