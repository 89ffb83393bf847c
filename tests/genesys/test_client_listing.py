"""The client's listing against a real sandbox: envelope fields left out, pages that change
while they are read, and entries that are not ours."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from urllib.parse import parse_qs

import httpx
import pytest
from genesys_sandbox import (
    LIST,
    QUICK,
    TYPE_ID,
    CraftedApi,
    behave,
    forget_requests,
    requests,
    seed,
    with_client,
)

from iac.errors import IacError
from iac.genesys.client import GenesysClient, InconsistentListing
from iac.genesys.settings import GenesysTarget
from iac.genesys.transport import HttpxHttpClient
from iac.sandbox import SandboxOptions, SandboxServer

COUNT = 230  # three pages of 100


@pytest.fixture
def sandbox(sandbox_options: SandboxOptions) -> Iterator[SandboxServer]:
    # In memory: seeding hundreds of integrations into a file costs seconds per test.
    with SandboxServer(None, sandbox_options) as server:
        yield server


@pytest.fixture
def org(sandbox: SandboxServer) -> list[str]:
    ids = seed(sandbox.url, COUNT)
    forget_requests(sandbox.url)
    return ids


def list_ids(target: GenesysTarget, **options: object) -> list[str]:
    async def listing(client: GenesysClient) -> list[str]:
        return sorted(await client.list_destinations())

    return with_client(target, listing, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("omitted", "list_requests"),
    [
        ([], 3),  # one request per page: no more than before
        (["pageCount"], 3),
        (["pageCount", "nextUri"], 3),
        # No total: a short page still ends it, but several pages are read twice to compare.
        (["pageCount", "nextUri", "total"], 6),
        (["pageCount", "total"], 6),
    ],
)
def test_every_page_is_read_whatever_the_envelope_leaves_out(
    sandbox: SandboxServer,
    target: GenesysTarget,
    org: list[str],
    omitted: list[str],
    list_requests: int,
) -> None:
    behave(sandbox.url, omit_list_fields=omitted)

    assert list_ids(target) == sorted(org)
    assert len(requests(sandbox.url, "GET", LIST)) == list_requests


def test_a_page_count_of_one_does_not_hide_later_pages(
    sandbox: SandboxServer, target: GenesysTarget, org: list[str]
) -> None:
    # pageCount alone used to decide: without it the client read page 1 only.
    behave(sandbox.url, omit_list_fields=["pageCount", "nextUri", "lastUri"])

    assert len(list_ids(target)) == COUNT


class CreateDuringPaging:
    """An httpx request hook: before page 2 of a listing is sent, someone creates one more
    integration (``times`` times at most; None: every time)."""

    def __init__(self, url: str, times: int | None) -> None:
        self.url = url
        self.times = times
        self.created: list[str] = []

    def __call__(self, request: httpx.Request) -> None:
        if request.method != "GET" or request.url.path != LIST:
            return
        if parse_qs(request.url.query.decode()).get("pageNumber") != ["2"]:
            return
        if self.times is None or len(self.created) < self.times:
            self.created += seed(self.url)


@pytest.fixture
def meddler(sandbox: SandboxServer, request: pytest.FixtureRequest) -> CreateDuringPaging:
    return CreateDuringPaging(sandbox.url, request.param)


@pytest.fixture
def meddled(meddler: CreateDuringPaging) -> Iterator[HttpxHttpClient]:
    with httpx.Client(
        timeout=10.0,
        follow_redirects=False,
        transport=httpx.HTTPTransport(retries=0),
        event_hooks={"request": [meddler]},
    ) as own:
        http = HttpxHttpClient(client=own)
        yield http
        http.close()


@pytest.mark.parametrize("meddler", [1], indirect=True)
def test_a_listing_that_changed_while_paged_is_read_again(
    sandbox: SandboxServer,
    target: GenesysTarget,
    org: list[str],
    meddler: CreateDuringPaging,
    meddled: HttpxHttpClient,
) -> None:
    ids = list_ids(target, http=meddled)

    assert ids == sorted(org + meddler.created)
    assert len(requests(sandbox.url, "GET", LIST)) == 6  # two readings of three pages


@pytest.mark.parametrize("meddler", [None], indirect=True)
def test_a_listing_that_never_adds_up_is_not_returned(
    sandbox: SandboxServer,
    target: GenesysTarget,
    org: list[str],
    meddler: CreateDuringPaging,
    meddled: HttpxHttpClient,
) -> None:
    policy = dataclasses.replace(QUICK, listing_attempts=3)

    with pytest.raises(InconsistentListing) as caught:
        list_ids(target, http=meddled, policy=policy)

    message = str(caught.value)
    assert isinstance(caught.value, IacError)
    assert message.startswith("the listing of integrations was inconsistent, read 3 times (")
    assert "the pages disagree on the total" in message
    assert "not planned on" in message
    assert len(meddler.created) == 3
    assert len(requests(sandbox.url, "GET", LIST)) == 9


def entry(integration_id: str | None, type_id: str | None) -> dict[str, object]:
    doc: dict[str, object] = {
        "name": "Amazon EventBridge Source",
        "intendedState": "DISABLED",
        "config": {
            "current": {
                "id": integration_id,
                "name": "Amazon EventBridge Source",
                "version": 1,
                "properties": {},
                "advanced": {},
                "notes": "",
                "credentials": {},
            }
        },
    }
    if integration_id is not None:
        doc["id"] = integration_id
    if type_id is not None:
        doc["integrationType"] = {"id": type_id}
    return doc


def test_an_entry_without_a_type_or_an_id_is_not_ours() -> None:
    listing = {
        "entities": [
            entry("ours", TYPE_ID),
            entry("untyped", None),
            entry(None, TYPE_ID),
            entry("other", "purecloud-data-actions"),
        ],
        "pageSize": 100,
        "pageNumber": 1,
        "total": 4,
    }
    with CraftedApi({("GET", LIST): listing}) as api:
        assert list_ids(api.target()) == ["ours"]
        assert api.seen == [("POST", "/oauth/token"), ("GET", LIST)]


def test_read_by_id_an_untyped_integration_is_still_ours_but_a_deleted_one_is_gone() -> None:
    answers = {
        ("GET", f"{LIST}/untyped"): entry("untyped", None),
        ("GET", f"{LIST}/other"): entry("other", "purecloud-data-actions"),
        ("GET", f"{LIST}/deleted"): {**entry("deleted", TYPE_ID), "intendedState": "DELETED"},
    }

    async def read(client: GenesysClient) -> list[str | None]:
        found = [await client.get_destination(i) for i in ("untyped", "other", "deleted")]
        return [d.id if d else None for d in found]

    with CraftedApi(answers) as api:
        # Asked by an id we hold, a missing type is no reason to call it gone (and so create
        # it again); another type, or Genesys saying DELETED, is.
        assert with_client(api.target(), read) == ["untyped", None, None]
