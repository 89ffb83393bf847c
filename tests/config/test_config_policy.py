"""The policy file: clear errors in its own terms, and each rule judged on plain plan data."""

from __future__ import annotations

from pathlib import Path

import pytest
from iac_testing.plan_data import ACTIVITY, AUDITS, attrs, live, state

from iac.config import ConfigError
from iac.config.policy import Policy, load_policy
from iac.gates.policy import policy_results
from iac.plan import plan
from iac.plan.model import GateOutcome
from iac.state.model import ResourceState


def test_unknown_rule_names_the_line_and_suggests(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("allow_delete: false\nallowed_region: [us-east-1]\n")
    with pytest.raises(ConfigError) as err:
        load_policy(path)
    assert str(err.value) == (
        f"{path}:2: allowed_region: unknown policy rule 'allowed_region' "
        "(did you mean 'allowed_regions'?)"
    )


def test_policy_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("- allow_delete\n")
    with pytest.raises(ConfigError, match="a policy file is a mapping of rules"):
        load_policy(path)


def test_bad_value_names_the_rule(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("allow_delete: maybe\n")
    with pytest.raises(ConfigError, match=rf"{path}:1: allow_delete:"):
        load_policy(path)


def failed(policy: Policy, desired: dict, st=None, lv=None) -> dict[str, str]:
    results = policy_results(plan(desired, st or state(), lv or {}), policy)
    found: dict[str, str] = {}
    for r in results:
        if r.outcome is GateOutcome.FAILED:
            assert r.key is not None
            found[r.key] = "; ".join(filter(None, [found.get(r.key), r.message]))
    return found


def test_each_broken_rule_is_its_own_result_labelled_with_that_rule() -> None:
    a = attrs(event_source_suffix="a")
    st = state(a=ResourceState("i-a", a))
    lv = {"i-a": live("i-a", a)}
    moved = {"a": attrs(event_source_suffix="a", aws_account_id="999999999999")}  # a replace
    policy = Policy(allowed_aws_account_ids=["123456789012"], allow_replace=False)
    results = policy_results(plan(moved, st, lv), policy)
    assert [(r.check, r.outcome) for r in results] == [
        ("allow_replace", GateOutcome.FAILED),
        ("allowed_aws_account_ids", GateOutcome.FAILED),
    ]
    assert all(r.message.startswith(f"rule {r.check}:") for r in results)


def test_each_rule_names_destination_rule_and_value() -> None:
    desired = {
        "ok": attrs(event_source_suffix="ok", topic_filters=[AUDITS]),
        "eu": attrs(event_source_suffix="eu", aws_region="eu-west-1", topic_filters=[AUDITS]),
        "acct": attrs(
            event_source_suffix="acct", aws_account_id="999999999999", topic_filters=[AUDITS]
        ),
        "noisy": attrs(event_source_suffix="noisy", topic_filters=[AUDITS, ACTIVITY]),
        "quiet": attrs(event_source_suffix="quiet", topic_filters=[ACTIVITY]),
    }
    policy = Policy(
        allowed_aws_account_ids=["123456789012"],
        allowed_regions=["us-east-1"],
        required_topic_patterns=["v2.audits.*"],
        forbidden_topic_patterns=["v2.users.*.activity"],
    )
    found = failed(policy, desired)
    assert set(found) == {"eu", "acct", "noisy", "quiet"}
    assert "rule allowed_regions: region 'eu-west-1' is not allowed" in found["eu"]
    assert "rule allowed_aws_account_ids: account '999999999999'" in found["acct"]
    assert f"topic '{ACTIVITY}' matches 'v2.users.*.activity'" in found["noisy"]
    assert "rule required_topic_patterns: no topic matches 'v2.audits.*'" in found["quiet"]


def test_deletes_and_replaces_can_be_forbidden() -> None:
    a, b = attrs(event_source_suffix="a"), attrs(event_source_suffix="b")
    st = state(a=ResourceState("i-a", a), b=ResourceState("i-b", b))
    lv = {"i-a": live("i-a", a), "i-b": live("i-b", b)}
    desired = {"a": attrs(event_source_suffix="a2")}  # a: replace, b: delete
    found = failed(Policy(allow_delete=False, allow_replace=False), desired, st, lv)
    assert "the policy forbids replacing it (event_source_suffix)" in found["a"]
    assert "the policy forbids deleting it" in found["b"]
    assert failed(Policy(), desired, st, lv) == {}
