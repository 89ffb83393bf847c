"""The state lock: a second run is refused (or waits) and is told who holds the state."""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from iac.state.lock import StateLock, StateLockedError


def test_flock_conflicts_between_two_open_files_in_one_process(tmp_path: Path) -> None:
    # The tests below rely on this: flock belongs to the open file description, not the process.
    path = tmp_path / "probe.lock"
    first = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    second = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(first, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(BlockingIOError):
            fcntl.flock(second, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(first)
        os.close(second)


def test_second_lock_fails_fast_naming_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "prod.lock"
    with StateLock(path, "apply"):
        started = time.monotonic()
        with pytest.raises(StateLockedError) as caught:
            StateLock(path, "plan").acquire()
        elapsed = time.monotonic() - started

    message = str(caught.value)
    assert elapsed < 0.15
    assert str(tmp_path / "prod.json") in message
    assert f"{getpass.getuser()}@{socket.gethostname()}" in message
    assert f"pid {os.getpid()}" in message
    assert "`iac apply`" in message
    assert "--lock-timeout" in message


def test_lock_file_names_the_holder_while_held(tmp_path: Path) -> None:
    path = tmp_path / "default.lock"
    with StateLock(path, "apply"):
        holder = json.loads(path.read_text())

    assert holder["who"] == f"{getpass.getuser()}@{socket.gethostname()}"
    assert (holder["pid"], holder["operation"]) == (os.getpid(), "apply")
    assert holder["since"].endswith("+00:00")


def test_holder_is_cleared_and_lock_reacquirable_after_release(tmp_path: Path) -> None:
    path = tmp_path / "default.lock"
    first = StateLock(path, "apply")
    first.acquire()
    first.release()

    assert path.read_bytes() == b""
    with StateLock(path, "plan"):
        assert json.loads(path.read_text())["operation"] == "plan"


def test_lock_with_timeout_waits_for_the_holder_to_finish(tmp_path: Path) -> None:
    path = tmp_path / "default.lock"
    first = StateLock(path, "apply")
    first.acquire()
    releaser = threading.Timer(0.3, first.release)
    releaser.start()
    try:
        started = time.monotonic()
        with StateLock(path, "plan", timeout=3.0):
            waited = time.monotonic() - started
            # It really holds the lock now: a third run is refused.
            with pytest.raises(StateLockedError, match="`iac plan`"):
                StateLock(path, "apply").acquire()
    finally:
        releaser.join()

    assert 0.25 <= waited < 3.0
