"""Reading every page of ``GET /api/v2/integrations``, and refusing a listing that does not add up.

A listing page tells how much there is in three ways, none promised present or right:
``pageCount``, ``total`` and ``nextUri``. Trusting ``pageCount`` alone would make every
integration past page 1 look deleted when it is missing or wrong, and a plan would then create
duplicates. So the pages are read until the evidence says the listing is done:

- a short page (fewer entries than the page size) ends it;
- a full page ends it when ``total`` is reached (and no ``nextUri`` says there is more), or,
  when ``total`` is absent, when it has no ``nextUri`` although earlier pages had one;
- otherwise the next page is read (a full last page with no other evidence costs one more,
  empty, page).

``total`` (or, lacking it, ``pageCount``) only says which pages to read at once. The pages
read must then agree: no entries after the page that ended the listing, the same ``total`` on
every page, no id twice, and as many entries as the total says. Integrations created or
deleted between two page reads break that; such a listing is read again (``attempts`` times in
all, with backoff) and never returned: ``InconsistentListing`` says why.

Without any ``total``, an integration deleted from an earlier page while a later one is read
shifts the later pages, and one entry goes unseen without a trace. So a listing that combines
several non-empty pages and never saw a total is read a second time, and must come back the
same. With a total, a consistent listing costs one request per page (plus one, empty, when a
full last page carries no other evidence of being the last).

Duck-typed over the SDK's ``IntegrationEntityListing`` (``entities``, ``page_size``,
``total``, ``next_uri``, ``page_count``), so this module never imports the SDK.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from iac.errors import IacError
from iac.telemetry import get_logger

log = get_logger("genesys")

# How many pages one listing may span (100,000 integrations at 100 a page), and how many of
# them an untrusted pageCount may have read at once.
MAX_PAGES = 1000
MAX_PREFETCH = 20

FetchPage = Callable[[int], Awaitable[Any]]


class InconsistentListing(IacError):
    """The pages of the listing never added up to one consistent listing."""


class _Mismatch(Exception):
    """One reading of the listing did not add up; the text says how."""


async def read_listing(
    fetch_page: FetchPage,
    page_size: int,
    *,
    attempts: int,
    backoff: Callable[[int], float],
) -> list[Any]:
    """Every entry of the listing, in page order, read by ``fetch_page(number)``.

    ``page_size`` is what ``fetch_page`` asks for; ``backoff(n)`` is the wait after the n-th
    inconsistent reading.
    """
    reason = "no reading"
    for attempt in range(1, attempts + 1):
        try:
            entries, checked = await _read_once(fetch_page, page_size)
            if not checked:
                again, _ = await _read_once(fetch_page, page_size)
                if _ids(again) != _ids(entries):
                    raise _Mismatch(
                        "it changed between two readings, and no total told whether the "
                        "pages of either added up"
                    )
            return entries
        except _Mismatch as mismatch:
            reason = str(mismatch)
        log.warning("inconsistent listing of integrations: %s", reason, extra={"attempt": attempt})
        if attempt < attempts:
            await asyncio.sleep(backoff(attempt))
    times = "once" if attempts == 1 else f"{attempts} times"
    raise InconsistentListing(
        f"the listing of integrations was inconsistent, read {times} ({reason}); "
        "not planned on. Integrations were probably being created or deleted meanwhile: "
        "run again."
    )


async def _read_once(fetch_page: FetchPage, page_size: int) -> tuple[list[Any], bool]:
    """The entries of one reading, and whether a total (or a single page) vouches for them."""
    pages = [await fetch_page(1)]
    first = pages[0]
    if first.total is not None:
        planned = math.ceil(first.total / _size(first, page_size))
    else:
        planned = min(first.page_count or 1, MAX_PREFETCH)  # a hint, never the last word
    planned = min(planned, MAX_PAGES)
    if planned > 1:
        pages += await _fetch_all(fetch_page, range(2, planned + 1))
    while (end := _end(pages, page_size)) is None:
        if len(pages) >= MAX_PAGES:
            raise _Mismatch(f"still not at its end after {MAX_PAGES} pages")
        pages.append(await fetch_page(len(pages) + 1))
    entries = _checked(pages, end)
    spans = sum(1 for page in pages[: end + 1] if _entries(page))
    vouched = spans <= 1 or any(page.total is not None for page in pages[: end + 1])
    return entries, vouched


async def _fetch_all(fetch_page: FetchPage, numbers: range) -> list[Any]:
    """These pages, read concurrently.

    Not ``gather``'s own result list: the finished gathering future is left in a reference
    cycle with the event loop's handles, so whatever it holds (here every page of a large
    org) would stay in memory until the next full garbage collection.
    """
    pages: list[Any] = [None] * len(numbers)

    async def fetch(index: int, number: int) -> None:
        pages[index] = await fetch_page(number)

    await asyncio.gather(*(fetch(i, n) for i, n in enumerate(numbers)))
    return pages


def _ids(entries: list[Any]) -> list[str]:
    return sorted(str(e.id) for e in entries)


def _size(page: Any, requested: int) -> int:
    """The page size a page was cut to: its own word, else what was asked for."""
    size = page.page_size
    return size if isinstance(size, int) and 0 < size <= requested else requested


def _entries(page: Any) -> list[Any]:
    return list(page.entities or [])


def _end(pages: list[Any], page_size: int) -> int | None:
    """The index of the page that ends the listing, if one of these does."""
    seen = 0
    next_links = False
    for index, page in enumerate(pages):
        entries = _entries(page)
        seen += len(entries)
        if len(entries) < _size(page, page_size):
            return index
        if page.next_uri:
            next_links = True
            continue
        if page.total is not None:
            if seen >= page.total:
                return index
        elif next_links:
            return index
    return None


def _checked(pages: list[Any], end: int) -> list[Any]:
    """The entries of pages up to ``end``, once every page agrees with the others."""
    for number, page in enumerate(pages[end + 1 :], start=end + 2):
        if _entries(page):
            raise _Mismatch(f"page {number} has entries after the last page, {end + 1}")
    entries = [e for page in pages[: end + 1] for e in _entries(page)]
    totals = sorted({page.total for page in pages[: end + 1] if page.total is not None})
    if len(totals) > 1:
        raise _Mismatch(f"the pages disagree on the total: {', '.join(map(str, totals))}")
    counts = Counter(e.id for e in entries if e.id)
    duplicates = sorted(i for i, n in counts.items() if n > 1)
    if duplicates:
        raise _Mismatch(f"listed twice: {', '.join(duplicates[:5])}")
    if totals and totals[0] != len(entries):
        raise _Mismatch(f"{len(entries)} listed where the total says {totals[0]}")
    return entries
