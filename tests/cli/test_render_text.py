"""The plan as the user reads it in the terminal."""

from __future__ import annotations

import re
from typing import Any

from iac_testing.plan_data import ACTIVITY, AUDITS, OPERATIONS, attrs

from iac.cli.render.text import render_text
from iac.genesys.live import LiveDestination
from iac.plan.model import Plan
from iac.plan.planner import plan
from iac.state.model import ResourceState, State


def one_of_each() -> Plan:
    """upd: update (rename), rep: replace (new suffix), gone: delete, new: create."""
    upd, rep, gone = (attrs(name=k, event_source_suffix=k) for k in ("upd", "rep", "gone"))
    return plan(
        {
            "upd": {**upd, "name": "upd v2"},
            "rep": {**rep, "event_source_suffix": "rep-v2"},
            "new": attrs(name="new", event_source_suffix="new"),
        },
        State(
            lineage="l",
            serial=1,
            target="sandbox",
            resources={
                "upd": ResourceState("i-upd", upd),
                "rep": ResourceState("i-rep", rep),
                "gone": ResourceState("i-gone", gone),
            },
        ),
        {
            "i-upd": LiveDestination("i-upd", upd, 1),
            "i-rep": LiveDestination("i-rep", rep, 1),
            "i-gone": LiveDestination("i-gone", gone, 1),
        },
    )


def single_update(
    before: dict[str, Any], after: dict[str, Any], recorded: dict[str, Any] | None = None
) -> str:
    st = State("l", 1, "sandbox", {"orders": ResourceState("i-1", recorded or before)})
    return render_text(plan({"orders": after}, st, {"i-1": LiveDestination("i-1", before, 1)}))


def line_matching(text: str, pattern: str) -> str:
    found = re.search(pattern, text, re.MULTILINE)
    assert found, f"no line matching {pattern!r} in:\n{text}"
    return found.group(0)


def test_tally_line_counts_replace_as_add_and_destroy() -> None:
    text = render_text(one_of_each())

    assert text.rstrip().splitlines()[-1] == "Plan: 2 to add, 1 to change, 2 to destroy."


def test_no_changes_message_without_tally() -> None:
    text = render_text(Plan(changes=()))

    assert "No changes." in text
    assert "Plan:" not in text


def test_resource_lines_carry_terraform_markers() -> None:
    lines = render_text(one_of_each()).splitlines()

    assert '  + destination "new" {' in lines
    assert '  ~ destination "upd" {' in lines
    assert '-/+ destination "rep" {' in lines
    assert '  - destination "gone" {' in lines


def test_changed_scalar_shows_old_and_new_value() -> None:
    text = single_update(attrs(), attrs(name="Orders v2"))

    line = line_matching(text, r"^\s*~ name\s*=.*$")
    assert line.endswith('"Orders" -> "Orders v2"')
    assert "forces replacement" not in line


def test_identity_change_is_marked_as_forcing_replacement() -> None:
    text = single_update(attrs(), attrs(event_source_suffix="orders-v2"))

    line = line_matching(text, r"^\s*~ event_source_suffix\s*=.*$")
    assert '"orders" -> "orders-v2"' in line
    assert line.endswith("# forces replacement")


def test_topic_list_diff_shows_added_and_removed_items_only() -> None:
    text = single_update(attrs(), attrs(topic_filters=sorted([ACTIVITY, AUDITS])))

    assert re.search(rf'^\s*- "{re.escape(OPERATIONS)}",$', text, re.MULTILINE)
    assert re.search(rf'^\s*\+ "{re.escape(AUDITS)}",$', text, re.MULTILINE)
    # The topic kept on both sides is not listed as added or removed.
    assert not re.search(rf'^\s*[-+] "{re.escape(ACTIVITY)}"', text, re.MULTILINE)


def test_drift_section_when_changed_outside_iac() -> None:
    text = single_update(
        before=attrs(name="Renamed"), after=attrs(name="Renamed"), recorded=attrs(name="Orders")
    )

    assert "Objects have changed outside of iac" in text
    assert "destination.orders (id i-1) has changed" in text
    assert line_matching(text, r"^\s*~ name\s*=.*$").endswith('"Orders" -> "Renamed"')
    assert "No changes." in text


def test_drift_section_names_an_integration_deleted_outside_iac() -> None:
    st = State("l", 1, "sandbox", {"orders": ResourceState("i-1", attrs())})
    text = render_text(plan({"orders": attrs()}, st, {}))

    assert "Objects have changed outside of iac" in text
    assert "destination.orders (id i-1) has been deleted" in text
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in text


def test_no_drift_section_when_nothing_drifted() -> None:
    assert "outside of iac" not in render_text(one_of_each())
