"""What an org's integrations must respect together, and how a breach is answered.

Plain functions over the org's records (``OrgStore`` calls them under its lock, passing only
the records that can matter, from its index): the instance cap, the
one-partner-event-source-per-identity rule, stale versions, and the checks that
``validate_properties_at: "activation"`` moves from the PUT to activation.
"""

from __future__ import annotations

from typing import Any

from iac.sandbox import eventbridge
from iac.sandbox.activation import Outcome, resolve_state
from iac.sandbox.behaviour import Behaviour
from iac.sandbox.errors import ApiError, limit_json

Record = dict[str, Any]


def check_cap(count: int, type_id: str, max_instances: int | None) -> None:
    """Refuse a create past the type's maxInstances (behaviour ``max_instances``); ``count``:
    how many of ``type_id`` the org holds.

    ASSUMPTION: the real cap of amazon-eventbridge-source is unknown (null: none), and a POST
    past it answers 400 bad.request naming the cap, with ErrorBody.limit set. Settled by: GET
    /api/v2/integrations/types/amazon-eventbridge-source on a real org (maxInstances), then
    one POST more than that many.
    """
    if max_instances is None:
        return
    if count >= max_instances:
        raise ApiError(
            400,
            "Integration type {type} allows at most {max} instances in an organization.",
            "bad.request",
            {"type": type_id, "max": str(max_instances)},
            limit=limit_json("maxInstances", "integrations", max_instances),
        )


def check_unique(
    recs: list[Record],
    rec: Record,
    props: dict[str, Any],
    now: float,
    enabled_only: bool = False,
) -> None:
    """One partner event source per (account, region, suffix): refuse a second user.

    ``recs``: the org's records in creation order (those with another identity may be left
    out); the first other user found is the one named.

    ``enabled_only``: count only the ENABLED integrations not in ERROR (at activation).
    """
    mine = eventbridge.identity(props)
    if mine is None:
        return
    for other in recs:
        if other is rec or eventbridge.identity(other["config"]["properties"]) != mine:
            continue
        if enabled_only and (
            other["intendedState"] != "ENABLED" or resolve_state(other["state"], now)[0] == "ERROR"
        ):
            continue
        raise ApiError(
            400,
            "eventSourceSuffix {suffix} is already used for AWS account {account} in "
            "{region} by integration {other}.",
            "invalid.value",
            {
                "suffix": mine[2],
                "account": mine[0],
                "region": mine[1],
                "other": other["id"],
                "property": "eventSourceSuffix",
            },
            # ASSUMPTION: a refusal caused by another entity names it in entityId and
            # entityName. Settled by: the same PUT against a real org.
            entity_id=other["id"],
            entity_name=other["config"]["name"],
        )


def deferred_problem(
    recs: list[Record], rec: Record, behaviour: Behaviour, now: float
) -> Outcome | None:
    """With validate_properties_at "activation": what the PUT let through ends in ERROR.

    ASSUMPTION (validate_properties_at, default "put"): Genesys checks property values, and
    that no other integration uses the same account+region+suffix, when the config is PUT
    (400). In "activation" mode the PUT accepts them and activation ends in ERROR with the
    reason; uniqueness then only counts other ENABLED integrations not in ERROR (only those
    hold an AWS partner event source). Settled by: a PUT .../config/current against a real
    org with an invalid awsAccountId, and one with the suffix of another integration.
    """
    if behaviour.validate_properties_at != "activation":
        return None
    props = rec["config"]["properties"]
    try:
        eventbridge.validate_properties(props)
        check_unique(recs, rec, props, now, enabled_only=True)
    except ApiError as err:
        return Outcome("ERROR", err.body()["message"])
    return None


def version_conflict(rec: Record, sent: int, status: int) -> ApiError:
    """A PUT with a stale version: 409, or 400 (behaviour ``version_conflict_status``).

    ASSUMPTION: the integrations service answers 409 conflict. CX as Code treats "409, or a
    400 whose message contains 'does not match the current version'" as a stale version
    (util_retries.go IsVersionMismatch: "Version mismatch from directory may be a 409 or 400
    with specific error message"), so the 400 keeps that wording; its code, bad.request, and
    entityId/entityName naming the integration are guesses. Settled by: two PUTs of
    .../config/current with the same version against a real org.
    """
    return ApiError(
        status,
        "Version {sent} does not match the current version {current} of the configuration of "
        "integration {id}.",
        "conflict" if status == 409 else "bad.request",
        {"sent": str(sent), "current": str(rec["config"]["version"]), "id": rec["id"]},
        entity_id=rec["id"],
        entity_name=rec["config"]["name"],
    )
