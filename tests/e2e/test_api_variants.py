"""The CLI against each plausible behaviour of the real API where it is unverified (issue 9):
listing envelopes without pageCount/nextUri/total, listings that change while paged, stale
versions as 400, deletes that stay visible, create names kept or ignored, 429 storms, and
region names in any case."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from iac_testing.cli_world import Sandbox, Workdir, config, destination

from iac.errors import IacError
from iac.genesys.client import GenesysClient
from iac.genesys.reads import Reads

LIST = "/api/v2/integrations"
CONFIG = "/api/v2/integrations/*/config/current"
TYPE_ID = "amazon-eventbridge-source"
NO_TOTAL = ["pageCount", "nextUri", "total"]


def seed(sandbox: Sandbox, count: int) -> None:
    """Unconfigured integrations made outside iac (listed before anything iac creates)."""
    with httpx.Client(base_url=sandbox.url) as http:
        for _ in range(count):
            http.post("/__sandbox/integrations", json={"typeId": TYPE_ID}).raise_for_status()


def calls(sandbox: Sandbox, method: str, path: str) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests() if r["method"] == method and r["path"] == path]


@pytest.mark.parametrize(
    "sandbox", [{"behaviour": {"omit_list_fields": NO_TOTAL}, "seed": 1}], indirect=True
)
def test_destinations_past_page_one_are_found_without_page_count(
    work: Workdir, sandbox: Sandbox
) -> None:
    seed(sandbox, 120)  # what iac creates lands on page 2
    work.write(config(destination("orders", "orders-prod"), destination("audit", "audit-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0

    planned = work.iac("plan", str(work.config))

    assert planned.exit_code == 0, planned.output
    assert "No changes." in planned.output  # not "2 to add": page 2 was read
    assert sandbox.suffixes() == ["audit-prod", "orders-prod"]


def test_a_listing_that_keeps_changing_while_paged_is_not_planned_on(
    work: Workdir, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(sandbox, 120)
    work.write(config(destination("orders", "orders-prod")))
    list_page = Reads._list_page

    async def meddled(self: Reads, number: int) -> Any:
        if number == 2:  # someone creates an integration while page 1 is being read
            seed(sandbox, 1)
        return await list_page(self, number)

    monkeypatch.setattr(Reads, "_list_page", meddled)

    for command in (("plan",), ("apply", "--auto-approve")):
        ran = work.iac(command[0], str(work.config), *command[1:])
        assert ran.exit_code == 1, ran.output
        assert "the listing of integrations was inconsistent, read 3 times" in ran.output
        assert "not planned on" in ran.output
        assert "Traceback" not in ran.output

    assert calls(sandbox, "POST", LIST) == []  # nothing created on a bad listing
    assert not (work.state_dir / "default.json").exists() or not work.state()["resources"]


@pytest.mark.parametrize(
    "sandbox", [{"behaviour": {"version_conflict_status": 400}}], indirect=True
)
def test_a_stale_version_answered_400_is_handled_like_409(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    sandbox.add_fault(method="PUT", path=CONFIG, action="drop_after_commit", on_calls=[1])

    applied = work.iac("apply", str(work.config), "--auto-approve")

    assert applied.exit_code == 0, applied.output
    puts = [r["status"] for r in sandbox.requests() if r["method"] == "PUT"]
    assert 400 in puts and 409 not in puts  # the retry met its own write, as a 400
    assert "No changes." in work.iac("plan", str(work.config)).output


@pytest.mark.parametrize("sandbox", [{"behaviour": {"delete_visible_seconds": 1.5}}], indirect=True)
def test_a_delete_visible_for_a_while_is_confirmed_once_gone(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(config(destination("orders", "orders-prod"), destination("audit", "audit-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    audit_id = work.state()["resources"]["audit"]["id"]

    work.write(config(destination("orders", "orders-prod")))
    applied = work.iac("apply", str(work.config), "--auto-approve")

    assert applied.exit_code == 0, applied.output
    assert "Destruction complete" in applied.output
    reads = [r["status"] for r in calls(sandbox, "GET", f"{LIST}/{audit_id}")]
    assert reads[0] == 200 and reads[-1] == 404  # still there for a while, then gone
    assert sandbox.suffixes() == ["orders-prod"]
    assert "No changes." in work.iac("plan", str(work.config)).output


@pytest.mark.parametrize(
    "sandbox",
    [{"behaviour": {"honour_create_name": True}}, {"behaviour": {"honour_create_name": False}}],
    indirect=True,
    ids=["name-honoured", "name-ignored"],
)
def test_a_lost_create_answer_makes_one_integration_whether_names_are_kept(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(config(destination("orders", "orders-prod"), destination("audit", "audit-prod")))
    sandbox.add_fault(method="POST", path=LIST, action="drop_after_commit", on_calls=[1])

    applied = work.iac("apply", str(work.config), "--auto-approve", "--parallelism", "2")

    assert applied.exit_code == 0, applied.output
    assert calls(sandbox, "POST", LIST)[0]["dropped"] is True
    assert sandbox.suffixes() == ["audit-prod", "orders-prod"]
    assert len(sandbox.stored()) == 2
    state_ids = {r["id"] for r in work.state()["resources"].values()}
    assert state_ids == {i["id"] for i in sandbox.stored()}


@pytest.mark.parametrize("sandbox", [{"seed": 20}], indirect=True)
def test_a_429_storm_costs_time_not_a_failed_job(work: Workdir, sandbox: Sandbox) -> None:
    keys = [f"dest{n}" for n in range(6)]
    work.write(config(*(destination(k, f"{k}-prod") for k in keys)))
    # Most API calls are throttled, and the first create seven times in a row (creates are
    # sent one at a time, so nothing comes between): a fixed count of six tries lost jobs
    # under far less. The run of seven is certain; a random storm's longest run is not.
    first_post_throttled = [1, 2, 3, 4, 5, 6, 7]
    sandbox.add_fault(
        method="POST",
        path="/api/v2/integrations",
        status=429,
        retry_after=0,
        on_calls=first_post_throttled,
    )
    sandbox.add_fault(method="*", path="/api/v2/*", status=429, retry_after=0, probability=0.6)

    applied = work.iac("apply", str(work.config), "--auto-approve")

    assert applied.exit_code == 0, applied.output
    assert "Apply complete! Resources: 6 added, 0 changed, 0 destroyed." in applied.output
    assert "for rate limiting" in applied.output
    assert sandbox.suffixes() == sorted(f"{k}-prod" for k in keys)
    statuses = ", ".join(str(r["status"]) for r in sandbox.requests())
    assert "429, 429, 429, 429, 429, 429" in statuses
    assert "No changes." in work.iac("plan", str(work.config)).output


@pytest.mark.parametrize("region", ["EU-WEST-1", "Eu-West-1"])
def test_the_region_is_accepted_in_any_case(
    work: Workdir, monkeypatch: pytest.MonkeyPatch, region: str
) -> None:
    async def no_network(self: GenesysClient) -> None:
        raise IacError(f"(test) would log in at {self.target.api_url}")

    monkeypatch.setattr(GenesysClient, "authenticate", no_network)
    env: dict[str, Any] = {**work.env, "GENESYSCLOUD_API_REGION": None}
    env["GENESYSCLOUD_REGION"] = region
    work.write(config(destination("orders", "orders-prod")))

    planned = Workdir(work.root, env).iac("plan", str(work.config))

    assert planned.exit_code == 1
    assert "(test) would log in at https://api.mypurecloud.ie" in planned.output
    assert "is not a Genesys Cloud region" not in planned.output
