"""The CI examples keep state in PostgreSQL, not on a state branch.

Every job that runs an iac command taking ``--backend`` has the database URL in
``IAC_BACKEND`` (without password, verifying TLS) and the password from a CI secret in
``PGPASSWORD``; plan and drift jobs log in as the role docs/ci.md provisions for reading, apply
jobs as the schema's owner; every run waits for the shared lock; and no example refers to the
``iac-state-<env>`` branches any more (docs/ci.md only to say how to move off them).
Nothing is run against a database here: test_examples_ci_postgres.py does that.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import click
import pytest
import yaml
from iac_testing.examples import DOCS, EXAMPLES, ROOT, iac_commands, logical_lines

from iac.cli import cli
from iac.pg.url import parse_backend_url

GITHUB = EXAMPLES / "ci" / "github"
GITLAB_CI = EXAMPLES / "ci" / "gitlab" / ".gitlab-ci.yml"
DOCS_CI = DOCS / "ci.md"
MIGRATION_HEADING = "### Moving from the state branch"
GITLAB_RESERVED = {
    "stages", "variables", "default", "workflow", "include", "image", "services", "cache",
    "before_script", "after_script",
}  # fmt: skip
GITLAB_SCRIPTS = ("before_script", "script", "after_script")
_GITHUB_SECRET = re.compile(r"\$\{\{\s*secrets\.([A-Z0-9_]+)\s*\}\}")
_GITLAB_VARIABLE = re.compile(r"\$\{?([A-Z0-9_]+)\}?")


@dataclass(frozen=True)
class Command:
    argv: tuple[str, ...]  # the words after "iac"
    env: dict[str, str]  # the variables the CI file gives the shell running it


@dataclass(frozen=True)
class Job:
    platform: str  # "github" or "gitlab"
    name: str  # "iac-pr.yml: plan", ".gitlab-ci.yml: apply-dev"
    variables: frozenset[str]  # every variable the CI file itself defines (not secrets)
    commands: tuple[Command, ...]

    def backend_commands(self) -> list[Command]:
        return [c for c in self.commands if takes_backend(c.argv)]

    @property
    def applies(self) -> bool:
        return any(c.argv[:1] == ("apply",) for c in self.commands)


def _commands(script: str, env: dict[str, str]) -> Iterator[Command]:
    for _, line in logical_lines(script):
        for argv in iac_commands(line):
            yield Command(argv, env)


def github_jobs() -> list[Job]:
    jobs = []
    for path in sorted(GITHUB.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        workflow_env = data.get("env") or {}
        for name, job in data["jobs"].items():
            job_env = {**workflow_env, **(job.get("env") or {})}
            commands: list[Command] = []
            defined = set(job_env)
            for step in job.get("steps", []):
                step_env = {**job_env, **(step.get("env") or {})}
                defined |= set(step_env)
                if "run" in step:
                    commands.extend(_commands(step["run"], step_env))
            jobs.append(Job("github", f"{path.name}: {name}", frozenset(defined), tuple(commands)))
    return jobs


def gitlab_jobs() -> list[Job]:
    data = yaml.safe_load(GITLAB_CI.read_text(encoding="utf-8"))
    top = data.get("variables") or {}
    default = data.get("default") or {}
    jobs = []
    for name, job in data.items():
        if name in GITLAB_RESERVED or name.startswith(".") or not isinstance(job, dict):
            continue
        chain = [job]  # the job, then its parent templates (single-parent extends)
        while chain[-1].get("extends"):
            chain.append(data[chain[-1]["extends"]])
        variables = dict(top)
        for level in reversed(chain):  # GitLab deep-merges variables: the job's own win
            variables.update(level.get("variables") or {})
        commands: list[Command] = []
        for key in GITLAB_SCRIPTS:
            # A script key is replaced, not merged: the nearest definition counts.
            lines = next((level[key] for level in chain if key in level), default.get(key, []))
            for line in [lines] if isinstance(lines, str) else lines:
                commands.extend(_commands(line, variables))
        jobs.append(
            Job("gitlab", f"{GITLAB_CI.name}: {name}", frozenset(variables), tuple(commands))
        )
    return jobs


def takes_backend(argv: tuple[str, ...]) -> bool:
    """Whether the iac command ``argv`` names takes ``--backend`` (asked of the real CLI)."""
    command: click.Command = cli
    ctx = click.Context(cli, info_name="iac")
    for word in argv:
        if word.startswith("-") or not isinstance(command, click.Group):
            break
        sub = command.get_command(ctx, word)
        if sub is None:
            break
        command, ctx = sub, click.Context(sub, info_name=word, parent=ctx)
    return any(
        "--backend" in param.opts
        for param in command.get_params(ctx)
        if isinstance(param, click.Option)
    )


def option(argv: tuple[str, ...], name: str) -> str | None:
    for index, word in enumerate(argv):
        if word == name and index + 1 < len(argv):
            return argv[index + 1]
        if word.startswith(f"{name}="):
            return word.split("=", 1)[1]
    return None


def secret_of(job: Job, value: str) -> str | None:
    """The CI secret a variable's value is taken from (None for a literal)."""
    if job.platform == "github":
        match = _GITHUB_SECRET.fullmatch(value.strip())
        return match.group(1) if match else None
    match = _GITLAB_VARIABLE.fullmatch(value.strip())
    # A GitLab variable the file does not define itself comes from Settings > CI/CD.
    if match and match.group(1) not in job.variables:
        return match.group(1)
    return None


def docs_roles() -> tuple[str, str]:
    """(owner, reader): the roles docs/ci.md provisions, the schema's owner first."""
    blocks = re.findall(r"```sql\n(.*?)```", DOCS_CI.read_text(encoding="utf-8"), re.S)
    text = "\n".join(blocks)
    roles = re.findall(r"CREATE ROLE (\w+)", text)
    [owner] = re.findall(r"CREATE SCHEMA \w+ AUTHORIZATION (\w+)", text)
    [reader] = [r for r in roles if r != owner]
    return owner, reader


JOBS = [job for job in github_jobs() + gitlab_jobs() if job.backend_commands()]


def test_the_jobs_that_keep_state_were_found() -> None:
    kinds = {(job.platform, c.argv[0]) for job in JOBS for c in job.backend_commands()}
    for platform in ("github", "gitlab"):
        assert {(platform, k) for k in ("plan", "apply", "drift", "audit")} <= kinds
    # validate reads no state: its jobs need no database
    assert not takes_backend(("validate",))
    assert takes_backend(("audit", "verify")) and takes_backend(("plan",))


@pytest.mark.parametrize("job", JOBS, ids=lambda job: job.name)
def test_every_job_that_keeps_state_has_the_backend_and_a_secret_password(job: Job) -> None:
    for command in job.backend_commands():
        shown = f"{job.name}: iac {' '.join(command.argv)}"
        assert "--state-dir" not in command.argv, f"{shown}: state is in the database"
        assert "--backend" not in command.argv, f"{shown}: the jobs take it from IAC_BACKEND"
        assert command.env.get("IAC_BACKEND"), f"{shown}: IAC_BACKEND is not set"
        password = command.env.get("PGPASSWORD")
        assert password, f"{shown}: PGPASSWORD is not set"
        assert secret_of(job, password), f"{shown}: PGPASSWORD must come from a CI secret"


@pytest.mark.parametrize("job", JOBS, ids=lambda job: job.name)
def test_backend_urls_hold_no_password_and_verify_the_server(job: Job) -> None:
    for command in job.backend_commands():
        url = command.env["IAC_BACKEND"]
        parsed = parse_backend_url(url)  # what iac itself accepts
        assert not parsed.secrets, f"{job.name}: the password belongs in PGPASSWORD"
        assert urlsplit(url).password is None
        assert parse_qs(urlsplit(url).query).get("sslmode") == ["verify-full"], job.name
        assert command.env.get("PGSSLROOTCERT"), f"{job.name}: which CA signs the server?"


def test_all_jobs_share_one_database_and_schema() -> None:
    places = set()
    for job in JOBS:
        for command in job.backend_commands():
            url = command.env["IAC_BACKEND"]
            parts = urlsplit(url)
            places.add((parts.hostname, parts.port, parts.path, parse_backend_url(url).schema))
    assert len(places) == 1, places  # one schema, one workspace per environment


def test_plan_side_jobs_use_the_reading_role_and_only_applies_the_owner() -> None:
    owner, reader = docs_roles()
    secrets: dict[str, set[str]] = {owner: set(), reader: set()}
    for job in JOBS:
        users = {urlsplit(c.env["IAC_BACKEND"]).username for c in job.backend_commands()}
        expected = owner if job.applies else reader
        assert users == {expected}, f"{job.name} logs in as {users}, not {expected}"
        for command in job.backend_commands():
            secrets[expected].add(str(secret_of(job, command.env["PGPASSWORD"])))
    # plan and drift jobs never get the owner's password
    assert secrets[owner] and secrets[reader] and not secrets[owner] & secrets[reader]
    text = DOCS_CI.read_text(encoding="utf-8")
    for name in secrets[owner] | secrets[reader]:
        assert name in text, f"docs/ci.md does not say where to set the secret {name}"


def test_every_run_waits_for_the_shared_lock() -> None:
    for job in JOBS:
        for command in job.backend_commands():
            if command.argv[0] in ("plan", "apply", "drift"):
                timeout = option(command.argv, "--lock-timeout")
                shown = f"{job.name}: iac {' '.join(command.argv)}"
                assert timeout is not None and float(timeout) > 0, shown


def test_no_workflow_can_write_the_repository() -> None:
    for path in sorted(GITHUB.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        grants = [data.get("permissions") or {}]
        grants += [job.get("permissions") or {} for job in data["jobs"].values()]
        for grant in grants:
            assert grant.get("contents", "read") == "read", f"{path.name}: contents: write"


TEXT_SUFFIXES = (".yml", ".yaml", ".md", ".py")


def _text_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES]


def test_no_example_refers_to_a_state_branch() -> None:
    for path in [*_text_files(EXAMPLES), GITLAB_CI]:
        text = path.read_text(encoding="utf-8")
        for word in ("iac-state", "STATE_DIR", "git push", "worktree"):
            assert word not in text, f"{path.relative_to(ROOT)} still mentions {word!r}"


def test_docs_name_the_state_branch_only_to_move_off_it() -> None:
    section = None
    for number, line in enumerate(DOCS_CI.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("#"):
            section = line.strip()
        if "iac-state" in line:
            assert section == MIGRATION_HEADING, f"docs/ci.md:{number} is in {section!r}"


# -- the jobs' own check of their environment ----------------------------------------------

_HEREDOC = re.compile(r"python - <<'PY'\n(.*?)\n\s*PY(?:\n|$)", re.S)


def _checks() -> list[tuple[str, str]]:
    found = []
    for path in [*sorted(GITHUB.glob("*.yml")), GITLAB_CI]:
        for body in _HEREDOC.findall(path.read_text(encoding="utf-8")):
            found.append((path.name, textwrap.dedent(body)))
    return found


CHECKS = _checks()


def test_every_file_that_talks_to_genesys_checks_its_environment() -> None:
    assert sorted({name for name, _ in CHECKS}) == sorted(
        [*(p.name for p in GITHUB.glob("*.yml")), GITLAB_CI.name]
    )


@pytest.mark.parametrize(("name", "code"), CHECKS, ids=[name for name, _ in CHECKS])
def test_the_environment_check_refuses_a_missing_or_misplaced_password(
    name: str, code: str
) -> None:
    password = "s3cret-db-password"
    vars_file = yaml.safe_load((EXAMPLES / "environments" / "vars" / "dev.yaml").read_text())
    env = {
        "PATH": os.environ.get("PATH", ""),
        "CONFIG_DIR": str(EXAMPLES / "environments"),
        "ENVIRONMENT": "dev",
        vars_file["client_id_env"]: "id",
        vars_file["client_secret_env"]: "secret",
        "IAC_BACKEND": "postgresql://iac_plan@db.example.com:5432/iac?sslmode=verify-full",
        "PGPASSWORD": password,
    }

    def check(**changes: str | None) -> subprocess.CompletedProcess[str]:
        run_env = {k: v for k, v in {**env, **changes}.items() if v is not None}
        return subprocess.run(
            [sys.executable, "-c", code], env=run_env, capture_output=True, text=True, timeout=60
        )

    assert check().returncode == 0, check().stderr
    missing = check(PGPASSWORD=None)
    assert missing.returncode != 0 and "PGPASSWORD" in missing.stderr
    in_url = check(IAC_BACKEND=f"postgresql://iac_plan:{password}@db.example.com/iac")
    assert in_url.returncode != 0 and "IAC_BACKEND" in in_url.stderr
    assert password not in in_url.stdout + in_url.stderr
