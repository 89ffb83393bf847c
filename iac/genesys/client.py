"""Async client for EventBridge destinations, on the official SDK (``PureCloudPlatformClientV2``).

What each call does is here; how calls are sent (threads, retries, throttling, token renewal)
is ``calls.CallRunner``, and never creating a duplicate integration is ``creation.CreateGuard``.
"""

from __future__ import annotations

from typing import Any

from iac.genesys.access import Access
from iac.genesys.calls import CallRunner, RetryPolicy, RetryStats
from iac.genesys.configuring import ConfigWrites
from iac.genesys.convert import model
from iac.genesys.creation import CreateGuard
from iac.genesys.decoding import DecodingApiClient
from iac.genesys.errors import GenesysApiError
from iac.genesys.listing import InconsistentListing
from iac.genesys.live import INTEGRATION_TYPE, LiveDestination
from iac.genesys.observer import CallObserver
from iac.genesys.org import Identity, OrgIdentity
from iac.genesys.polling import (
    ActivationClock,
    ActivationError,
    wait_until_active,
    wait_until_gone,
)
from iac.genesys.reads import Reads
from iac.genesys.sdk import LogLevel
from iac.genesys.sdk import package as sdk
from iac.genesys.settings import GenesysTarget
from iac.genesys.topics import TopicCatalog, read_catalog
from iac.genesys.transport import HttpxHttpClient

# Names that moved to collaborators stay importable from here.
__all__ = [
    "ActivationError",
    "GenesysClient",
    "InconsistentListing",
    "RetryPolicy",
    "RetryStats",
]


# Requests in flight at once when the caller does not say (a plan's reads; an apply says
# its --parallelism).
READ_CONCURRENCY = 8


class GenesysClient:
    def __init__(
        self,
        target: GenesysTarget,
        *,
        policy: RetryPolicy | None = None,
        max_concurrency: int = READ_CONCURRENCY,
        timeout_seconds: float = 30.0,
        observer: CallObserver | None = None,
        http: HttpxHttpClient | None = None,
    ) -> None:
        """``policy``: retries, the 429 time budget, the delete confirmation wait and the
        listing's re-reads (``RetryPolicy``'s defaults when None).

        ``http``: the transport to send through; None builds the default one, with
        ``timeout_seconds`` (ignored otherwise).

        Only a transport built here is closed on exit. An injected one is the caller's: it
        stays open, and this client's response hook is removed from it on exit, so one
        transport may serve several clients in turn.
        """
        _silence_sdk_logging()
        self.target = target
        self.policy = policy or RetryPolicy()
        self._calls = CallRunner(
            target.api_url,
            self.policy,
            renew_token=self.authenticate,
            max_concurrency=max_concurrency,
            observer=observer,
        )
        self.stats: RetryStats = self._calls.stats
        self._owns_http = http is None
        if http is None:
            # Plain http is only ever loopback (settings refuses it elsewhere): no TLS, so no
            # CA bundle to load (30 ms of a run's start-up).
            plain = target.api_url.startswith("http://")
            http = HttpxHttpClient(
                timeout_seconds=timeout_seconds,
                verify=not plain,
                max_connections=max_concurrency,
            )
        self._http = http
        self._http.add_response_hook(self._calls.on_response)
        self._closed = False
        # One ApiClient per org; the SDK's global Configuration host is never touched.
        self._api_client = DecodingApiClient(host=target.api_url)
        self._api_client.set_http_client(self._http)
        self._api = sdk.IntegrationsApi(self._api_client)
        self._creates = CreateGuard(self.policy, self.list_destinations)
        self._activation = ActivationClock()
        self._reads = Reads(self._calls, self._api, self.policy, self._creates.saw)
        self._configs = ConfigWrites(self._calls, self._api, self._reads)
        self._identity = Identity(
            self._calls.call,
            tokens_api=sdk.TokensApi(self._api_client),
            authorization_api=sdk.AuthorizationApi(self._api_client),
            organization_api=sdk.OrganizationApi(self._api_client),
        )

    @property
    def http(self) -> HttpxHttpClient:
        """The transport this client sends through (injected or its own)."""
        return self._http

    async def __aenter__(self) -> GenesysClient:
        try:
            await self.authenticate()
        except BaseException:
            # __aexit__ does not run when __aenter__ raises: release the transport here.
            self.close()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Detach from the transport, and close it only if this client built it."""
        if self._closed:
            return
        self._closed = True
        self._calls.close()
        self._http.remove_response_hook(self._calls.on_response)
        if self._owns_http:
            self._http.close()

    async def authenticate(self) -> None:
        login_url = self._api_client.get_conf_url("login", self._api_client.host) + "/oauth/token"
        try:
            await self._calls.call(
                f"Genesys login (POST {login_url})",
                self._api_client.get_client_credentials_token,
                self.target.client_id,
                self.target.client_secret,
                reauth=False,
            )
        except GenesysApiError as err:
            if err.status in (400, 401, 403):
                hint = (
                    "check the sandbox's client id and secret"
                    if self.target.sandbox
                    else "check GENESYSCLOUD_OAUTHCLIENT_ID and GENESYSCLOUD_OAUTHCLIENT_SECRET, "
                    "and that the OAuth client uses the Client Credentials grant"
                )
                raise err.with_detail(f"{err.detail}; {hint}") from None
            raise
        self._calls.token_issued()

    # -- reads --------------------------------------------------------------------------

    async def list_destinations(self) -> dict[str, LiveDestination]:
        """Every EventBridge integration in the org, with its configuration.

        Pages are read until the listing says it is done, and must add up (see
        ``listing.py``); ``InconsistentListing`` when they never did.
        """
        return await self._reads.destinations()

    async def get_destination(self, integration_id: str) -> LiveDestination | None:
        """The EventBridge integration with this id; None when gone (404, or Genesys says
        DELETED) or of another type."""
        return await self._reads.destination(integration_id)

    async def read_access(self) -> Access:
        """The token's scopes and the OAuth client's permissions, for the preflight gate."""
        return await self._identity.access()

    async def org(self) -> OrgIdentity:
        """The org the token logs in to (GET /api/v2/tokens/me, shared with read_access)."""
        return await self._identity.org()

    async def max_instances(self) -> int | None:
        """How many integrations of the EventBridge type an org may hold (the type's
        ``maxInstances``); None when Genesys does not say. Read once per client."""
        return await self._reads.max_instances()

    async def topic_catalog(self) -> TopicCatalog:
        """The org's notification topics and their transports (GET
        /api/v2/notifications/availabletopics, one call each time: the caller keeps it)."""
        notifications = sdk.NotificationsApi(self._api_client)
        return await read_catalog(self._calls.call, notifications)

    async def wait_until_active(
        self, integration_id: str, timeout_seconds: float
    ) -> LiveDestination:
        """Poll reportedState after enabling: ACTIVE returns, ERROR or a timeout raises."""
        return await wait_until_active(
            self.get_destination, integration_id, timeout_seconds, self._activation
        )

    # -- writes -------------------------------------------------------------------------

    async def create_integration(self, name: str | None = None) -> str:
        """POST a new, unconfigured integration; returns its id. Never creates two.

        ``name``: asked for in the request (a unique pending name lets a create whose answer
        was lost, or a later run, recognise the integration); Genesys may ignore it, so the
        configuration's PUT sets the real name.
        """
        body = model(
            sdk.CreateIntegrationRequest,
            integration_type=model(sdk.IntegrationType, id=INTEGRATION_TYPE),
        )
        if name is not None:
            body.name = name

        async def post() -> tuple[str, str | None]:
            created = await self._calls.call(
                "POST /api/v2/integrations",
                self._api.post_integrations,
                body=body,
                idempotent=False,
            )
            return created.id, created.name

        return await self._creates.create(post, name)

    @property
    def create_names_honoured(self) -> bool | None:
        """Whether Genesys kept the name a create asked for (None: no named create yet)."""
        return self._creates.names_honoured

    async def configure(
        self, integration_id: str, attributes: dict[str, Any], version: int | None
    ) -> int:
        """PUT the configuration; returns the new version.

        ``version``: the current one, or None for an integration this run just created (see
        ``ConfigWrites.put``).
        """
        return await self._configs.put(integration_id, attributes, version)

    async def set_enabled(self, integration_id: str, enabled: bool) -> None:
        body = model(sdk.Integration, intended_state="ENABLED" if enabled else "DISABLED")
        await self._calls.call(
            f"PATCH /api/v2/integrations/{integration_id}",
            self._api.patch_integration,
            integration_id,
            body=body,
        )

    async def delete_integration(self, integration_id: str) -> bool:
        """DELETE, then confirm Genesys answers 404. False when it was already gone."""
        call = f"DELETE /api/v2/integrations/{integration_id}"
        deleted = await self._calls.call_unless_gone(
            call, self._api.delete_integration, integration_id
        )
        if deleted is None:
            return False
        await wait_until_gone(
            self._reads.integration,
            integration_id,
            call=call,
            confirm_seconds=self.policy.delete_confirm_seconds,
        )
        return True


def _silence_sdk_logging() -> None:
    # The SDK's debug/trace logging writes request headers, bearer token included, and its
    # Configuration re-reads ~/.genesyscloudpython/config on change: keep both off.
    configuration = sdk.Configuration()
    configuration.live_reload_config = False
    configuration.logger.log_level = LogLevel.LNone
