"""How plans say how they were asked for: moves, targeting, forced replacements, and the
destroy and refresh-only modes, in text and Markdown."""

from __future__ import annotations

from iac_testing.plan_samples import moved_targeted_plan

from iac.cli.render.markdown import render_markdown
from iac.cli.render.text import render_text
from iac.plan.model import AttributeChange, Drift, Plan, PlanMode


def test_text_shows_moves_as_terraform_does_and_warns_that_the_plan_is_partial() -> None:
    text = render_text(moved_targeted_plan())
    assert (
        "  # destination.old has moved to destination.renamed\n"
        '    destination "renamed" {\n'
        '        id                  = "i-old"\n'
        "        # (7 unchanged attributes hidden)\n"
        "    }\n"
    ) in text
    assert (
        "  # destination.updated will be updated in-place\n  # (moved from destination.kept)\n"
    ) in text
    assert "  # destination.forced must be replaced\n  # (replaced as requested with --replace" in (
        text
    )
    assert "destination.other" not in text  # not targeted
    _, _, warning = text.partition("Plan: 1 to add, 1 to change, 1 to destroy.\n")
    assert warning.startswith("\nWarning: Resource targeting is in effect\n")
    assert "--target (destination.forced, destination.renamed, destination.updated)" in warning
    assert "the plan may be incomplete" in warning


def test_markdown_lists_moves_and_carries_the_targeting_warning() -> None:
    markdown = render_markdown(moved_targeted_plan())
    assert "| `renamed` | `moved` | — | moved from `destination.old` |" in markdown
    assert "moved from `destination.kept`" in markdown
    assert "> **Warning: Resource targeting is in effect.** You are creating a plan with" in (
        markdown
    )


def test_a_destroy_plan_with_nothing_to_destroy_says_so() -> None:
    empty = Plan(changes=(), mode=PlanMode.DESTROY)
    assert render_text(empty).endswith("No changes. No destinations need to be destroyed.\n")
    assert "> **Destroy plan:**" in render_markdown(empty)


def test_a_refresh_only_plan_explains_what_applying_it_would_do() -> None:
    drifted = Plan(
        changes=(),
        drift=(
            Drift(
                "a", "i-a", deleted=False, attribute_changes=(AttributeChange("name", "A", "B"),)
            ),
        ),
        mode=PlanMode.REFRESH_ONLY,
    )
    text = render_text(drifted)
    assert '# destination.a (id i-a) has changed\n      ~ name = "A" -> "B"' in text
    assert text.endswith(
        "This is a refresh-only plan, so iac will not take any actions to undo these. If you "
        "were expecting these changes, accept them into the state without changing Genesys "
        "with: iac apply --refresh-only (1 destination(s) would be updated in state).\n"
    )
    assert "iac will perform" not in text
    quiet = render_text(Plan(changes=(), mode=PlanMode.REFRESH_ONLY))
    assert quiet.startswith("No changes. Genesys Cloud still matches the state of the last apply")
