"""The GitLab glue script builds one note for every environment, failures included."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from iac_testing.examples import EXAMPLES

_spec = importlib.util.spec_from_file_location(
    "iac_gitlab", EXAMPLES / "ci" / "gitlab" / "iac_gitlab.py"
)
assert _spec is not None and _spec.loader is not None
iac_gitlab = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(iac_gitlab)


def test_note_body_lists_each_environment(tmp_path: Path) -> None:
    for env, code, plan in (("dev", "0", "No changes."), ("prod", "2", "1 to add")):
        (tmp_path / env).mkdir()
        (tmp_path / env / "exitcode").write_text(f"{code}\n")
        (tmp_path / env / "plan.md").write_text(plan)
    body = iac_gitlab.note_body(["dev", "test", "prod"], tmp_path, "https://ci/p/1", "a" * 40)

    assert body.startswith(iac_gitlab.MARKER)  # how the next pipeline finds the note to edit
    assert "<b>dev</b>: no changes" in body
    assert "<b>prod</b>: changes" in body
    assert "<b>test</b>: **failed** (exit ?)" in body  # its plan job left nothing
    assert "1 to add" in body and "aaaaaaaa" in body


def test_usage_without_arguments() -> None:
    assert iac_gitlab.main([]) == 1
