"""The multi-environment example renders and validates for each environment, and the
quick start example keeps exactly its three destinations."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest
import yaml
from iac_testing.examples import ENV_NAMES, ENVIRONMENTS, EXAMPLES

from iac.config import load_config

QUICK_START_KEYS = {"conversation-end-datalake", "user-activity-analytics", "audit-trail"}


def _variables(env: str) -> dict[str, object]:
    from iac.config.variables import collect_variables

    return collect_variables([], [ENVIRONMENTS / "vars" / f"{env}.yaml"], {})


def _policy() -> dict[str, object]:
    return yaml.safe_load((ENVIRONMENTS / "policy" / "policy.yaml").read_text())


@pytest.mark.parametrize("env", ENV_NAMES)
def test_environment_renders_and_validates(env: str) -> None:
    variables = _variables(env)
    desired = load_config(ENVIRONMENTS, variables)

    assert set(desired.destinations) == QUICK_START_KEYS
    for destination in desired.destinations.values():
        assert destination.event_source_suffix.endswith(env)
        assert destination.aws_region == variables["aws_region"]

    assert desired.org is not None
    assert desired.org.region == variables["genesys_region"]
    assert desired.org.client_id_env == variables["client_id_env"]
    assert desired.org.client_secret_env == variables["client_secret_env"]

    assert desired.policy_file is not None
    assert Path(desired.policy_file).resolve() == (ENVIRONMENTS / "policy" / "policy.yaml")
    assert desired.destinations["audit-trail"].prevent_destroy is (env == "prod")


@pytest.mark.parametrize("env", ENV_NAMES)
def test_environment_complies_with_its_policy(env: str) -> None:
    from iac.config.policy import load_policy

    policy = load_policy(ENVIRONMENTS / "policy" / "policy.yaml")
    desired = load_config(ENVIRONMENTS, _variables(env))
    for key, destination in desired.destinations.items():
        assert destination.aws_account_id in (policy.allowed_aws_account_ids or []), key
        assert destination.aws_region in (policy.allowed_regions or []), key
        for topic in destination.topic_filters:
            for pattern in policy.forbidden_topic_patterns:
                assert not fnmatch.fnmatchcase(topic, pattern), (key, topic, pattern)


def test_var_files_define_the_same_variables() -> None:
    names = {
        env: set(yaml.safe_load((ENVIRONMENTS / "vars" / f"{env}.yaml").read_text()))
        for env in ENV_NAMES
    }
    assert names["dev"] == names["test"] == names["prod"]


def test_environments_use_distinct_orgs_accounts_and_credentials() -> None:
    loaded = {
        env: yaml.safe_load((ENVIRONMENTS / "vars" / f"{env}.yaml").read_text())
        for env in ENV_NAMES
    }
    for field in ("client_id_env", "client_secret_env", "datalake_account_id"):
        values = [loaded[env][field] for env in ENV_NAMES]
        assert len(set(values)) == len(values), field
    policy_accounts = set(_policy()["allowed_aws_account_ids"])
    used = {v for env in ENV_NAMES for k, v in loaded[env].items() if k.endswith("_account_id")}
    assert used == policy_accounts  # the policy allows exactly the accounts in use


def test_quick_start_still_loads() -> None:
    desired = load_config(EXAMPLES)
    assert set(desired.destinations) == QUICK_START_KEYS
    assert desired.org is None
