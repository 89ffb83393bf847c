"""Writing an integration's configuration: optimistic versions, and what a conflict means.

Genesys refuses a configuration PUT whose ``version`` is not the current one (409, or a 400
saying it "does not match the current version"). A conflict is not always someone else's
edit: the retry of a PUT whose answer was lost meets its own write, and a new integration's
first version is assumed rather than read (it saves a request per create). Both are told
apart here by reading the configuration back.
"""

from __future__ import annotations

from typing import Any

from iac.genesys.calls import CallRunner
from iac.genesys.convert import config_matches, model
from iac.genesys.errors import GenesysApiError
from iac.genesys.live import properties_from_attributes
from iac.genesys.reads import Reads
from iac.genesys.sdk import package as sdk


class ConfigWrites:
    """Configuration PUTs for one client, over its call path and the SDK's IntegrationsApi."""

    def __init__(self, calls: CallRunner, api: Any, reads: Reads) -> None:
        self._calls = calls
        self._api = api
        self._reads = reads
        # The version a new integration's configuration starts at: 1 in the sandbox and
        # (unverified) in Genesys. Assumed before the first PUT; a conflict corrects it.
        self.fresh_version = 1

    async def put(
        self, integration_id: str, attributes: dict[str, Any], version: int | None
    ) -> int:
        """PUT the configuration; returns the new version.

        ``version``: the current one, or None for an integration this run just created: its
        first version is assumed (saving a read), and re-read only if that was wrong.

        A stale version is accepted only when Genesys already holds exactly what was sent;
        otherwise it is raised, for a new plan.
        """
        guessed = version is None
        body = model(
            sdk.IntegrationConfiguration,
            name=attributes["name"],
            version=self.fresh_version if version is None else version,
            properties=properties_from_attributes(attributes),
            advanced={},
            notes=attributes.get("notes") or "",
            credentials={},
        )
        call = f"PUT /api/v2/integrations/{integration_id}/config/current"
        for attempt in (1, 2):
            try:
                result = await self._calls.call(
                    call, self._api.put_integration_config_current, integration_id, body=body
                )
                return int(result.version)
            except GenesysApiError as err:
                if not err.is_version_conflict:
                    raise
                current = await self._reads.config(integration_id)
                if current is None:
                    gone = f"{err.detail}; the integration no longer exists"
                    raise err.with_detail(gone) from None
                # The retry of a PUT whose answer was lost meets its own write.
                if config_matches(current, body):
                    return int(current.version)
                if not guessed or attempt == 2:
                    raise
                # The assumed first version was wrong: learn it, and send again with it.
                self.fresh_version = int(current.version)
                body.version = self.fresh_version
        raise AssertionError("unreachable")
