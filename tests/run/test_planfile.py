"""The saved plan file on its own: what ``save_plan`` writes, ``load_plan`` gives back, and
how a file that is not (or no longer) a saved plan is refused."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from iac_testing.plan_data import attrs
from iac_testing.plan_samples import full_plan

from iac.config.models import OrgSettings
from iac.config.policy import Policy
from iac.errors import IacError
from iac.plan.basis import Basis
from iac.plan.model import Plan
from iac.run.inputs import Inputs
from iac.run.planfile import SavedPlan, load_plan, save_plan

SECRET_ID = "client-id-value-3f9a"
SECRET = "client-secret-value-never-saved-7c1e"


def sample_basis(**overrides: Any) -> Basis:
    values: dict[str, Any] = {
        "config_hash": "c" * 64,
        "state_lineage": "lineage-1",
        "state_serial": 4,
        "target": "https://api.mypurecloud.ie",
        "workspace": "prod",
        "live": {"i-upd": "f" * 64, "i-rep": "e" * 64},
    }
    values.update(overrides)
    return Basis(**values)


CONFIG_DIR = Path("config/prod")


def sample_inputs() -> Inputs:
    return Inputs(
        desired={
            "upd": attrs(name="upd v2", event_source_suffix="upd"),
            "new": attrs(name="new", event_source_suffix="new", notes="multi\nline é✓"),
        },
        probe_endpoints={"upd": "https://probe.example.com/health", "new": "https://x.test"},
        policy=Policy(
            allowed_aws_account_ids=["123456789012"],
            allowed_regions=["us-east-1", "eu-west-1"],
            required_topic_patterns=["v2.users.*"],
            forbidden_topic_patterns=["v2.audits.*"],
            allow_delete=False,
            allow_replace=True,
        ),
        org=OrgSettings(
            region="eu-west-1",
            client_id_env="PROD_GENESYS_CLIENT_ID",
            client_secret_env="PROD_GENESYS_CLIENT_SECRET",
        ),
        protected=frozenset({"upd", "rep"}),
        source=CONFIG_DIR,
        moved=(("upd-old", "upd"),),
    )


@pytest.fixture
def saved_file(tmp_path: Path) -> Path:
    path = tmp_path / "plans" / "release.tfplan"  # the folder does not exist yet
    save_plan(path, full_plan(), sample_basis(), sample_inputs(), strict=True)
    return path


def document(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def damaged_error(path: Path, damage: Callable[[dict[str, Any]], None]) -> str:
    raw = document(path)
    damage(raw)
    path.write_text(json.dumps(raw), encoding="utf-8")
    return load_error(path)


def load_error(path: Path) -> str:
    with pytest.raises(IacError) as info:
        load_plan(path)
    err = info.value
    assert type(err) is IacError  # one clean error, not pydantic's or json's
    # Raised from None: no chained json/pydantic traceback behind the message.
    assert err.__cause__ is None and (err.__context__ is None or err.__suppress_context__)
    return str(err)


# --- round trip -------------------------------------------------------------------------


def test_round_trip_keeps_plan_basis_inputs_and_strict(saved_file: Path) -> None:
    loaded = load_plan(saved_file)

    assert isinstance(loaded, SavedPlan)
    assert loaded.plan == full_plan()
    assert loaded.basis == sample_basis()
    assert loaded.strict is True
    assert loaded.inputs == sample_inputs()
    # What a later apply needs without the configuration, field by field:
    inputs = loaded.inputs
    assert inputs.desired == sample_inputs().desired
    assert inputs.probe_endpoints == {
        "upd": "https://probe.example.com/health",
        "new": "https://x.test",
    }
    assert isinstance(inputs.policy, Policy)
    assert inputs.policy.allow_delete is False
    assert inputs.policy.forbidden_topic_patterns == ["v2.audits.*"]
    assert isinstance(inputs.org, OrgSettings)
    assert inputs.org.region == "eu-west-1"
    assert inputs.org.client_secret_env == "PROD_GENESYS_CLIENT_SECRET"
    assert inputs.protected == frozenset({"upd", "rep"})
    assert inputs.moved == (("upd-old", "upd"),)
    # ... so the reloaded inputs hash to the configuration the plan was made from.
    assert inputs.config_hash == sample_inputs().config_hash


def test_round_trip_of_the_smallest_plan(tmp_path: Path) -> None:
    """No state yet, no policy, no org block, nothing protected, not strict."""
    path = tmp_path / "first.plan"
    basis = sample_basis(state_lineage=None, state_serial=0, live={}, target="sandbox")
    inputs = Inputs(desired={"orders": attrs()}, source=CONFIG_DIR)
    save_plan(path, Plan(changes=()), basis, inputs, strict=False)

    loaded = load_plan(path)
    assert loaded.plan == Plan(changes=())
    assert loaded.basis == basis
    assert loaded.inputs == inputs
    assert loaded.inputs.policy is None and loaded.inputs.org is None
    assert loaded.strict is False


def test_round_trip_keeps_an_org_api_url(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    org = OrgSettings(api_url="http://127.0.0.1:8080/genesys")
    inputs = Inputs(desired={}, org=org, source=CONFIG_DIR)
    save_plan(path, Plan(changes=()), sample_basis(), inputs, strict=False)
    assert load_plan(path).inputs.org == org


def test_the_file_is_a_versioned_document_with_a_creation_time(saved_file: Path) -> None:
    raw = document(saved_file)
    assert raw["kind"] == "iac-saved-plan"
    assert raw["format_version"] == 4
    assert raw["config_dir"] == "config/prod"
    assert raw["plan"]["format_version"] == 1
    assert raw["protected"] == ["rep", "upd"]  # sorted: the same plan, the same file
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", raw["created_at"])
    assert load_plan(saved_file).created_at == raw["created_at"]


def test_saving_again_replaces_the_file(saved_file: Path) -> None:
    other = sample_basis(workspace="other")
    inputs = Inputs(desired={}, source=CONFIG_DIR)
    save_plan(saved_file, Plan(changes=()), other, inputs, strict=False)
    loaded = load_plan(saved_file)
    assert loaded.plan == Plan(changes=()) and loaded.basis.workspace == "other"
    assert [p.name for p in saved_file.parent.iterdir()] == [saved_file.name]  # no temp file


# --- no secrets ---------------------------------------------------------------------------


def test_the_org_block_holds_variable_names_never_their_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROD_GENESYS_CLIENT_ID", SECRET_ID)
    monkeypatch.setenv("PROD_GENESYS_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_ID", SECRET_ID)
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_SECRET", SECRET)
    path = tmp_path / "p.json"
    save_plan(path, full_plan(), sample_basis(), sample_inputs(), strict=False)

    text = path.read_text(encoding="utf-8")
    assert SECRET not in text and SECRET_ID not in text
    assert document(path)["org"] == {
        "region": "eu-west-1",
        "api_url": None,
        "client_id_env": "PROD_GENESYS_CLIENT_ID",
        "client_secret_env": "PROD_GENESYS_CLIENT_SECRET",
    }


# --- refused files ------------------------------------------------------------------------


def test_a_missing_file_is_one_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.plan"
    message = load_error(path)
    assert str(path) in message
    assert "cannot read the saved plan" in message


@pytest.mark.parametrize("text", ["", "not json at all", '{"kind": ', "\x00\x01"])
def test_a_file_that_is_not_json_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "p.plan"
    path.write_text(text, encoding="utf-8")
    message = load_error(path)
    assert message == f"{path} is not a saved plan (not JSON)."


@pytest.mark.parametrize(
    "content",
    [
        [],
        "iac-saved-plan",
        {"kind": "iac-plan"},
        {"format_version": 1},  # no kind at all
        {"kind": None},
    ],
    ids=["list", "string", "other-kind", "no-kind", "null-kind"],
)
def test_json_of_another_kind_is_not_a_saved_plan(tmp_path: Path, content: Any) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(content), encoding="utf-8")
    assert load_error(path) == f"{path} is not a saved plan written by `iac plan --out`."


def test_a_plan_document_is_not_a_saved_plan(saved_file: Path, tmp_path: Path) -> None:
    """`iac plan --format json` output looks close, but carries no basis or inputs."""
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document(saved_file)["plan"]), encoding="utf-8")
    assert "is not a saved plan written by `iac plan --out`" in load_error(path)


def _drop(*where: str | int) -> Callable[[dict[str, Any]], None]:
    def damage(raw: dict[str, Any]) -> None:
        node: Any = raw
        for step in where[:-1]:
            node = node[step]
        del node[where[-1]]

    return damage


def _set(value: Any, *where: str | int) -> Callable[[dict[str, Any]], None]:
    def damage(raw: dict[str, Any]) -> None:
        node: Any = raw
        for step in where[:-1]:
            node = node[step]
        node[where[-1]] = value

    return damage


DAMAGES = [
    pytest.param(_drop("strict"), "strict", id="strict-removed"),
    pytest.param(_drop("basis"), "basis", id="basis-removed"),
    pytest.param(_drop("basis", "config_hash"), "basis.config_hash", id="config-hash-removed"),
    pytest.param(_drop("desired"), "desired", id="desired-removed"),
    pytest.param(_drop("moved"), "moved", id="moved-removed"),
    pytest.param(
        _drop("plan", "changes", 0, "action"), "plan.changes.0.action", id="action-removed"
    ),
    pytest.param(_set("four", "basis", "state_serial"), "basis.state_serial", id="serial-type"),
    pytest.param(_set("yes please", "strict"), "strict", id="strict-type"),
    pytest.param(_set("upd", "protected"), "protected", id="protected-type"),
    pytest.param(_set(["a", "list"], "desired"), "desired", id="desired-type"),
    pytest.param(_set({"upd": 42}, "probe_endpoints"), "probe_endpoints.upd", id="probe-type"),
    pytest.param(
        _set("maybe", "policy", "allow_delete"), "policy.allow_delete", id="policy-rule-type"
    ),
    pytest.param(
        _set("explode", "plan", "changes", 0, "action"), "plan.changes.0.action", id="action"
    ),
    pytest.param(_set(None, "config_dir"), "config_dir", id="config-dir-type"),
    pytest.param(_set("ftp://api.example.com", "org", "api_url"), "org.api_url", id="api-url"),
    pytest.param(
        _set("https://api example.com", "org", "api_url"), "org.api_url", id="api-url-space"
    ),
    pytest.param(_set("client-id=abc", "org", "client_id_env"), "org.client_id_env", id="env-name"),
    pytest.param(
        _set("a secret value", "org", "client_secret"), "org.client_secret", id="org-extra"
    ),
    pytest.param(_set(True, "sneaky"), "sneaky", id="extra-field"),
]


@pytest.mark.parametrize(("damage", "field"), DAMAGES)
def test_a_damaged_file_names_the_file_and_the_field(
    saved_file: Path, damage: Callable[[dict[str, Any]], None], field: str
) -> None:
    message = damaged_error(saved_file, damage)
    assert message.startswith(f"{saved_file}: damaged saved plan at {field}: "), message
    assert "\n" not in message  # one finding, not pydantic's whole report


def test_an_org_block_with_region_and_api_url_is_damaged(saved_file: Path) -> None:
    message = damaged_error(saved_file, _set("https://api.mypurecloud.ie", "org", "api_url"))
    assert message.startswith(f"{saved_file}: damaged saved plan at org: "), message
    assert "mutually exclusive" in message


@pytest.mark.parametrize("version", [2, 3, 5, None])
def test_a_plan_in_another_format_is_refused_with_what_to_do(
    saved_file: Path, version: Any
) -> None:
    message = damaged_error(saved_file, _set(version, "format_version"))
    assert message == (
        f"{saved_file} is a saved plan in format {version!r}, which this iac does not apply "
        "(it writes format 4). Run iac plan again."
    )


def test_a_plan_needs_the_folder_its_configuration_came_from(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="configuration folder"):
        save_plan(
            tmp_path / "p", Plan(changes=()), sample_basis(), Inputs(desired={}), strict=False
        )


def test_a_damaged_file_does_not_echo_the_bad_value(saved_file: Path) -> None:
    """The org block names variables; if someone pasted the secret itself there, the error
    message (shown in CI logs) must not repeat it."""
    message = damaged_error(saved_file, _set(SECRET, "org", "client_secret_env"))
    assert message.startswith(f"{saved_file}: damaged saved plan at org.client_secret_env")
    assert SECRET not in message


def test_deeply_nested_json_is_one_error_too(tmp_path: Path) -> None:
    path = tmp_path / "deep.plan"
    path.write_text("[" * 100_000, encoding="utf-8")
    assert "is not a saved plan" in load_error(path)
