"""The audit trail: one JSON line per change attempt, appended to ``<workspace>.audit.jsonl``.

Records carry attributes (which hold no secrets by construction: credentials never enter
the configuration model) and Genesys' error messages, never tokens or client secrets.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

# CI systems name who triggered a run; the first one set wins over the OS user.
_CI_ACTORS = (
    ("GITHUB_ACTOR", "github"),
    ("GITLAB_USER_LOGIN", "gitlab"),
    ("BUILD_REQUESTEDFOREMAIL", "azure-devops"),
    ("BUILDKITE_BUILD_CREATOR_EMAIL", "buildkite"),
    ("CIRCLE_USERNAME", "circleci"),
    ("BITBUCKET_STEP_TRIGGERER_UUID", "bitbucket"),
    ("JENKINS_USER_ID", "jenkins"),
)


def detect_actor(env: Mapping[str, str]) -> str:
    for variable, system in _CI_ACTORS:
        if env.get(variable):
            return f"{system}:{env[variable]}"
    try:
        return f"user:{getpass.getuser()}"
    except (KeyError, OSError):
        return f"uid:{os.getuid()}"


@dataclass(frozen=True)
class AuditRecord:
    action: str
    key: str
    genesys_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    result: str  # "succeeded" | "failed"
    error: str | None
    duration_seconds: float


class AuditLog:
    def __init__(self, path: Path, *, run_id: str, actor: str) -> None:
        self.path = path
        self.run_id = run_id
        self.actor = actor

    def append(self, record: AuditRecord) -> None:
        line = {
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "run_id": self.run_id,
            "actor": self.actor,
            "action": record.action,
            "key": record.key,
            "genesys_id": record.genesys_id,
            "before": record.before,
            "after": record.after,
            "result": record.result,
            "error": record.error,
            "duration_seconds": round(record.duration_seconds, 3),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = (json.dumps(line, ensure_ascii=False) + "\n").encode()
        # O_APPEND keeps concurrent writers from interleaving within a line.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
