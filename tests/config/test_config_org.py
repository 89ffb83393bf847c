"""The optional top-level ``org:`` block and per-destination ``prevent_destroy``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from iac.config import ConfigError, Destination, OrgSettings, destinations_schema, load_config

Write = Callable[[str, str], Path]

DESTINATION = """\
destinations:
  orders:
    name: Orders
    aws_account_id: "123456789012"
    aws_region: us-east-1
    event_source_suffix: orders
    topic_filters: [v2.a]
"""


def load_error(folder: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(folder)
    return str(info.value)


# --- org: valid ---------------------------------------------------------------------------


def test_no_org_block_means_none(tmp_path: Path, write: Write) -> None:
    write("d.yaml", DESTINATION)
    assert load_config(tmp_path).org is None


def test_full_org_block(tmp_path: Path, write: Write) -> None:
    write(
        "org.yaml",
        """\
        destinations: {}
        org:
          region: eu-west-1
          client_id_env: PROD_GENESYS_CLIENT_ID
          client_secret_env: PROD_GENESYS_CLIENT_SECRET
        """,
    )
    write("d.yaml", DESTINATION)
    config = load_config(tmp_path)
    assert config.org == OrgSettings(
        region="eu-west-1",
        client_id_env="PROD_GENESYS_CLIENT_ID",
        client_secret_env="PROD_GENESYS_CLIENT_SECRET",
    )
    assert config.org.api_url is None
    assert list(config.destinations) == ["orders"]


def test_org_block_in_the_same_file_as_destinations(tmp_path: Path, write: Write) -> None:
    write("d.yaml", DESTINATION + "org:\n  api_url: https://api.mypurecloud.ie\n")
    org = load_config(tmp_path).org
    assert org is not None
    assert org.api_url == "https://api.mypurecloud.ie"
    assert org.region is None
    assert org.client_id_env is None and org.client_secret_env is None


def test_empty_org_block_uses_all_defaults(tmp_path: Path, write: Write) -> None:
    write("d.yaml", "destinations: {}\norg: {}\n")
    assert load_config(tmp_path).org == OrgSettings()


def test_org_only_file_still_needs_destinations_key(tmp_path: Path, write: Write) -> None:
    # Like a policy-only file, an org-only file is still a destinations file: the key is required.
    path = write("org.yaml", "org:\n  region: us-east-1\n")
    assert load_error(tmp_path) == f"{path}:1: destinations: required field is missing"


def test_org_values_can_come_from_template_variables(tmp_path: Path, write: Write) -> None:
    write(
        "d.yaml",
        "destinations: {}\norg:\n  region: {{ region }}\n"
        "  client_id_env: {{ env | upper }}_GENESYS_CLIENT_ID\n",
    )
    org = load_config(tmp_path, {"region": "ap-southeast-2", "env": "test"}).org
    assert org == OrgSettings(region="ap-southeast-2", client_id_env="TEST_GENESYS_CLIENT_ID")


def test_org_is_not_a_destination_attribute(tmp_path: Path, write: Write) -> None:
    write("d.yaml", DESTINATION + "org:\n  region: eu-west-1\n")
    config = load_config(tmp_path)
    assert "region" not in config.destinations["orders"].attributes()


# --- org: invalid -------------------------------------------------------------------------


def test_region_and_api_url_together_points_at_the_second(tmp_path: Path, write: Write) -> None:
    path = write(
        "d.yaml",
        "destinations: {}\norg:\n  region: eu-west-1\n  client_id_env: ID\n"
        "  api_url: https://api.mypurecloud.ie\n",
    )
    assert load_error(tmp_path) == (
        f"{path}:5: org.api_url: cannot be given together with region (line 3);"
        " give only one of them"
    )


def test_api_url_first_then_region_points_at_region(tmp_path: Path, write: Write) -> None:
    path = write(
        "d.yaml",
        "destinations: {}\norg:\n  api_url: https://api.mypurecloud.ie\n  region: eu-west-1\n",
    )
    assert load_error(tmp_path) == (
        f"{path}:4: org.region: cannot be given together with api_url (line 3);"
        " give only one of them"
    )


def test_two_files_declaring_org(tmp_path: Path, write: Write) -> None:
    first = write("a.yaml", "destinations: {}\norg:\n  region: eu-west-1\n")
    second = write("b.yaml", "# other\ndestinations: {}\n\norg:\n  region: us-east-1\n")
    assert load_error(tmp_path) == (
        f"{second}:4: org: an org block is already declared at {first}:2;"
        " declare it in one file only"
    )


def test_two_org_blocks_found_even_when_one_is_invalid(tmp_path: Path, write: Write) -> None:
    first = write("a.yaml", "destinations: {}\norg:\n  region: eu-west-1\n")
    second = write("b.yaml", "destinations: {}\norg:\n  region: nowhere\n")
    assert load_error(tmp_path).splitlines() == [
        f"{first.parent / 'b.yaml'}:2: org: an org block is already declared at {first}:2;"
        " declare it in one file only",
        f"{second}:3: org.region: must be a Genesys Cloud region as an AWS-style code such as"
        " us-east-1 or eu-west-1 (got 'nowhere')",
    ]


def test_two_policies_still_reported(tmp_path: Path, write: Write) -> None:
    first = write("a.yaml", "destinations: {}\npolicy: p.yaml\n")
    second = write("b.yaml", "destinations: {}\npolicy: q.yaml\n")
    assert load_error(tmp_path) == (
        f"{second}:2: policy: a policy is already named at {first}:2; name it in one file only"
    )


def test_policy_and_org_in_different_files_are_fine(tmp_path: Path, write: Write) -> None:
    write("a.yaml", "destinations: {}\npolicy: p.yaml\n")
    write("b.yaml", "destinations: {}\norg:\n  region: eu-west-1\n")
    config = load_config(tmp_path)
    assert config.policy_file == tmp_path / "p.yaml"
    assert config.org == OrgSettings(region="eu-west-1")


ORG_FIELD_CASES = [
    # (org body line, expected "line: path: message" after the file name)
    ("region: EU-WEST-1", "3: org.region: must be a Genesys Cloud region"),
    ("region: 42", "3: org.region: must be a Genesys Cloud region"),
    ("api_url: ftp://api.mypurecloud.ie", "3: org.api_url: must be an http:// or https:// URL"),
    ("api_url: api.mypurecloud.ie", "3: org.api_url: must be an http:// or https:// URL"),
    ("api_url: https://", "3: org.api_url: must be an http:// or https:// URL"),
    ("client_id_env: 1ID", "3: org.client_id_env: must be the name of an environment variable"),
    ("client_id_env: MY-ID", "3: org.client_id_env: must be the name of an environment"),
    ("client_secret_env: ''", "3: org.client_secret_env: must be the name of an environment"),
    ("client_secret_env: 12", "3: org.client_secret_env: must be the name of an environment"),
    ("regoin: eu-west-1", "3: org.regoin: unknown field 'regoin' (did you mean 'region'?)"),
    (
        "token: abc",
        "3: org.token: unknown field 'token' (expected one of: region, api_url,"
        " client_id_env, client_secret_env)",
    ),
]


@pytest.mark.parametrize(("body", "expected"), ORG_FIELD_CASES)
def test_bad_org_field(tmp_path: Path, write: Write, body: str, expected: str) -> None:
    path = write("d.yaml", f"destinations: {{}}\norg:\n  {body}\n")
    message = load_error(tmp_path)
    assert message.startswith(f"{path}:{expected}"), message
    assert "\n" not in message


def test_pasted_secret_is_not_echoed(tmp_path: Path, write: Write) -> None:
    secret = "aB3-dE6_gH9+kL2/mN5=pQ8rS1tU4vW7xY0zA3bC6d"
    write("d.yaml", f"destinations: {{}}\norg:\n  client_secret_env: {secret}\n")
    message = load_error(tmp_path)
    assert "org.client_secret_env" in message
    assert secret not in message
    assert secret[:8] not in message


@pytest.mark.parametrize("value", ["eu-west-1", "[a]", "true"])
def test_org_must_be_a_mapping(tmp_path: Path, write: Write, value: str) -> None:
    path = write("d.yaml", f"destinations: {{}}\norg: {value}\n")
    assert load_error(tmp_path).startswith(
        f"{path}:2: org: must be a mapping of org settings (region, api_url, client_id_env,"
        " client_secret_env)"
    )


def test_org_settings_model_directly() -> None:
    assert OrgSettings(api_url="http://localhost:8080").api_url == "http://localhost:8080"
    with pytest.raises(ValidationError):
        OrgSettings(region="eu-west-1", api_url="https://api.mypurecloud.ie")
    with pytest.raises(ValidationError):
        OrgSettings.model_validate({"client_id_env": "ID", "extra": 1})
    settings = OrgSettings(region="us-east-1")
    with pytest.raises(ValidationError):
        settings.region = "eu-west-1"  # type: ignore[misc]


# --- prevent_destroy ----------------------------------------------------------------------

VALID: dict[str, Any] = {
    "name": "Orders",
    "aws_account_id": "012345678901",
    "aws_region": "us-east-1",
    "event_source_suffix": "orders-prod",
    "topic_filters": ["v2.users.{id}.activity"],
}


def test_prevent_destroy_defaults_to_false_and_is_not_an_attribute() -> None:
    plain = Destination.model_validate(VALID)
    protected = Destination.model_validate({**VALID, "prevent_destroy": True})
    assert plain.prevent_destroy is False
    assert protected.prevent_destroy is True
    assert "prevent_destroy" not in protected.attributes()
    assert protected.attributes() == plain.attributes()


@pytest.mark.parametrize("value", ["yes", 1, "true", None])
def test_prevent_destroy_is_strict(value: object) -> None:
    with pytest.raises(ValidationError):
        Destination.model_validate({**VALID, "prevent_destroy": value})


def test_protected_keys(tmp_path: Path, write: Write) -> None:
    write(
        "a.yaml",
        DESTINATION.replace(
            "topic_filters: [v2.a]", "topic_filters: [v2.a]\n    prevent_destroy: true"
        ),
    )
    write(
        "b.yaml",
        DESTINATION.replace("orders", "other").replace(
            "topic_filters: [v2.a]", "topic_filters: [v2.a]\n    prevent_destroy: false"
        ),
    )
    write("c.yaml", DESTINATION.replace("orders", "third"))
    config = load_config(tmp_path)
    assert config.protected == frozenset({"orders"})
    assert set(config.destinations) == {"orders", "other", "third"}
    assert "prevent_destroy" not in config.destinations["orders"].attributes()


def test_bad_prevent_destroy_value(tmp_path: Path, write: Write) -> None:
    text = DESTINATION + '    prevent_destroy: "yes"\n'
    path = write("d.yaml", text)
    assert load_error(tmp_path) == (
        f"{path}:8: destinations.orders.prevent_destroy: must be true or false (got 'yes')"
    )


def test_prevent_destroy_typo_is_suggested(tmp_path: Path, write: Write) -> None:
    path = write("d.yaml", DESTINATION + "    prevent_destory: true\n")
    assert load_error(tmp_path) == (
        f"{path}:8: destinations.orders.prevent_destory: unknown field 'prevent_destory'"
        " (did you mean 'prevent_destroy'?)"
    )


def test_config_without_protection_has_empty_protected(tmp_path: Path, write: Write) -> None:
    write("d.yaml", DESTINATION)
    assert load_config(tmp_path).protected == frozenset()


# --- schema -------------------------------------------------------------------------------


def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(destinations_schema())


@pytest.mark.parametrize(
    "org",
    [
        {},
        {"region": "eu-west-1"},
        {"api_url": "https://api.mypurecloud.ie", "client_id_env": "ID"},
        {"client_id_env": "ID", "client_secret_env": "SECRET"},
    ],
)
def test_schema_accepts_org(org: dict[str, str]) -> None:
    assert _validator().is_valid({"destinations": {}, "org": org})


@pytest.mark.parametrize(
    "org",
    [
        {"region": "eu-west-1", "api_url": "https://api.mypurecloud.ie"},
        {"region": "EU"},
        {"api_url": "ftp://x"},
        {"client_id_env": "MY-ID"},
        {"token": "x"},
        "eu-west-1",
    ],
)
def test_schema_rejects_bad_org(org: object) -> None:
    assert not _validator().is_valid({"destinations": {}, "org": org})


def test_schema_knows_prevent_destroy() -> None:
    destination = {**VALID, "prevent_destroy": True}
    assert _validator().is_valid({"destinations": {"a": destination}})
    assert not _validator().is_valid({"destinations": {"a": {**destination, "prevent_destroy": 1}}})
