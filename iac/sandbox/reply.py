"""What a route answers, before the HTTP layer writes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from iac.sandbox.errors import ApiError


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def ok(cls, body: Any) -> Reply:
        return cls(200, body)

    @classmethod
    def from_error(cls, err: ApiError) -> Reply:
        return cls(err.status, err.body(), dict(err.headers))
