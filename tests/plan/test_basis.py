"""What a saved plan remembers of the org it was made in, and when that makes it stale."""

from __future__ import annotations

from dataclasses import asdict, fields, replace

from iac.genesys.live import LiveDestination
from iac.plan.basis import Basis, basis_of, stale_reasons
from iac.run.planfile import _BasisDoc
from iac.state.model import State

ORG_A = ("a1a1a1a1-0000-4000-8000-00000000000a", "Org A")
ORG_B = ("b2b2b2b2-0000-4000-8000-00000000000b", "Org B")
URL = "https://api.mypurecloud.com"


def state_in(org: tuple[str, str] | None, serial: int = 3) -> State:
    state = State(lineage="lineage-1", serial=serial, target=URL)
    return state if org is None else state.with_org(*org)


def live() -> dict[str, LiveDestination]:
    return {"i-1": LiveDestination("i-1", {"name": "Orders"}, version=2)}


def basis_for(state: State) -> Basis:
    return basis_of(config_hash="c0ffee", state=state, live=live(), workspace="default")


def test_the_basis_records_the_org_of_the_state_the_run_holds() -> None:
    basis = basis_for(state_in(ORG_A))
    assert (basis.org_id, basis.org_name) == ORG_A
    assert basis.target == URL


def test_a_plan_for_the_same_org_is_not_stale() -> None:
    state = state_in(ORG_A)
    assert stale_reasons(basis_for(state), state, True, live(), {"i-1"}) == []


def test_a_plan_for_another_org_on_the_same_url_is_stale_naming_both_orgs() -> None:
    then = basis_for(state_in(ORG_A))
    reasons = stale_reasons(then, state_in(ORG_B), True, live(), set())
    assert reasons == [
        f"it was made for org Org A (id {ORG_A[0]}), but this run logs in to org "
        f"Org B (id {ORG_B[0]})"
    ]


def test_an_org_without_a_name_is_named_by_its_id() -> None:
    then = basis_for(state_in((ORG_A[0], "")))
    [reason] = stale_reasons(then, state_in(ORG_B), True, live(), set())
    assert f"made for org id {ORG_A[0]}," in reason


def test_a_plan_saved_before_iac_read_the_org_is_judged_by_the_rest() -> None:
    then = replace(basis_for(state_in(ORG_A)), org_id=None, org_name=None)
    assert stale_reasons(then, state_in(ORG_B), True, live(), {"i-1"}) == []


def test_the_saved_plan_document_mirrors_the_basis_field_for_field() -> None:
    assert [f.name for f in fields(Basis)] == list(_BasisDoc.model_fields)
    basis = basis_for(state_in(ORG_A))
    assert Basis(**_BasisDoc(**asdict(basis)).model_dump()) == basis


def test_a_saved_basis_without_an_org_still_loads() -> None:
    doc = _BasisDoc.model_validate(
        {
            "config_hash": "c0ffee",
            "state_lineage": None,
            "state_serial": 0,
            "target": URL,
            "workspace": "default",
            "live": {},
        }
    )
    assert (doc.org_id, doc.org_name) == (None, None)
