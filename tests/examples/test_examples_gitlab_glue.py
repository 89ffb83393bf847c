"""The GitLab glue script builds one note for every environment, failures included, and
finds the reviewed plan with read-only API calls."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
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
    assert "re-planned if the org or the state changed meanwhile" in body


def test_usage_without_arguments() -> None:
    assert iac_gitlab.main([]) == 1


def test_fetch_plan_only_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """IAC_BOT_TOKEN needs only read_api: with state in the database, nothing is pushed."""
    calls: list[tuple[str, str, str]] = []
    answers = {
        "/repository/commits/abc/merge_requests": [{"iid": 7, "state": "merged"}],
        "/merge_requests/7/pipelines": [{"id": 70}],
        "/pipelines/70/jobs?per_page=100": [{"id": 700, "name": "plan: [prod]"}],
    }

    def api(token_var: str, method: str, path: str, body: dict | None = None) -> bytes:
        calls.append((token_var, method, path))
        if path.startswith("/jobs/700/artifacts/"):
            return b"PLAN"
        return json.dumps(answers[path]).encode()

    monkeypatch.setenv("CI_COMMIT_SHA", "abc")
    monkeypatch.setattr(iac_gitlab, "_api", api)

    assert iac_gitlab.fetch_plan("prod", tmp_path / "reviewed.iac") == 0
    assert (tmp_path / "reviewed.iac").read_bytes() == b"PLAN"
    assert {(token, method) for token, method, _ in calls} == {("IAC_BOT_TOKEN", "GET")}
    assert calls[-1][2] == "/jobs/700/artifacts/out/prod/plan.iac"
