"""The org's index: listings, lookups and the uniqueness rule stay exact as the org changes.

The store pages from ordered indexes and rewrites only changed records in its file; these
tests compare what it serves with what a plain walk over every record says it should serve.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import httpx
import pytest
from iac_testing.sandbox_calls import GOOD_PROPS, TYPE_ID, create, set_behaviour

from iac.sandbox import SandboxServer
from iac.sandbox.activation import ActivationPolicy
from iac.sandbox.behaviour import Behaviour, BehaviourSetting
from iac.sandbox.errors import ApiError
from iac.sandbox.org import OrgStore

OTHER_TYPE = "webhook"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def props(suffix: str) -> dict[str, Any]:
    return {**GOOD_PROPS, "eventSourceSuffix": suffix}


def configure(store: OrgStore, iid: str, suffix: str) -> None:
    version = store.integration(iid)["config"]["version"]
    store.put_config(iid, {"name": suffix, "version": version, "properties": props(suffix)})


def listed(store: OrgStore, type_id: str | None, size: int) -> list[dict[str, Any]]:
    """Every page in turn, checking each page's total against the first's."""
    out: list[dict[str, Any]] = []
    number = 1
    first_total: int | None = None
    while True:
        page, total = store.integration_page(type_id, number, size)
        first_total = total if first_total is None else first_total
        assert total == first_total
        if not page:
            assert len(out) == total
            return out
        assert len(page) == min(size, total - len(out))
        out.extend(page)
        number += 1


def test_listing_stays_exact_through_interleaved_creates_and_deletes() -> None:
    clock = Clock()
    behaviour = BehaviourSetting(Behaviour(delete_visible_seconds=5))
    store = OrgStore(None, ActivationPolicy(delay=0.0), behaviour, clock=clock)
    rand = random.Random(20240610)
    live: dict[str, dict[str, Any]] = {}  # the reference: id -> record as last created
    gone: dict[str, tuple[dict[str, Any], float]] = {}
    for step in range(300):
        clock.now += rand.choice((0.0, 0.5, 1.0, 2.0))
        if live and rand.random() < 0.4:
            iid = rand.choice(sorted(live))
            deleted = store.delete(iid)
            gone[iid] = (deleted, clock.now + 5)
            del live[iid]
        else:
            other = rand.random() < 0.25
            rec = store.create(OTHER_TYPE if other else TYPE_ID, seeded=other)
            if not other and rand.random() < 0.5:
                configure(store, rec["id"], f"s{step}")
            live[rec["id"]] = rec
        if step % 10:
            continue
        visible = [r for r, until in gone.values() if until > clock.now]
        for type_id in (None, TYPE_ID, OTHER_TYPE):
            expected = sorted(
                (r for r in [*live.values(), *visible] if type_id in (None, r["typeId"])),
                key=lambda r: r["seq"],
            )
            for size in (1, 3, 7, 100):
                got = listed(store, type_id, size)
                assert [r["id"] for r in got] == [r["id"] for r in expected]
                assert [r["intendedState"] == "DELETED" for r in got] == [
                    r["id"] in gone for r in expected
                ]
    # Past the last page: empty, with the total all the same.
    page, total = store.integration_page(None, 10_000, 7)
    assert (page, total) == ([], len(listed(store, None, 100)))


def test_by_id_reads_follow_creates_and_deletes() -> None:
    clock = Clock()
    behaviour = BehaviourSetting(Behaviour(delete_visible_seconds=5))
    store = OrgStore(None, ActivationPolicy(delay=0.0), behaviour, clock=clock)
    first, second = (store.create(TYPE_ID)["id"] for _ in range(2))
    store.delete(first)
    assert store.integration(first)["intendedState"] == "DELETED"  # still visible
    with pytest.raises(ApiError) as err:
        store.set_intended_state(first, "ENABLED")  # but gone for every write
    assert err.value.status == 404
    clock.now += 5
    with pytest.raises(ApiError):
        store.integration(first)
    assert store.integration(second)["id"] == second


def test_uniqueness_follows_each_config_change() -> None:
    store = OrgStore(None, ActivationPolicy(delay=0.0))
    a, b, c = (store.create(TYPE_ID)["id"] for _ in range(3))
    configure(store, a, "shared")
    configure(store, b, "shared-too")
    with pytest.raises(ApiError) as err:
        configure(store, c, "shared")
    assert err.value.body()["entityId"] == a
    # a moves to another suffix: "shared" is free again, and b may take it.
    configure(store, a, "moved")
    configure(store, b, "shared")
    with pytest.raises(ApiError) as err:
        configure(store, c, "shared")
    assert err.value.body()["entityId"] == b
    # An out-of-band edit moves an identity as a PUT does; a delete frees one.
    store.admin_edit(b, {"properties": {"eventSourceSuffix": "edited"}})
    configure(store, c, "shared")
    with pytest.raises(ApiError):
        store.admin_edit(a, {"properties": {"eventSourceSuffix": "edited"}})
    store.delete(b)
    store.admin_edit(a, {"properties": {"eventSourceSuffix": "edited"}})


def test_uniqueness_with_unhashable_properties_at_activation() -> None:
    """Unchecked property values (lists) still compare, and clash, by value."""
    behaviour = BehaviourSetting(Behaviour(validate_properties_at="activation"))
    store = OrgStore(None, ActivationPolicy(delay=0.0), behaviour)
    odd = {**GOOD_PROPS, "eventSourceSuffix": ["not", "a", "string"]}
    ids = [store.create(TYPE_ID)["id"] for _ in range(2)]
    for iid in ids:
        store.put_config(iid, {"name": "odd", "version": 1, "properties": odd})
        store.set_intended_state(iid, "ENABLED")
    states = [store.integration(iid)["state"]["outcome"] for iid in ids]
    assert states == ["ERROR", "ERROR"]  # invalid values: both fail at activation


def test_org_file_is_the_whole_org_after_every_write(tmp_path: Path) -> None:
    data_file = tmp_path / "org.json"
    store = OrgStore(data_file, ActivationPolicy(delay=0.0))

    def check() -> None:
        # Byte for byte what encoding the whole org at once writes: the file format is kept.
        assert data_file.read_text() == json.dumps(store.snapshot(), indent=2)

    check()
    ids = [store.create(TYPE_ID)["id"] for _ in range(4)]
    check()
    configure(store, ids[1], "one")
    store.set_intended_state(ids[1], "ENABLED")
    check()
    store.delete(ids[0])
    store.admin_edit(ids[2], {"name": "edited", "intendedState": "ENABLED"})
    check()
    store.create(OTHER_TYPE, seeded=True)
    store.delete(ids[3])
    check()
    again = OrgStore(data_file, ActivationPolicy(delay=0.0))
    assert again.snapshot() == store.snapshot()
    assert [r["id"] for r in listed(again, None, 2)] == [r["id"] for r in listed(store, None, 2)]
    # The reloaded store keeps writing whole, correct files.
    again.delete(ids[1])
    assert json.loads(data_file.read_text()) == again.snapshot()


def test_http_listing_after_interleaved_creates_and_deletes(
    server: SandboxServer, http: httpx.Client
) -> None:
    set_behaviour(server.url, delete_visible_seconds=60)
    created = [create(http)["id"] for _ in range(9)]
    for iid in created[2:5]:
        assert http.delete(f"/api/v2/integrations/{iid}").status_code == 200
    created += [create(http)["id"] for _ in range(3)]
    gone = set(created[2:5])
    seen: list[dict[str, Any]] = []
    for number in range(1, 4):
        page = http.get("/api/v2/integrations", params={"pageSize": 5, "pageNumber": number})
        doc = page.json()
        assert (doc["total"], doc["pageCount"], doc["pageNumber"]) == (12, 3, number)
        assert ("nextUri" in doc) == (number < 3)
        assert ("previousUri" in doc) == (number > 1)
        seen += doc["entities"]
    assert [e["id"] for e in seen] == created  # creation order, deleted ones in their place
    assert [e["intendedState"] == "DELETED" for e in seen] == [i in gone for i in created]
    # Deleted without the delay: gone from the listing at once, the rest still in order.
    set_behaviour(server.url)
    assert http.delete(f"/api/v2/integrations/{created[6]}").status_code == 200
    doc = http.get("/api/v2/integrations", params={"pageSize": 100}).json()
    assert [e["id"] for e in doc["entities"]] == [i for i in created if i != created[6]]
    assert doc["total"] == 11
