"""The org's live integrations, indexed so no API call has to walk the whole org.

By id (GET, PUT, PATCH, DELETE), by type in creation order (a list page is a slice), and by
partner event source identity (the uniqueness rule only looks at the few that share one).
``OrgStore`` keeps it under its lock; the records are its own, shared, not copies.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Hashable, Iterable
from typing import Any

from iac.sandbox import eventbridge

Record = dict[str, Any]
Identity = tuple[str, str, str]
# Unchecked properties (validate_properties_at "activation") may hold lists or objects: such
# identities share one bucket, as none of them can equal a hashable one.
_UNHASHABLE = object()


def _seq(rec: Record) -> int:
    return int(rec["seq"])


class RecordIndex:
    def __init__(self, recs: Iterable[Record] = ()) -> None:
        self._by_id: dict[str, Record] = {}
        self._all: list[Record] = []  # creation (seq) order, as the listing shows them
        self._by_type: dict[str, list[Record]] = {}
        self._by_identity: dict[Hashable, list[Record]] = {}
        for rec in sorted(recs, key=_seq):
            self.add(rec)

    def __len__(self) -> int:
        return len(self._all)

    def get(self, integration_id: str) -> Record | None:
        return self._by_id.get(integration_id)

    def records(self) -> list[Record]:
        """Every live record in creation order (the list itself: do not change it)."""
        return self._all

    def count(self, type_id: str) -> int:
        return len(self._by_type.get(type_id, ()))

    def sharing(self, identity: Identity | None) -> list[Record]:
        """The records whose properties name this partner event source, in creation order."""
        key = _key(identity)
        if key is None:
            return []
        return sorted(self._by_identity.get(key, ()), key=_seq)

    # -- changes -----------------------------------------------------------------------

    def add(self, rec: Record) -> None:
        self._by_id[rec["id"]] = rec
        # insort, not append: a hand-edited org file may hold a nextSeq below some seq
        insort(self._all, rec, key=_seq)
        insort(self._by_type.setdefault(rec["typeId"], []), rec, key=_seq)
        self._link_identity(rec)

    def remove(self, rec: Record) -> None:
        del self._by_id[rec["id"]]
        _drop(self._all, rec)
        typed = self._by_type[rec["typeId"]]
        _drop(typed, rec)
        if not typed:
            del self._by_type[rec["typeId"]]
        self._unlink_identity(rec)

    def set_config(self, rec: Record, config: dict[str, Any]) -> None:
        """Replace a record's configuration, keeping the identity index in step with it."""
        self._unlink_identity(rec)
        rec["config"] = config
        self._link_identity(rec)

    def _link_identity(self, rec: Record) -> None:
        key = _key(eventbridge.identity(rec["config"]["properties"]))
        if key is not None:
            self._by_identity.setdefault(key, []).append(rec)

    def _unlink_identity(self, rec: Record) -> None:
        key = _key(eventbridge.identity(rec["config"]["properties"]))
        if key is None:
            return
        holders = self._by_identity[key]
        # by identity: == would compare whole records
        del holders[next(at for at, other in enumerate(holders) if other is rec)]
        if not holders:
            del self._by_identity[key]

    # -- listing -----------------------------------------------------------------------

    def page(
        self, type_id: str | None, start: int, size: int, gone: list[Record]
    ) -> tuple[list[Record], int]:
        """Records [start, start + size) of the listing, and how many it holds in all.

        The listing is the live records of ``type_id`` (all types for None) merged in seq
        order with ``gone`` (deleted ones still visible, already of that type, few). The cost
        is the page's, plus a binary search per gone record: never the org's.
        """
        live = self._all if type_id is None else self._by_type.get(type_id, [])
        total = len(live) + len(gone)
        if not gone:
            return live[start : start + size], total
        gone = sorted(gone, key=_seq)
        # A gone record's place in the merged listing: the gone before it plus the live before
        # it. Skip the gone records that sit before ``start``; the rest of it is live ones.
        skipped = 0
        while (
            skipped < len(gone)
            and skipped + bisect_left(live, _seq(gone[skipped]), key=_seq) < start
        ):
            skipped += 1
        i, j = start - skipped, skipped
        out: list[Record] = []
        while len(out) < size and (i < len(live) or j < len(gone)):
            if j < len(gone) and (i >= len(live) or _seq(gone[j]) < _seq(live[i])):
                out.append(gone[j])
                j += 1
            else:
                out.append(live[i])
                i += 1
        return out, total


def copy_json(value: Any) -> Any:
    """A deep copy of plain JSON data (what records are): a third of ``copy.deepcopy``'s cost,
    which a list page pays for each of its 100 records."""
    if isinstance(value, dict):
        return {key: copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_json(item) for item in value]
    return value


def _key(identity: Identity | None) -> Hashable | None:
    if identity is None:
        return None
    try:
        hash(identity)
    except TypeError:
        return _UNHASHABLE
    return identity


def _drop(recs: list[Record], rec: Record) -> None:
    at = bisect_left(recs, _seq(rec), key=_seq)
    # Equal seqs only in a hand-edited file: then look for this very record among them.
    while recs[at] is not rec:
        at += 1
    del recs[at]
