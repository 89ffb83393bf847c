"""An exclusive, advisory lock on one workspace's state, held for a whole plan or apply.

flock(2) is released by the kernel when the holder dies, so a crashed run never leaves a
stale lock behind; the holder's identity is written into the lock file so a second run can
say who is holding it.
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import socket
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any

from iac.errors import IacError

POLL_SECONDS = 0.2


class StateLockedError(IacError):
    pass


def holder_identity(operation: str) -> dict[str, Any]:
    """Who takes a lock: what a second run is told (every backend records the same fields)."""
    return {
        "who": f"{getpass.getuser()}@{socket.gethostname()}",
        "pid": os.getpid(),
        "operation": operation,
        "since": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def describe_holder(info: Mapping[str, Any] | None) -> str:
    if isinstance(info, Mapping):
        try:
            return (
                f"{info['who']} (pid {info['pid']}, running `iac {info['operation']}` "
                f"since {info['since']})"
            )
        except KeyError:
            pass
    return "another run (holder unknown)"


def locked_error(what: str, timeout: float, held_by: str) -> StateLockedError:
    """The refusal every backend gives: ``what`` names the state, ``held_by`` its holder."""
    waited = f" after waiting {timeout:g}s" if timeout else ""
    return StateLockedError(
        f"State {what} is locked{waited} by {held_by}. "
        "Wait for that run to finish, or pass --lock-timeout SECONDS to wait."
    )


class StateLock:
    def __init__(self, path: Path, operation: str, timeout: float = 0.0) -> None:
        self.path = path
        self.operation = operation
        self.timeout = timeout
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # No O_TRUNC: truncating before holding the lock would erase the holder's identity.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    held_by = _read_holder(fd)
                    os.close(fd)
                    where = str(self.path.with_suffix(".json"))
                    raise locked_error(where, self.timeout, held_by) from None
                time.sleep(POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder_identity(self.operation)).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> StateLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _read_holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except ValueError:
        return describe_holder(None)
    return describe_holder(info if isinstance(info, dict) else None)
