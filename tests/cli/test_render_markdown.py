"""``iac plan --format markdown``: a PR comment that renders safely and fits GitHub's limit.

The ``markdown`` package is not installed, so rendering is checked structurally: tables keep
their column count, HTML tags balance, and user values come out only as text.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from dataclasses import replace
from html.parser import HTMLParser

import pytest
from iac_testing.plan_samples import HOSTILE, full_plan, many_destinations, odd_values_plan

from iac.cli.render.markdown import render_markdown
from iac.plan.model import Action, AttributeChange, Change, GateKind, GateOutcome, GateResult, Plan

ALLOWED_TAGS = {"details", "summary", "code", "br", "b"}
NOTE = re.compile(
    r"^_Output truncated: (\d+) of (\d+) destination details omitted to stay under 65,000 "
    r"characters \(GitHub's comment limit\)\. Run `iac plan` locally or see the JSON plan "
    r"for everything\._$"
)


class _Html(HTMLParser):
    """Collects tags (checking they nest) and the decoded text of each <code>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.stack: list[str] = []
        self.code: list[str] = []
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        assert not attrs, f"<{tag}> with attributes"
        if tag == "br":
            return
        self.stack.append(tag)
        if tag == "code":
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack}"
        self.stack.pop()
        if tag == "code" and self._text is not None:
            self.code.append("".join(self._text))
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")


def code_spans(line: str) -> list[str]:
    """Contents of the backtick code spans of one line, as CommonMark reads them."""
    found = []
    for match in CODE_SPAN.finditer(line):
        content = match.group(2)
        if content.startswith(" ") and content.endswith(" ") and content.strip():
            content = content[1:-1]
        found.append(content)
    return found


def cells(row: str) -> list[str]:
    """A table row's cells as GFM splits them (including its unescaping of ``\\|``)."""
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", row)[1:-1]]


def without_code_spans(markdown: str) -> str:
    return "\n".join(CODE_SPAN.sub("CODE", line) for line in markdown.splitlines())


def parse_html(markdown: str) -> _Html:
    """Parses what a renderer would take as HTML: everything outside backtick code."""
    parser = _Html()
    parser.feed(without_code_spans(markdown))
    parser.close()
    assert not parser.stack, f"unclosed: {parser.stack}"
    return parser


def tables(markdown: str) -> list[list[str]]:
    found: list[list[str]] = []
    current: list[str] = []
    for line in [*markdown.splitlines(), ""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            found.append(current)
            current = []
    return found


def pipes(line: str) -> int:
    # GFM splits cells on "|" unless backslash-escaped.
    return len(re.findall(r"(?<!\\)\|", line))


def assert_sane(markdown: str) -> _Html:
    """What a renderer needs: well-formed tables, balanced tags, nothing but our own tags."""
    for table in tables(markdown):
        assert len(table) >= 2, table
        assert re.fullmatch(r"\|( --- \|)+", table[1]), table[1]
        for row in table:
            assert pipes(row) == pipes(table[0]), f"{row!r} vs header {table[0]!r}"
    html = parse_html(markdown)
    assert set(html.tags) <= ALLOWED_TAGS, set(html.tags) - ALLOWED_TAGS
    assert html.tags.count("details") == html.tags.count("summary")
    # <details> blocks need blank lines around their Markdown, or GitHub shows it raw.
    assert markdown.count("</summary>\n\n") == markdown.count("<details>")
    assert markdown.count("\n\n</details>") == markdown.count("<details>")
    return html


def summary_rows(markdown: str) -> list[str]:
    table = tables(markdown)[0]
    assert table[0] == "| Destination | Action | Gates | Notes |"
    return table[2:]


def test_heading_verdict_and_table() -> None:
    md = render_markdown(full_plan())
    lines = md.splitlines()
    assert lines[0] == "## iac plan"
    assert lines[2] == "**4 to add, 2 to change, 4 to destroy** · 1 blocked · drift detected"
    rows = summary_rows(md)
    # Every change but the no-op, in plan order.
    assert len(rows) == 9
    assert "`same`" not in "\n".join(rows)
    assert rows[0] == "| `drifted` | `~ update` | — |  |"
    assert rows[1] == "| `gone` | `- destroy` | — |  |"
    assert "`+ create` | 1 failed | **blocked**: policy allowed" in rows[2]
    assert "warning: integration i-stray" in rows[3] and "iac import new i-stray" in rows[3]
    assert rows[4].startswith("| `rep` (deposed `i-rep-old`) | ")
    assert "left behind by an earlier replace" in rows[4]
    assert rows[5].startswith("| `rep` | `-/+ replace` | 1 warning |")
    assert rows[7].startswith("| `upd` | `~ update` | 2 passed |")
    assert "deleted outside iac; creates it again" in rows[8]


def test_renders_sanely() -> None:
    assert_sane(render_markdown(full_plan()))
    assert_sane(render_markdown(odd_values_plan()))


def test_one_details_section_per_change() -> None:
    p = full_plan()
    md = render_markdown(p)
    shown = [c for c in p.changes if c.action is not Action.NOOP]
    assert md.count("<details>") == md.count("</details>") == len(shown)
    summaries = re.findall(r"<summary>(.*)</summary>", md)
    assert summaries[5] == "<code>-/+ replace</code> <code>rep</code> (id <code>i-rep</code>)"
    assert summaries[2].endswith("— <b>blocked</b>")


def details_of(md: str, key: str) -> str:
    found = re.search(
        rf"<details>\n<summary>[^\n]*<code>{key}</code> \(id[^\n]*\n(.*?)</details>", md, re.S
    )
    assert found, key
    return found.group(1)


def test_details_show_the_attribute_diff() -> None:
    md = render_markdown(full_plan())
    upd = details_of(md, "upd")
    assert '| `name` | `"upd"` | `"upd v2"` |' in upd
    # Lists show the items that go and come, as in the text plan.
    assert (
        '| `topic_filters` | `- "v2.operations.events.{id}"` | '
        '`+ "v2.audits.entitytype.{id}.entityid.{id}"` |'
    ) in upd
    assert "_5 unchanged attributes hidden._" in upd
    assert "| passed | connectivity | `tls` | reachable, HTTP 200 in 42 ms | 42 ms |" in (upd)
    taker = details_of(md, "taker")
    assert "`aws_region` **forces replacement**" in taker
    assert "Takes the AWS identity that <code>gone</code> frees; deletes the old" in taker
    assert "Runs after: <code>rep#deposed:i-rep-old</code>" in details_of(md, "rep")


def test_creates_and_deletes_list_every_attribute() -> None:
    md = render_markdown(full_plan())
    gone = details_of(md, "gone")
    assert '| `name` | `"gone"` |  |' in gone
    assert ('`"v2.operations.events.{id}"`<br>`"v2.users.{id}.activity"` |  |') in gone
    new = md.split("<code>+ create</code> <code>new</code></summary>")[1].split("</details>")[0]
    assert '| `aws_account_id` |  | `"210987654321"` |' in new
    assert "**Warning:**<br>integration i-stray" in new


def test_drift_unmanaged_and_run_gates_sections() -> None:
    md = render_markdown(full_plan())
    drift = md.split("### Changed outside iac")[1].split("###")[0]
    assert ("| `drifted` (id `i-drifted`) | `enabled` | `true` | `false` |") in drift
    assert "| `vanished` (id `i-vanished`) | **deleted in Genesys** |" in drift
    unmanaged = md.split("### In Genesys but not managed")[1].split("###")[0]
    assert '| `i-stray` | `"new"` | `"123456789012"` |' in unmanaged
    assert "`iac import KEY ID`" in unmanaged
    gates = md.split("### Gate results for the run and unchanged destinations")[1]
    assert "| run | passed | preflight | `permission` | token may write |  |" in gates
    # A gate of a destination without a change is not lost with its (absent) details.
    assert "| `same` | skipped | connectivity | `tls` |" in gates


def test_only_run_wide_gates_get_a_run_wide_title() -> None:
    gate = GateResult(GateKind.PREFLIGHT, None, "permission", GateOutcome.FAILED, "no")
    md = render_markdown(Plan(changes=(), gates=(gate,)))
    assert "### Run-wide gate results" in md
    assert "| run | **failed** | preflight | `permission` | no |  |" in md


def test_no_changes() -> None:
    md = render_markdown(Plan(changes=(Change("k", Action.NOOP, "i-1", {}, {}),)))
    assert md == "## iac plan\n\n**No changes.**\n"


def test_only_blocked_changes_is_no_changes() -> None:
    blocked = Change("k", Action.CREATE, None, None, {"name": "x"}, blocked_by=("rules x: no",))
    md = render_markdown(Plan(changes=(blocked,)))
    assert md.splitlines()[2] == "**No changes.** · 1 blocked"
    assert len(summary_rows(md)) == 1


def hostile_plan() -> Plan:
    change = Change(
        key="k|<i>",
        action=Action.UPDATE,
        id="i-1`",
        before={"name": "old"},
        after={"name": HOSTILE},
        attribute_changes=(),
        reason="line one\nline two | <img src=x onerror=alert(1)>",
        blocked_by=("policy x: <b>bold</b> | *star*",),
        warnings=("# not a heading", "1. not a list", "</details> escape attempt"),
    )
    gate = GateResult(
        GateKind.CONNECTIVITY, "k|<i>", "tls", GateOutcome.FAILED, "<script>x</script> | `y`"
    )
    return Plan(changes=(change,), gates=(gate,))


def test_hostile_values_are_escaped() -> None:
    p = hostile_plan()
    change = replace(p.changes[0], attribute_changes=(AttributeChange("name", "old", HOSTILE),))
    md = render_markdown(replace(p, changes=(change,)), title="PR #1 <script> | *x*")
    html = assert_sane(md)  # also: no tag but our own outside code
    outside = without_code_spans(md)
    for raw in ("<script", "<img", "<i>", "<b>bold", "</details> escape", "*star*", "*x*"):
        assert raw not in outside, raw
    # Escaped, not mangled: values read back exactly, from table code spans (after GFM's
    # cell splitting) and from the <code> of the <summary> line.
    table_code = [
        span
        for table in tables(md)
        for row in table
        for cell in cells(row)
        for span in code_spans(cell)
    ]
    assert json.dumps(HOSTILE, ensure_ascii=False) in table_code
    assert "k|<i>" in table_code
    assert "k|<i>" in html.code and "i-1`" in html.code
    assert md.splitlines()[0] == "## PR #1 &#60;script&#62; &#124; &#42;x&#42;"
    # A newline in a note must not end the table row, and the text survives escaping.
    (row,) = summary_rows(md)
    assert html_lib.unescape(cells(row)[3]) == (
        "**blocked**: policy x: <b>bold</b> | *star*<br>warning: # not a heading<br>"
        "warning: 1. not a list<br>warning: </details> escape attempt<br>"
        "line one<br>line two | <img src=x onerror=alert(1)>"
    )
    assert md.count("<details>") == md.count("</details>") == 1


def test_truncates_a_thousand_destinations_under_the_github_limit() -> None:
    p = many_destinations(1000)
    md = render_markdown(p)
    assert len(md) <= 65_000
    assert len(render_markdown(p, max_chars=10**9)) > 65_000  # the test means something
    # The whole table stays: every change is still listed.
    assert len(summary_rows(md)) == 1000
    note = md.rstrip("\n").splitlines()[-1]
    match = NOTE.match(note)
    assert match, note
    omitted, total = int(match.group(1)), int(match.group(2))
    assert total == 1000 and 0 < omitted < 1000
    # Dropped from the end: the first details survive, in order.
    kept = re.findall(r"<summary><code>\+ create</code> <code>([^<]*)</code>", md)
    assert kept == [f"destination-{i:04d}" for i in range(1000 - omitted)]
    assert md.count("<details>") == md.count("</details>") == 1000 - omitted
    assert_sane(md)


def test_truncation_keeps_as_many_details_as_fit() -> None:
    p = many_destinations(1000)
    md = render_markdown(p)
    omitted = int(NOTE.match(md.rstrip().splitlines()[-1]).group(1))  # type: ignore[union-attr]
    # One more detail section would not have fitted.
    untruncated = render_markdown(p, max_chars=10**9)
    sections = untruncated.split("\n\n<details>")
    assert len(md) + len(sections[1000 - omitted + 1]) + len("\n\n<details>") > 65_000


@pytest.mark.parametrize("max_chars", [40, 300, 1_000, 3_000, 10_000, 30_000, 120_000])
def test_never_exceeds_max_chars(max_chars: int) -> None:
    md = render_markdown(many_destinations(1000), max_chars=max_chars)
    assert len(md) <= max_chars
    if max_chars >= 1_000:
        assert_sane(md)
        assert f"to stay under {max_chars:,} characters. Run" in md


def test_table_rows_are_truncated_when_even_the_table_is_too_long() -> None:
    md = render_markdown(many_destinations(1000), max_chars=5_000)
    assert len(md) <= 5_000
    rows = summary_rows(md)
    assert 0 < len(rows) < 1000
    assert "<details>" not in md
    assert (
        f"_Output truncated: 1000 of 1000 destination details, {1000 - len(rows)} of 1000 "
        "summary rows omitted to stay under 5,000 characters."
    ) in md
    assert_sane(md)


def test_other_sections_are_dropped_before_table_rows() -> None:
    p = full_plan()
    full = render_markdown(p, max_chars=10**9)
    head_and_table = full.split("\n\n<details>")[0]
    md = render_markdown(p, max_chars=len(head_and_table) + 400)
    assert summary_rows(md) == summary_rows(full)
    assert "<details>" not in md
    assert "other section(s) omitted" in md
    assert_sane(md)


def test_fits_exactly_without_truncation() -> None:
    full = render_markdown(full_plan())
    assert render_markdown(full_plan(), max_chars=len(full)) == full
    assert "Output truncated" in render_markdown(full_plan(), max_chars=len(full) - 1)
