"""A bounded log of the API calls the sandbox handled, for tests to inspect."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

MAX_ENTRIES = 10_000


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict[str, Any]] = deque(maxlen=MAX_ENTRIES)

    def add(self, method: str, path: str, query: str, status: int, dropped: bool) -> None:
        # Only method, path and query: never headers, so no token or secret is kept.
        entry = {
            "method": method,
            "path": path,
            "query": query,
            "status": status,
            "dropped": dropped,
        }
        with self._lock:
            self._entries.append(entry)

    def to_json(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self._entries]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
