"""Per-token request budget in fixed windows, like Genesys' client-credentials limit."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    count: int
    limit: int
    reset_seconds: float
    counts: bool = True  # send the inin-ratelimit-* headers

    def headers(self) -> dict[str, str]:
        """The inin-ratelimit-* headers every API response carries (plus Retry-After on 429).

        ASSUMPTION: every answer carries them (only Retry-After on a 429 is documented).
        Settled by: the headers of a few answers from a real org. The option
        ``rate_limit_headers=False`` (or a fault rule) answers without them, to test a client
        that paces on Retry-After alone.
        """
        reset = max(1, math.ceil(self.reset_seconds))
        out: dict[str, str] = {}
        if self.counts:
            out.update(
                {
                    "inin-ratelimit-count": str(self.count),
                    "inin-ratelimit-allowed": str(self.limit),
                    "inin-ratelimit-reset": str(reset),
                }
            )
        if not self.allowed:
            out["Retry-After"] = str(reset)
        return out


class RateLimiter:
    def __init__(self, limit: int, window_seconds: float, counts: bool = True) -> None:
        self._limit = limit
        self._window = window_seconds
        self._counts = counts
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}  # token -> (window start, count)

    def hit(self, token: str) -> RateDecision:
        """Count one request for ``token``; refused requests do not use up the budget."""
        now = time.monotonic()
        with self._lock:
            start, count = self._windows.get(token, (now, 0))
            if now - start >= self._window:
                start, count = now, 0
            allowed = count < self._limit
            if allowed:
                count += 1
            self._windows[token] = (start, count)
        return RateDecision(allowed, count, self._limit, start + self._window - now, self._counts)

    def idle(self) -> RateDecision:
        """Headers for an API answer given before any token was accepted."""
        return RateDecision(True, 0, self._limit, self._window, self._counts)
