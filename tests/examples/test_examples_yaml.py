"""Every YAML file under examples/ parses, and the CI files have the shape their CI expects."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
import yaml
from iac_testing.examples import EXAMPLES, ci_files, is_template, yaml_files

GITLAB_RESERVED = {
    "stages", "variables", "default", "workflow", "include", "image", "services", "cache",
    "before_script", "after_script",
}  # fmt: skip


def _load(path: Path) -> object:
    text = path.read_text(encoding="utf-8")
    if is_template(text):
        # A Jinja2 template is YAML only once rendered: render it with every variable empty.
        env = jinja2.Environment(undefined=jinja2.ChainableUndefined)
        text = env.from_string(text).render()
    return yaml.safe_load(text)


def test_there_are_examples() -> None:
    assert len(yaml_files()) >= 8
    assert len(ci_files()) == 4


@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_yaml_parses(path: Path) -> None:
    data = _load(path)
    assert isinstance(data, dict), f"{path}: top level should be a mapping"


@pytest.mark.parametrize(
    "path", sorted((EXAMPLES / "ci" / "github").glob("*.yml")), ids=lambda p: p.name
)
def test_github_workflow_shape(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    # PyYAML (YAML 1.1) reads the key `on` as the boolean True.
    assert "on" in data or True in data, f"{path.name}: no 'on' trigger"
    assert data.get("jobs"), f"{path.name}: no jobs"
    assert "permissions" in data, f"{path.name}: set minimal permissions at the top"
    for name, job in data["jobs"].items():
        assert job.get("steps"), f"{path.name}: job {name} has no steps"
        assert "runs-on" in job, f"{path.name}: job {name} has no runs-on"


def test_gitlab_ci_shape() -> None:
    data = yaml.safe_load((EXAMPLES / "ci" / "gitlab" / ".gitlab-ci.yml").read_text())
    stages = data["stages"]
    jobs = {
        name: job
        for name, job in data.items()
        if name not in GITLAB_RESERVED and not name.startswith(".") and isinstance(job, dict)
    }
    assert jobs
    templates = {name: job for name, job in data.items() if name.startswith(".")}
    for name, job in jobs.items():
        merged = dict(job)
        parent = job.get("extends")
        while parent:  # single-parent extends chains, as this file uses
            merged = {**templates[parent], **merged}
            parent = templates[parent].get("extends")
        assert "script" in merged, f"job {name} has no script"
        assert merged.get("stage") in stages, f"job {name}: stage not in stages"
    assert {"plan", "plan-note", "apply-prod", "drift"} <= set(jobs)
    assert jobs["apply-prod"]["resource_group"] == "iac-prod"
