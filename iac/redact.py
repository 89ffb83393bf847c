"""Secret redaction, shared by everything that writes outside the process (audit, logs).

Defence in depth: callers never pass credentials on purpose, but a stray header dict or
error text must not carry a token into an audit file or a CI log.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

REDACTED = "[redacted]"
# Over-redacting a "tokenCount" is cheaper than leaking a token.
_SECRET_NAME = re.compile(r"secret|token|password|authorization", re.IGNORECASE)
_BEARER = re.compile(r"\b(Bearer)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE)


def is_secret_name(name: object) -> bool:
    return isinstance(name, str) and bool(_SECRET_NAME.search(name))


def redact(value: Any) -> Any:
    """A copy of ``value`` with secret-named keys (at any depth) and bearer tokens replaced."""
    if isinstance(value, Mapping):
        return {k: REDACTED if is_secret_name(k) else redact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(item) for item in value]
    if isinstance(value, str):
        return _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", value)
    return value
