"""``iac sandbox serve`` in a child process, as a user starts it from a shell.

``served_sandbox(tmp_path)`` starts the server on a free loopback port, waits until it has
printed its ``export NAME=VALUE`` lines, and yields them; whatever happens in the ``with``
block, the server is stopped afterwards (SIGTERM, then SIGKILL if it is still running 60 s
later, which fails the test unless it already failed).
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

DEADLINE = 60.0  # seconds to wait for anything to happen: the test machine is a busy 2-core box

EXPORTED = (
    "GENESYSCLOUD_API_REGION",
    "GENESYSCLOUD_OAUTHCLIENT_ID",
    "GENESYSCLOUD_OAUTHCLIENT_SECRET",
)
_EXPORT = re.compile(r"^\s*export ([A-Za-z_][A-Za-z0-9_]*)=(.*?)\s*$")


def clean_env(**extra: str) -> dict[str, str]:
    """The outer environment without anything that would pick an org, a CI mode or variables."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name != "CI" and not name.startswith(("GENESYSCLOUD_", "IAC_VAR_"))
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"  # so a child's lines reach the pipe as they are printed
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(
    process: subprocess.Popen[str], signum: int = signal.SIGTERM, timeout: float = DEADLINE
) -> int:
    """Send ``signum`` (if still running) and wait; kill it if it is not gone by ``timeout``.

    Returns the exit code, negative for a signal; raises ``subprocess.TimeoutExpired`` (after
    the kill) when the signal did not stop it.
    """
    if process.poll() is None:
        process.send_signal(signum)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)
            raise
    return process.returncode


def _pump(stream: Iterator[str], printed: list[str], lines: queue.Queue[str | None]) -> None:
    """Copy a child's output, line by line, into ``printed`` and ``lines``; None at its end."""
    try:
        for line in stream:
            printed.append(line)
            lines.put(line)
    except ValueError:  # the pipe was closed under us: the test is over
        pass
    finally:
        lines.put(None)


@dataclass
class ServedSandbox:
    """A running ``iac sandbox serve``, once it has printed the variables that point at it."""

    process: subprocess.Popen[str]
    port: int
    data_file: Path
    stderr_file: Path
    lines: list[str] = field(default_factory=list)  # stdout so far; grows while it runs
    variables: dict[str, str] = field(default_factory=dict)  # from its `export` lines

    @property
    def url(self) -> str:
        return self.variables["GENESYSCLOUD_API_REGION"]

    def output(self) -> str:
        """What it printed so far, both streams, for failure messages."""
        err = self.stderr_file.read_text() if self.stderr_file.exists() else ""
        return f"stdout:\n{''.join(self.lines)}\nstderr:\n{err}"

    def stop(self, signum: int = signal.SIGTERM) -> int:
        """Send ``signum`` and return the exit code; fails the test if it did not stop."""
        try:
            return stop_process(self.process, signum)
        except subprocess.TimeoutExpired:
            pass  # fail outside the handler: the timeout's traceback says nothing more
        pytest.fail(
            f"`iac sandbox serve` was still running {DEADLINE:.0f} s after "
            f"{signal.Signals(signum).name}; killed it.\n{self.output()}",
            pytrace=False,
        )


@contextmanager
def served_sandbox(
    tmp_path: Path, *, env: Mapping[str, str] | None = None, ignore_sigint: bool = False
) -> Iterator[ServedSandbox]:
    """``iac sandbox serve`` keeping its org in ``tmp_path/org.json``, ready to be called.

    ``env`` adds to (or overrides) ``clean_env()``. ``ignore_sigint`` starts it with SIGINT
    ignored, as a shell starts a background job (``cmd &``) or a non-interactive script's child.
    """
    port = free_port()
    data_file = tmp_path / "org.json"
    stderr_file = tmp_path / "sandbox-serve.stderr"
    with stderr_file.open("w") as err:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "iac",
                "sandbox",
                "serve",
                "--port",
                str(port),
                "--data-file",
                str(data_file),
            ],
            cwd=tmp_path,
            env=clean_env(**(env or {})),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            preexec_fn=_ignore_sigint if ignore_sigint else None,
        )
    served = ServedSandbox(process, port, data_file, stderr_file)
    assert process.stdout is not None
    pending: queue.Queue[str | None] = queue.Queue()
    pump = threading.Thread(target=_pump, args=(process.stdout, served.lines, pending), daemon=True)
    pump.start()
    try:
        _await_exports(served, pending)
        yield served
    except BaseException:
        with contextlib.suppress(subprocess.TimeoutExpired):  # killed: the error says more
            stop_process(process)
        raise
    else:
        served.stop()  # fails the test, naming the signal, if the server hangs
    finally:
        pump.join(timeout=DEADLINE)  # the child is gone: its output ends
        process.stdout.close()


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _await_exports(served: ServedSandbox, pending: queue.Queue[str | None]) -> None:
    deadline = time.monotonic() + DEADLINE
    while missing := [name for name in EXPORTED if name not in served.variables]:
        try:
            line = pending.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            line = None
        if line is None:  # timed out, or the server closed its output
            pytest.fail(
                f"`iac sandbox serve` did not print `export` lines for {missing} within "
                f"{DEADLINE:.0f} s (exit code: {served.process.poll()}).\n{served.output()}",
                pytrace=False,
            )
        if match := _EXPORT.match(line):
            served.variables[match[1]] = match[2]
