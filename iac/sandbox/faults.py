"""Fault rules: scripted failures injected in front of the API, for resilience tests."""

from __future__ import annotations

import fnmatch
import json
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iac.sandbox.errors import ApiError, SandboxStartError, bad_request, error_body

# "delay": answer as usual, only late (``delay`` seconds; with ``gather``, until that many
# matching requests wait at once - a barrier that shows a client's concurrency).
ACTIONS = ("respond", "drop_after_commit", "delay")
MAX_DELAY_SECONDS = 60.0
_KEYS = {
    "method",
    "path",
    "status",
    "retry_after",
    "on_calls",
    "probability",
    "times",
    "action",
    "code",
    "message",
    "delay",
    "gather",
}
# Reported by GET; ignored on input so a GET can be PUT back.
_STATE_KEYS = {"calls", "fired", "waiting", "peak_waiting"}


@dataclass
class FaultRule:
    method: str
    path: str
    status: int = 503
    action: str = "respond"
    retry_after: int | None = None
    on_calls: list[int] | None = None
    probability: float | None = None
    times: int | None = None
    code: str | None = None
    message: str | None = None
    delay: float | None = None  # seconds a fired rule holds the answer (any action)
    gather: int | None = None  # ... or less, once this many wait at once
    calls: int = field(default=0, compare=False)
    fired: int = field(default=0, compare=False)
    waiting: int = field(default=0, compare=False)  # held by ``delay`` right now
    peak_waiting: int = field(default=0, compare=False)  # ... and at most, so far
    _round: int = field(default=0, compare=False, repr=False)  # gatherings released

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and fnmatch.fnmatchcase(path, self.path)

    def response(self) -> tuple[int, dict[str, Any], dict[str, str]]:
        message = self.message or f"Injected fault: HTTP {self.status}."
        if self.status == 429 and self.retry_after is not None and self.message is None:
            # the normalized 429 text (code: errors.DEFAULT_CODES), as rate_limited sends
            message = (
                "Rate limit exceeded the maximum. "
                f"Retry the request in [{self.retry_after}] seconds"
            )
        headers: dict[str, str] = {}
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        return self.status, error_body(self.status, self.code, message), headers

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "action": self.action,
        }
        for key in (
            "retry_after",
            "on_calls",
            "probability",
            "times",
            "code",
            "message",
            "delay",
            "gather",
        ):
            value = getattr(self, key)
            if value is not None:
                doc[key] = value
        doc.update(
            calls=self.calls,
            fired=self.fired,
            waiting=self.waiting,
            peak_waiting=self.peak_waiting,
        )
        return doc


def _int(doc: dict[str, Any], key: str, low: int) -> int | None:
    value = doc.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise bad_request(f"Fault rule {key} must be an integer >= {low}.")
    return value


def parse_rule(doc: Any) -> FaultRule:
    """One rule from its JSON form; raises a 400 ApiError naming what is wrong."""
    if not isinstance(doc, dict):
        raise bad_request("A fault rule must be a JSON object.")
    unknown = set(doc) - _KEYS - _STATE_KEYS
    if unknown:
        raise bad_request(f"Unknown fault rule keys: {', '.join(sorted(unknown))}.")
    method, path = doc.get("method", "*"), doc.get("path")
    if not isinstance(method, str) or not isinstance(path, str) or not path:
        raise bad_request("A fault rule needs string method and path.")
    action = doc.get("action", "respond")
    if action not in ACTIONS:
        raise bad_request(f"Fault rule action must be one of {', '.join(ACTIONS)}.")
    status = _int(doc, "status", 100)
    on_calls = doc.get("on_calls")
    if on_calls is not None and (
        not isinstance(on_calls, list)
        or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in on_calls)
    ):
        raise bad_request("Fault rule on_calls must be a list of integers >= 1.")
    probability = doc.get("probability")
    if probability is not None and (
        isinstance(probability, bool)
        or not isinstance(probability, int | float)
        or not 0 <= probability <= 1
    ):
        raise bad_request("Fault rule probability must be a number between 0 and 1.")
    for key in ("code", "message"):
        if doc.get(key) is not None and not isinstance(doc[key], str):
            raise bad_request(f"Fault rule {key} must be a string.")
    delay = doc.get("delay")
    if delay is not None and (
        isinstance(delay, bool)
        or not isinstance(delay, int | float)
        or not 0 <= delay <= MAX_DELAY_SECONDS
    ):
        raise bad_request(
            f"Fault rule delay must be a number of seconds from 0 to {MAX_DELAY_SECONDS:g}."
        )
    if action == "delay" and delay is None:
        raise bad_request("A fault rule with action delay needs a delay.")
    gather = _int(doc, "gather", 1)
    if gather is not None and delay is None:
        raise bad_request("Fault rule gather needs a delay (the longest wait).")
    return FaultRule(
        method=method.upper(),
        path=path,
        status=status if status is not None else 503,
        action=action,
        retry_after=_int(doc, "retry_after", 0),
        on_calls=list(on_calls) if on_calls is not None else None,
        probability=float(probability) if probability is not None else None,
        times=_int(doc, "times", 0),
        code=doc.get("code"),
        message=doc.get("message"),
        delay=float(delay) if delay is not None else None,
        gather=gather,
    )


def parse_rules(doc: Any) -> list[FaultRule]:
    if not isinstance(doc, list):
        raise bad_request("Fault rules must be a JSON list.")
    return [parse_rule(item) for item in doc]


def load_rules_file(path: Path) -> list[FaultRule]:
    """Rules from a faults file; a bad file is a SandboxStartError (a ValueError, and one
    line from the CLI), not an API error."""
    try:
        return parse_rules(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SandboxStartError(f"cannot read faults file {path}: {exc}") from exc
    except ApiError as exc:
        raise SandboxStartError(f"bad faults file {path}: {exc.message}") from exc


class FaultBook:
    """The live rule list; counts matching calls per rule and decides which rule fires."""

    def __init__(self, rules: list[FaultRule] | None = None, seed: int | None = None) -> None:
        self._lock = threading.Condition()
        self._rules = list(rules or [])
        self._random = random.Random(seed)

    def replace(self, rules: list[FaultRule]) -> None:
        with self._lock:
            self._rules = list(rules)

    def append(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.append(rule)

    def to_json(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.to_json() for rule in self._rules]

    def match(self, method: str, path: str) -> FaultRule | None:
        """The first rule that fires for this call, after counting it against every match."""
        chosen: FaultRule | None = None
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, path):
                    continue
                rule.calls += 1
                if chosen is None and self._fires(rule):
                    rule.fired += 1
                    chosen = rule
        return chosen

    def hold(self, rule: FaultRule) -> None:
        """Keep a request that fired ``rule`` waiting for its ``delay``, or, with ``gather``,
        until that many wait at once (all are then let go together)."""
        if rule.delay is None:
            return
        deadline = time.monotonic() + rule.delay
        with self._lock:
            rule.waiting += 1
            rule.peak_waiting = max(rule.peak_waiting, rule.waiting)
            joined = rule._round
            if rule.gather is not None and rule.waiting >= rule.gather:
                rule._round += 1
                self._lock.notify_all()
            try:
                while rule._round == joined and (left := deadline - time.monotonic()) > 0:
                    self._lock.wait(left)
            finally:
                rule.waiting -= 1

    def _fires(self, rule: FaultRule) -> bool:
        if rule.times is not None and rule.fired >= rule.times:
            return False
        if rule.on_calls is not None and rule.calls not in rule.on_calls:
            return False
        return rule.probability is None or self._random.random() < rule.probability
