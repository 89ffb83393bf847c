"""What the CI examples post and how they read iac's exit codes: a long plan is cut at a line
boundary (GitHub's script, run with node; GitLab's glue), a stale plan is told by exit code 3,
and the files the README's commands write stay out of git."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from iac_testing.examples import EXAMPLES, ROOT

from iac.cli import cli

GITHUB = EXAMPLES / "ci" / "github"
GITLAB = EXAMPLES / "ci" / "gitlab"


def long_plan(rows: int = 600) -> str:
    """A Markdown plan far over 20,000 characters: a table, then collapsed details."""
    lines = ["## iac plan", "", "| Destination | Action |", "| --- | --- |"]
    lines += [f"| `destination-number-{n:04d}` | `+ create` |" for n in range(rows)]
    lines += ["", "<details><summary>destination-0000</summary>", "", "text " * 2000, "</details>"]
    return "\n".join(lines) + "\n"


def assert_cut_at_a_line(original: str, shown: str) -> None:
    before_note, _, note = shown.partition("\n\n_… truncated at a line boundary")
    assert note, "no truncation note"
    kept = before_note
    while kept.endswith("\n</details>") and not original.startswith(kept + "\n"):
        kept = kept.removesuffix("\n</details>")  # closing tags the cut added
    assert original.startswith(kept + "\n"), "cut inside a line"
    assert before_note.count("<details") == before_note.count("</details>")


PLANS = (long_plan(600), long_plan(300))  # cut in the table; cut inside an open <details>


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_the_pull_request_comment_cuts_a_long_plan_at_a_line(tmp_path: Path) -> None:
    workflow = yaml.safe_load((GITHUB / "iac-pr.yml").read_text())
    script = workflow["jobs"]["comment"]["steps"][-1]["with"]["script"]
    plans = {"dev": PLANS[0], "test": PLANS[1], "prod": PLANS[0]}
    for env, code in (("dev", "2"), ("test", "0"), ("prod", "2")):
        (tmp_path / "plans" / f"plan-{env}").mkdir(parents=True)
        (tmp_path / "plans" / f"plan-{env}" / "exitcode").write_text(code + "\n")
        (tmp_path / "plans" / f"plan-{env}" / "plan.md").write_text(plans[env])
    harness = f"""
const context = {{
  serverUrl: 'https://github.example', runId: 42, repo: {{ owner: 'o', repo: 'r' }},
  payload: {{ pull_request: {{ number: 7, head: {{ sha: 'abcdef1234567' }} }} }},
}};
const github = {{
  paginate: async () => [],
  rest: {{ issues: {{
    listComments: null,
    createComment: async (args) => {{ console.log(JSON.stringify(args.body)); }},
    updateComment: async () => {{ throw new Error('no comment to update'); }},
  }} }},
}};
(async () => {{
{script}
}})().catch((err) => {{ console.error(err); process.exit(1); }});
"""
    (tmp_path / "harness.js").write_text(harness)
    done = subprocess.run(
        ["node", "harness.js"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    sections = body.split("<summary><b>")[1:]
    assert len(sections) == 3
    for env, section in zip(("dev", "test", "prod"), sections, strict=True):
        shown = section.split("</summary>\n\n", 1)[1].rsplit("\n</details>\n", 1)[0]
        assert_cut_at_a_line(plans[env], shown)
    assert len(body) < 65536


def test_the_merge_request_note_cuts_a_long_plan_at_a_line() -> None:
    spec = importlib.util.spec_from_file_location("iac_gitlab", GITLAB / "iac_gitlab.py")
    assert spec is not None and spec.loader is not None
    glue = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(glue)
    for plan in PLANS:
        assert_cut_at_a_line(plan, glue.truncate(plan, 20_000, "https://ci/p/1"))


def test_apply_jobs_tell_a_stale_plan_by_its_exit_code_not_by_grep() -> None:
    for path in (GITHUB / "iac-apply.yml", GITLAB / ".gitlab-ci.yml"):
        text = path.read_text()
        assert '"$rc" -eq 3' in text, path
        assert "grep -qi 'stale'" not in text, path


def test_the_pull_request_workflow_says_what_a_usage_error_exits_with() -> None:
    text = (GITHUB / "iac-pr.yml").read_text()
    assert "Click also exits 2" not in text
    assert "iac exits 1 on a usage error" in text
    assert CliRunner().invoke(cli, ["plan", "--no-such-option"]).exit_code == 1


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_files_the_readme_commands_write_are_ignored_by_git() -> None:
    checked = subprocess.run(
        ["git", "check-ignore", "--no-index", "plan.iac", "plan.md", "out/plan.iac"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.stdout.split() == ["plan.iac", "plan.md", "out/plan.iac"], checked.stderr
