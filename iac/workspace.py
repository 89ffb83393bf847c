"""Workspace names: each names one state file, its lock and its audit trail in a folder.

Kept free of heavy imports: the audit commands use it and must start instantly.
"""

from __future__ import annotations

import re

from iac.errors import IacError

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def check_workspace(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise IacError(
            f"Invalid workspace name {name!r}: use letters, digits, '.', '_' or '-' "
            "(at most 64, starting with a letter or digit)."
        )
    return name
