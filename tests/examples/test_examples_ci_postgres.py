"""docs/ci.md's database set-up, run as written against a real PostgreSQL server, and the CI
examples' commands run with the roles their jobs log in as.

The SQL blocks of docs/ci.md are executed statement by statement (psql's ``\\connect`` and
``\\password`` included); role and database names get a suffix of their own, since roles are
shared by the whole server. The iac commands are the ones the CI files and docs/ci.md run,
their ``$CONFIG_DIR`` and ``$ENVIRONMENT`` filled in, against the built-in sandbox
(``--sandbox``, its org kept in a folder of the test's own).
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner, Result
from iac_testing.examples import DOCS, EXAMPLES, CommandLine, commands_in_ci_file
from iac_testing.examples import commands_in_markdown as markdown_commands
from iac_testing.postgres import PostgresServer, find_binaries

from iac.cli import cli

DOCS_CI = DOCS / "ci.md"
CONFIG_DIR = EXAMPLES / "environments"
GITHUB = EXAMPLES / "ci" / "github"
_names = itertools.count(1)


def sql_blocks() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", DOCS_CI.read_text(encoding="utf-8"), re.S)


def statements(block: str) -> Iterator[str]:
    """SQL statements and psql meta-commands (one per line), comments dropped."""
    pending: list[str] = []
    for line in block.splitlines():
        code = line.split("--", 1)[0].strip()
        if not code:
            continue
        if code.startswith("\\") and not pending:
            yield code
            continue
        pending.append(code)
        if code.endswith(";"):
            yield " ".join(pending)
            pending = []
    assert not pending, f"unterminated statement in docs/ci.md: {pending}"


@dataclass
class Provisioned:
    """What docs/ci.md's first SQL block made: a database, and its two roles."""

    server: PostgresServer
    database: str
    owner: str  # owns the schema: the apply jobs' role
    reader: str  # the plan and drift jobs' role
    roles: dict[str, str]  # role name in docs/ci.md -> name on this server
    database_in_docs: str
    passwords: dict[str, str]

    def env(self, role: str, database: str | None = None) -> dict[str, str]:
        """A CI job's environment: the URL without password, and the password apart."""
        url = f"postgresql://{role}@127.0.0.1:{self.server.port}/{database or self.database}"
        return {"IAC_BACKEND": url, "PGPASSWORD": self.passwords[role]}

    def connect(self, role: str, database: str | None = None) -> psycopg.Connection[Any]:
        return psycopg.connect(
            host="127.0.0.1",
            port=self.server.port,
            dbname=database or self.database,
            user=role,
            password=self.passwords[role],
            autocommit=True,
        )

    def rows(self, query: str, database: str | None = None) -> list[tuple[Any, ...]]:
        with self.server.admin(database or self.database) as conn:
            return conn.execute(query.encode()).fetchall()

    def run_sql(self, block: str, conn: psycopg.Connection[Any]) -> None:
        """One SQL block of docs/ci.md, with this server's names, on ``conn`` (a superuser's
        until a ``\\connect``)."""
        for statement in statements(self.rename(block)):
            if statement.startswith("\\connect "):
                conn.close()
                conn = self.server.admin(statement.split()[1])
            elif statement.startswith("\\password "):
                role = statement.split()[1]
                conn.execute(f"ALTER ROLE {role} PASSWORD '{self.passwords[role]}'".encode())
            else:
                assert not statement.startswith("\\"), f"psql command the test lacks: {statement}"
                conn.execute(statement.encode())
        conn.close()

    def rename(self, text: str) -> str:
        for old, new in self.roles.items():
            text = re.sub(rf"\b{old}\b", new, text)
        # the database, not the schema of the same name
        return re.sub(
            rf"(DATABASE\s+|\\connect\s+){self.database_in_docs}\b", rf"\g<1>{self.database}", text
        )


def provision(server: PostgresServer) -> Provisioned:
    """docs/ci.md's first SQL block, as a superuser."""
    first = sql_blocks()[0]
    roles = re.findall(r"CREATE ROLE (\w+)", first)
    [database] = re.findall(r"CREATE DATABASE (\w+)", first)
    [owner] = re.findall(r"CREATE SCHEMA \w+ AUTHORIZATION (\w+)", first)
    suffix = f"_{os.getpid()}_{next(_names)}"
    renamed = {role: role + suffix for role in roles}
    done = Provisioned(
        server=server,
        database=database + suffix,
        owner=renamed[owner],
        reader=next(renamed[r] for r in roles if r != owner),
        roles=renamed,
        database_in_docs=database,
        passwords={renamed[r]: f"pw-{r}{suffix}-never-stored" for r in roles},
    )
    done.run_sql(first, server.admin())
    return done


def grant_lock_rows(db: Provisioned) -> None:
    """docs/ci.md's second SQL block, as the schema's owner, as it says."""
    [grant] = sql_blocks()[1:]
    db.run_sql(grant, db.connect(db.owner))


def iac(env: dict[str, str], argv: tuple[str, ...] | list[str]) -> Result:
    return CliRunner().invoke(cli, list(argv), env=env, catch_exceptions=False)


def filled(command: CommandLine, environment: str, **more: str) -> list[str]:
    """A CI command's words with the job's variables filled in."""
    values = {"$CONFIG_DIR": str(CONFIG_DIR), "$ENVIRONMENT": environment, **more}
    words = []
    for word in command.argv:
        for name, value in sorted(values.items(), key=lambda kv: -len(kv[0])):
            word = word.replace(name, value)
        words.append(word)
    return words


def ci_command(path: Path, *start: str) -> CommandLine:
    return next(c for c in commands_in_ci_file(path) if c.argv[: len(start)] == start)


def docs_command(*start: str, having: str = "") -> CommandLine:
    return next(
        c
        for c in markdown_commands(DOCS_CI)
        if c.argv[: len(start)] == start and (not having or having in c.argv)
    )


@pytest.fixture
def sandbox_org(tmp_path: Path) -> Path:
    """Where the built-in sandbox keeps its org between the runs of one test (``--state-dir``:
    with a backend, it holds nothing else)."""
    folder = tmp_path / "sandbox"
    folder.mkdir()
    return folder


@pytest.fixture
def job_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A CI job's working directory (the jobs write out/...)."""
    folder = tmp_path / "job"
    (folder / "out").mkdir(parents=True)
    monkeypatch.chdir(folder)
    return folder


def test_the_docs_provisioning_gives_each_job_exactly_what_it_needs(
    postgres_server: PostgresServer, sandbox_org: Path, job_dir: Path, tmp_path: Path
) -> None:
    db = provision(postgres_server)
    sandbox = ["--sandbox", "--state-dir", str(sandbox_org)]
    pr_plan = filled(ci_command(GITHUB / "iac-pr.yml", "plan"), "dev") + sandbox

    # Before iac's tables exist, the reading role cannot create them: a plan fails, saying so.
    early = iac(db.env(db.reader), pr_plan)
    assert early.exit_code == 1
    assert "permission denied for schema" in early.output, early.output

    # The docs' one-off bootstrap, as the owner: creates the tables and stores nothing.
    bootstrap = docs_command("plan", having="bootstrap")
    made = iac(
        db.env(db.owner),
        filled(bootstrap, "dev", **{"examples/": f"{EXAMPLES}/", "$(mktemp -d)": str(tmp_path)}),
    )
    assert made.exit_code == 0, made.output
    for table in ("workspaces", "states", "audit_records", "locks"):
        assert db.rows(f"SELECT count(*) FROM iac.{table}") == [(0,)], table
    no_grant = iac(db.env(db.reader), pr_plan)
    assert "permission denied for table locks" in no_grant.output, no_grant.output
    grant_lock_rows(db)

    # The pull request job, as the reader: plans and saves the plan.
    planned = iac(db.env(db.reader), pr_plan)
    assert planned.exit_code == 2, planned.output  # --detailed-exitcode: changes
    assert (job_dir / "out" / "plan.iac").stat().st_size > 0

    # The apply job, as the owner: applies exactly that plan, then verifies the audit trail.
    (job_dir / "reviewed").mkdir()
    shutil.copy(job_dir / "out" / "plan.iac", job_dir / "reviewed" / "plan.iac")
    apply = filled(ci_command(GITHUB / "iac-apply.yml", "apply", "reviewed/plan.iac"), "dev")
    applied = iac(db.env(db.owner), apply + sandbox)
    assert applied.exit_code == 0, applied.output
    assert "Apply complete! Resources: 3 added" in applied.output
    verify = filled(ci_command(GITHUB / "iac-apply.yml", "audit", "verify"), "dev")
    verified = iac(db.env(db.owner), verify)
    assert verified.exit_code == 0 and "3 records, chain verified" in verified.output
    last_hash = verified.output.split("Last record hash: ")[1].split()[0]

    # Drift and the next pull request, as the reader: in sync, nothing to do.
    drift = filled(ci_command(GITHUB / "iac-drift.yml", "drift"), "dev") + sandbox
    assert iac(db.env(db.reader), drift).exit_code == 0
    again = iac(db.env(db.reader), pr_plan)
    assert again.exit_code == 0 and "No changes." in again.output, again.output
    assert last_hash in iac(db.env(db.reader), verify).output  # the reader reads the trail

    # What a pull request's password cannot do, even by hand.
    with db.connect(db.reader) as conn:
        for statement in (
            "UPDATE iac.states SET serial = serial + 1",
            "INSERT INTO iac.workspaces (name) VALUES ('evil')",
            "INSERT INTO iac.audit_records (workspace, seq, line) VALUES ('dev', 99, '{}')",
            "ALTER TABLE iac.audit_records DISABLE TRIGGER USER",
            "DROP TABLE iac.states",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement.encode())
    assert db.rows("SELECT count(*) FROM iac.audit_records") == [(3,)]

    # The keepalives that free the lock of a vanished runner hold for the jobs' sessions.
    with db.connect(db.owner) as conn:
        settings = dict(
            conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name LIKE 'tcp_keepalives_%'"
            ).fetchall()
        )
    assert settings == {
        "tcp_keepalives_idle": "60",
        "tcp_keepalives_interval": "10",
        "tcp_keepalives_count": "3",
    }

    # No password reached a table.
    dump = "\n".join(
        str(row)
        for table in ("workspaces", "states", "audit_records", "locks")
        for row in db.rows(f"SELECT * FROM iac.{table}")
    )
    assert not any(password in dump for password in db.passwords.values())

    # The docs' backup, as the reader, restored by a superuser into an empty database: the
    # grants come back with the tables, and the trail verifies to the same last hash.
    backup = _backup_and_restore(db, tmp_path)
    restored = iac(db.env(db.reader, backup), verify)
    assert restored.exit_code == 0 and last_hash in restored.output, restored.output
    plan_restored = iac(db.env(db.reader, backup), pr_plan)
    assert plan_restored.exit_code == 0, plan_restored.output


def _backup_and_restore(db: Provisioned, tmp_path: Path) -> str:
    block = next(
        b for b in re.findall(r"```sh\n(.*?)```", DOCS_CI.read_text(), re.S) if "pg_dump" in b
    )
    options = [w for w in block.replace("\\\n", " ").split() if w.startswith("--schema")]
    binaries = find_binaries()
    dump = tmp_path / "iac.dump"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PGPASSWORD": db.passwords[db.reader],
    }
    subprocess.run(
        [
            binaries["pg_dump"],
            *options,
            "--format=custom",
            f"--file={dump}",
            f"--dbname=host=127.0.0.1 port={db.server.port} dbname={db.database} user={db.reader}",
        ],
        check=True,
        env=env,
        capture_output=True,
        timeout=60,
    )
    copy = f"{db.database}_restored"
    with db.server.admin() as conn:
        conn.execute(f"CREATE DATABASE {copy}".encode())
    subprocess.run(
        [
            binaries["pg_restore"],
            f"--dbname={db.server.admin_conninfo(copy)}",
            str(dump),
        ],
        check=True,
        env={"PATH": os.environ.get("PATH", "")},
        capture_output=True,
        timeout=60,
    )
    return copy


def test_the_docs_migration_moves_a_state_branch_into_the_database(
    postgres_server: PostgresServer, sandbox_org: Path, job_dir: Path
) -> None:
    # What an iac-state-prod branch held: prod.json and prod.audit.jsonl, written by an apply
    # on the local files (the sandbox's org file beside them, as this test needs it).
    old = sandbox_org
    local = ["--workspace", "prod", "--sandbox", "--state-dir", str(old)]
    vars_file = str(CONFIG_DIR / "vars" / "prod.yaml")
    applied = iac({}, ["apply", str(CONFIG_DIR), "--var-file", vars_file, "--auto-approve", *local])
    assert applied.exit_code == 0, applied.output
    db = provision(postgres_server)

    # The docs' migration loop, for prod, as the owner: verify the old trail, push it all.
    values = {"old-state/$env": str(old), "$env": "prod"}
    checked = iac({}, filled(docs_command("audit", "verify", "--file"), "prod", **values))
    assert checked.exit_code == 0, checked.output
    last_hash = checked.output.split("Last record hash: ")[1].split()[0]
    pushed = iac(db.env(db.owner), filled(docs_command("state", "push"), "prod", **values))
    assert pushed.exit_code == 0, pushed.output
    assert last_hash in pushed.output  # "... is the one this ends with"
    grant_lock_rows(db)  # "The first push creates iac's tables, so do the GRANT next."

    listed = iac(db.env(db.reader), list(docs_command("workspace", "list").argv))
    assert listed.exit_code == 0 and "prod" in listed.output, listed.output

    # The prod plan job, as the reader, now finds the state the branch held.
    plan = filled(ci_command(GITHUB / "iac-pr.yml", "plan"), "prod")
    planned = iac(db.env(db.reader), [*plan, "--sandbox", "--state-dir", str(old)])
    assert planned.exit_code == 0 and "No changes." in planned.output, planned.output
