"""Atomic file replacement: readers see the old file or the new one, never half of one.

A temp file in the same folder (hidden, so globbing collectors skip it), written and fsynced,
then renamed over the target. ``mode`` 0o600 for files holding ids and history (state);
the default honours the umask so another user, e.g. node-exporter, can read metrics.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path


def write_atomic(path: Path, data: str | bytes, *, mode: int = 0o666) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode() if isinstance(data, str) else data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def remove_leftovers(path: Path) -> list[Path]:
    """Delete the temp files of writes to ``path`` that never finished (the process was
    killed between creating its temp file and the rename); returns what was deleted.

    Only for a caller that alone writes ``path`` (e.g. under the state lock): another
    process's temp file would otherwise vanish under its write.
    """
    leftover = re.compile(rf"\.{re.escape(path.name)}\.\d+\.[0-9a-f]{{8}}\.tmp")
    removed: list[Path] = []
    if not path.parent.is_dir():
        return removed
    for candidate in path.parent.iterdir():
        if leftover.fullmatch(candidate.name):
            candidate.unlink(missing_ok=True)
            removed.append(candidate)
    return removed


def _fsync_dir(directory: Path) -> None:
    # The rename itself is durable only once the folder's entry is on disk.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
