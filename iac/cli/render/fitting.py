"""Keeping a Markdown plan within a size (a pull-request comment's limit): detail sections
are dropped first, from the end, then the other sections, then summary rows; a note says
what was left out."""

from __future__ import annotations

from collections.abc import Sequence

# GitHub rejects comments over 65,536 characters; leave room for a bot's own wrapper.
DEFAULT_MAX_CHARS = 65_000


def fit(
    head: str,
    header: list[str],
    rows: list[str],
    details: list[str],
    extras: list[str],
    max_chars: int,
) -> str:
    def join(blocks: Sequence[str]) -> str:
        return "\n\n".join(blocks) + "\n"

    def table(n: int) -> list[str]:
        return ["\n".join(header + rows[:n])] if rows else []

    def note(details_kept: int, rows_kept: int, extras_kept: int) -> str:
        return _note(
            len(details) - details_kept,
            len(details),
            len(rows) - rows_kept,
            len(rows),
            len(extras) - extras_kept,
            max_chars,
        )

    full = join([head, *table(len(rows)), *details, *extras])
    if len(full) <= max_chars:
        return full
    # 1. Drop details from the end: the table still lists every change.
    fixed = [head, *table(len(rows))]
    budget = max_chars - len(join([*fixed, *extras, note(0, len(rows), len(extras))]))
    kept = 0
    while kept < len(details) and budget >= len(details[kept]) + 2:
        budget -= len(details[kept]) + 2
        kept += 1
    # The note's counts (so its length) change with ``kept``: step back until it fits.
    for k in range(kept, -1, -1):
        text = join([*fixed, *details[:k], *extras, note(k, len(rows), len(extras))])
        if len(text) <= max_chars:
            return text
    # 2. Then the drift, unmanaged and gate sections, from the end.
    for e in range(len(extras) - 1, -1, -1):
        text = join([*fixed, *extras[:e], note(0, len(rows), e)])
        if len(text) <= max_chars:
            return text
    # 3. Then summary rows, from the end.
    for n in range(len(rows) - 1, -1, -1):
        text = join([head, *table(n), note(0, n, 0)])
        if len(text) <= max_chars:
            return text
    # Only an absurdly small max_chars gets here; the limit is still a hard one.
    return join([head, note(0, 0, 0)])[:max_chars]


def _note(
    details_omitted: int,
    details_total: int,
    rows_omitted: int,
    rows_total: int,
    sections_omitted: int,
    max_chars: int,
) -> str:
    omitted = []
    if details_omitted:
        omitted.append(f"{details_omitted} of {details_total} destination details")
    if rows_omitted:
        omitted.append(f"{rows_omitted} of {rows_total} summary rows")
    if sections_omitted:
        omitted.append(f"{sections_omitted} other section(s)")
    limit = f"{max_chars:,} characters"
    if max_chars == DEFAULT_MAX_CHARS:
        limit += " (GitHub's comment limit)"
    return (
        f"_Output truncated: {', '.join(omitted)} omitted to stay under {limit}. "
        "Run `iac plan` locally or see the JSON plan for everything._"
    )
