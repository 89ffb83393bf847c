"""What happens after an integration is enabled: how long it activates, and how it ends.

ASSUMPTION: enabling goes ACTIVATING, then ACTIVE or ERROR after a delay (``delay``, 1 s by
default) with the reason in reportedState.detail.message only; disabling goes straight to
INACTIVE (no DEACTIVATING seen). Settled by: PATCH intendedState ENABLED, then DISABLED, on a
real integration, polling GET every 100 ms and recording each reportedState.
"""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass
from typing import Any

from iac.sandbox import eventbridge
from iac.sandbox.errors import bad_request


@dataclass(frozen=True)
class FailureRule:
    event_source_suffix: str  # fnmatch glob on the eventSourceSuffix property
    message: str


@dataclass(frozen=True)
class Outcome:
    code: str  # ACTIVE or ERROR
    message: str | None


def resolve_state(state: dict[str, Any], now: float) -> tuple[str, str | None, float]:
    """(code, detail message, last updated) of a stored reported state at ``now``.

    Activation is settled lazily from stored wall-clock times, so it also completes
    across a restart of the sandbox.
    """
    if state["code"] == "ACTIVATING":
        if now >= state["settlesAt"]:
            return state["outcome"], state.get("message"), state["settlesAt"]
        return "ACTIVATING", None, state["since"]  # the outcome is not told before it happens
    return state["code"], state.get("message"), state["since"]


class ActivationPolicy:
    def __init__(self, delay: float) -> None:
        self._lock = threading.Lock()
        self._delay = delay
        self._failures: list[FailureRule] = []

    @property
    def delay(self) -> float:
        with self._lock:
            return self._delay

    def outcome(self, properties: dict[str, Any]) -> Outcome:
        """Decided when enabling, so later policy changes leave settled integrations alone."""
        missing = eventbridge.missing_required(properties)
        if missing:
            return Outcome(
                "ERROR",
                f"Integration configuration is incomplete: missing required property {missing[0]}.",
            )
        suffix = str(properties.get("eventSourceSuffix", ""))
        with self._lock:
            for rule in self._failures:
                if fnmatch.fnmatchcase(suffix, rule.event_source_suffix):
                    return Outcome("ERROR", rule.message)
        return Outcome("ACTIVE", None)

    def to_json(self) -> dict[str, Any]:
        with self._lock:
            return {
                "delay": self._delay,
                "failures": [
                    {"event_source_suffix": r.event_source_suffix, "message": r.message}
                    for r in self._failures
                ],
            }

    def update(self, doc: dict[str, Any]) -> None:
        """PUT /__sandbox/activation: ``delay`` and/or ``failures`` (replaced as a whole)."""
        unknown = set(doc) - {"delay", "failures"}
        if unknown:
            raise bad_request(f"Unknown activation keys: {', '.join(sorted(unknown))}.")
        delay = doc.get("delay")
        if delay is not None and (
            isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0
        ):
            raise bad_request("Activation delay must be a number of seconds >= 0.")
        failures = None
        if "failures" in doc:
            raw = doc["failures"]
            if not isinstance(raw, list):
                raise bad_request("Activation failures must be a list.")
            failures = []
            for item in raw:
                if not (
                    isinstance(item, dict)
                    and isinstance(item.get("event_source_suffix"), str)
                    and isinstance(item.get("message"), str)
                ):
                    raise bad_request(
                        "Each activation failure needs string event_source_suffix and message."
                    )
                failures.append(FailureRule(item["event_source_suffix"], item["message"]))
        with self._lock:
            if delay is not None:
                self._delay = float(delay)
            if failures is not None:
                self._failures = failures
