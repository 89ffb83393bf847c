"""Reading the whole listing: until the evidence says done, and only when the pages add up.

A fake listing endpoint stands in for Genesys here (no SDK, no HTTP): it pages a list of ids
as GET /api/v2/integrations does, and can leave out envelope fields, lie in them, or change
between two page reads.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from iac.errors import IacError
from iac.genesys.listing import InconsistentListing, read_listing

SIZE = 100


@dataclass
class FakeListing:
    """``count`` integrations paged by ``SIZE``; ``omit`` leaves envelope fields out."""

    count: int
    omit: tuple[str, ...] = ()
    page_count: int | None = None  # a lie about pageCount, when set
    cap: int | None = None  # the page size the server really uses
    before_page: Callable[[FakeListing, int], None] | None = None
    requests: list[int] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ids = [f"i-{n:05d}" for n in range(self.count)]

    async def page(self, number: int) -> Any:
        self.requests.append(number)
        if self.before_page is not None:
            self.before_page(self, number)
        size = self.cap or SIZE
        chunk = self.ids[(number - 1) * size : number * size]
        pages = math.ceil(len(self.ids) / size)
        fields = {
            "entities": [SimpleNamespace(id=i) for i in chunk],
            "page_size": size,
            "total": len(self.ids),
            "page_count": self.page_count if self.page_count is not None else pages,
            "next_uri": f"/api/v2/integrations?pageNumber={number + 1}" if number < pages else None,
        }
        for name in self.omit:
            fields[name] = None
        return SimpleNamespace(**fields)

    def add(self, integration_id: str, at: int = 0) -> None:
        self.ids.insert(at, integration_id)


def read(fake: FakeListing, attempts: int = 3, waits: list[int] | None = None) -> list[str]:
    def backoff(n: int) -> float:
        if waits is not None:
            waits.append(n)
        return 0.0

    entries = asyncio.run(read_listing(fake.page, SIZE, attempts=attempts, backoff=backoff))
    return [e.id for e in entries]


ALL_OMITTED = ("page_count", "next_uri", "total")


@pytest.mark.parametrize(
    ("count", "omit", "requests"),
    [
        # Every field present: one request per page, the last page's end is evident.
        (0, (), 1),
        (1, (), 1),
        (100, (), 1),
        (250, (), 3),
        (300, (), 3),
        # Without pageCount: total still tells how many pages to read at once.
        (250, ("page_count",), 3),
        # Nothing but the entries: a short page ends the listing; a full last page costs one
        # more, empty, page.
        (100, ALL_OMITTED, 2),
        (0, ALL_OMITTED, 1),
        (99, ALL_OMITTED, 1),
        # Several pages and no total to check them against: read twice, compared.
        (250, ALL_OMITTED, 6),
        (200, ALL_OMITTED, 6),
        # Only nextUri: its absence on a full page ends it, once earlier pages had one.
        (200, ("page_count", "total"), 4),
        (250, ("page_count", "total"), 6),
    ],
)
def test_pages_are_read_until_the_evidence_says_done(
    count: int, omit: tuple[str, ...], requests: int
) -> None:
    fake = FakeListing(count, omit=omit)

    assert read(fake) == fake.ids
    assert len(fake.requests) == requests


@pytest.mark.parametrize("lie", [1, 0, 2])
def test_a_wrong_page_count_is_not_the_last_word(lie: int) -> None:
    fake = FakeListing(250, page_count=lie)

    assert read(fake) == fake.ids
    assert sorted(fake.requests) == [1, 2, 3]


def test_a_page_count_too_high_costs_empty_pages_not_a_wrong_listing() -> None:
    fake = FakeListing(150, page_count=5, omit=("total", "next_uri"))

    assert read(fake) == fake.ids
    assert sorted(fake.requests) == sorted([1, 2, 3, 4, 5] * 2)  # no total: read twice


def test_pages_cut_smaller_than_asked_are_followed() -> None:
    # The server pages by 25 whatever was asked (and says so in pageSize).
    fake = FakeListing(60, cap=25)

    assert read(fake) == fake.ids
    assert sorted(fake.requests) == [1, 2, 3]


def test_a_listing_that_changes_between_pages_is_read_again() -> None:
    def create_once(fake: FakeListing, number: int) -> None:
        if number == 2 and len(fake.requests) == 2:  # the first reading's page 2 only
            fake.add("i-new")

    fake = FakeListing(250, before_page=create_once)
    waits: list[int] = []

    ids = read(fake, waits=waits)

    assert ids == fake.ids and "i-new" in ids and len(ids) == 251
    assert waits == [1]
    assert len(fake.requests) == 6  # two readings of three pages


@pytest.mark.parametrize(
    ("change", "omit", "reason"),
    [
        # Created at the front while paging: the last entry of page 1 shows again on page 2.
        (lambda f: f.add(f"i-x{len(f.requests)}"), ALL_OMITTED, "listed twice: i-000"),
        # The pages disagree on the total.
        (lambda f: f.add(f"i-x{len(f.requests)}"), (), "the pages disagree on the total"),
        # Deleted while paging, and no total: a shifted entry goes unseen, but the second
        # reading differs.
        (lambda f: f.ids.pop(0), ("total",), "it changed between two readings"),
    ],
)
def test_a_listing_that_never_adds_up_is_refused(
    change: Callable[[FakeListing], Any], omit: tuple[str, ...], reason: str
) -> None:
    def before(fake: FakeListing, number: int) -> None:
        if number > 1:
            change(fake)

    fake = FakeListing(250, omit=omit, before_page=before)
    waits: list[int] = []

    with pytest.raises(InconsistentListing) as caught:
        read(fake, attempts=3, waits=waits)

    message = str(caught.value)
    assert isinstance(caught.value, IacError)
    assert message.startswith("the listing of integrations was inconsistent, read 3 times (")
    assert reason in message
    assert "not planned on" in message
    assert waits == [1, 2]  # backoff between readings, none after the last


def test_count_must_match_the_total() -> None:
    fake = FakeListing(50)
    real_page = fake.page

    async def lying_total(number: int) -> Any:
        page = await real_page(number)
        page.total = 51
        return page

    with pytest.raises(InconsistentListing, match=r"50 listed where the total says 51"):
        asyncio.run(read_listing(lying_total, SIZE, attempts=2, backoff=lambda n: 0.0))


def test_entries_after_the_last_page_are_inconsistent() -> None:
    # pageCount says 3, page 2 is short, yet page 3 has entries.
    pages = {
        1: [f"a{n}" for n in range(100)],
        2: ["b1"],
        3: ["c1"],
    }

    async def page(number: int) -> Any:
        return SimpleNamespace(
            entities=[SimpleNamespace(id=i) for i in pages.get(number, [])],
            page_size=100,
            total=None,
            page_count=3,
            next_uri=None,
        )

    with pytest.raises(InconsistentListing, match=r"page 3 has entries after the last page, 2"):
        asyncio.run(read_listing(page, SIZE, attempts=1, backoff=lambda n: 0.0))
