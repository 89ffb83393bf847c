"""The org file: one JSON document, rewritten atomically after every change.

Encoding 10,000 records on every write would make an apply into a large org cost the org's
size per call, so each record's text is kept and only the records a write changed are encoded
again; the file is then those texts joined. The result is byte for byte what
``json.dumps(org, indent=2)`` writes (``integrations`` last), so the file stays readable.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from iac.atomic import write_atomic

Record = dict[str, Any]
_ITEM_INDENT = "\n    "  # an entry of the top-level "integrations" list, at indent=2


class OrgFile:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._texts: dict[str, str] = {}  # integration id -> its JSON, indented as in the file

    def load(self) -> dict[str, Any] | None:
        """The org in the file, or None when there is no file (yet)."""
        if self.path is None or not self.path.exists():
            return None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"cannot read sandbox org file {self.path}: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("integrations"), list):
            raise ValueError(f"{self.path} is not a sandbox org file")
        return data

    def save(
        self, meta: dict[str, Any], recs: list[Record], changed: Iterable[Record] = ()
    ) -> None:
        """Write ``meta`` with ``integrations``: ``recs``, in order, as the last key.

        ``changed``: the records altered or deleted since the last save, whose text is stale.
        Nothing is written without a file.
        """
        if self.path is None:
            return
        for rec in changed:
            self._texts.pop(rec["id"], None)
        items = [self._texts.get(rec["id"]) or self._encode(rec) for rec in recs]
        head = json.dumps({k: v for k, v in meta.items() if k != "integrations"}, indent=2)
        body = f"[{_ITEM_INDENT}{f',{_ITEM_INDENT}'.join(items)}\n  ]" if items else "[]"
        if head == "{}":
            text = f'{{\n  "integrations": {body}\n}}'
        else:
            text = f'{head[:-2]},\n  "integrations": {body}\n}}'
        write_atomic(self.path, text)

    def _encode(self, rec: Record) -> str:
        text = json.dumps(rec, indent=2).replace("\n", _ITEM_INDENT)
        self._texts[rec["id"]] = text
        return text
