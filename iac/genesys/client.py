"""Async client for EventBridge destinations, on the official SDK (``PureCloudPlatformClientV2``).

The SDK is synchronous: calls run in worker threads under asyncio, with bounded concurrency.
Retries are decided here, per call, because only the caller knows what is safe to send again:
429 waits Retry-After; 5xx and lost connections back off with jitter, but only for calls
that are safe to repeat; other 4xx never retry. A 401 renews the token once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import PureCloudPlatformClientV2 as sdk
from PureCloudPlatformClientV2.logger import LogLevel
from PureCloudPlatformClientV2.rest import ApiException
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from iac.errors import IacError
from iac.genesys.access import Access
from iac.genesys.errors import GenesysApiError, from_api_exception, from_transport_error
from iac.genesys.live import (
    INTEGRATION_TYPE,
    LiveDestination,
    attributes_from_genesys,
    properties_from_attributes,
)
from iac.genesys.observer import CallObserver, current_job_calls
from iac.genesys.settings import GenesysTarget
from iac.genesys.transport import HttpxHttpClient
from iac.telemetry import get_logger

log = get_logger("genesys")

T = TypeVar("T")

_PAGE_SIZE = 100
_EXPAND = ["config.current"]


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    backoff_initial: float = 0.5
    backoff_max: float = 10.0
    retry_after_max: float = 120.0
    # How long a deleted integration may still answer GET before we call the delete failed.
    delete_confirm_seconds: float = 10.0


class ActivationError(IacError):
    """Enabling did not end ACTIVE: Genesys' own detail message, or a timeout."""


@dataclass
class RetryStats:
    retries: int = 0
    throttled: int = 0


class GenesysClient:
    def __init__(
        self,
        target: GenesysTarget,
        *,
        policy: RetryPolicy | None = None,
        max_concurrency: int = 8,
        timeout_seconds: float = 30.0,
        observer: CallObserver | None = None,
    ) -> None:
        _silence_sdk_logging()
        self.target = target
        self.policy = policy or RetryPolicy()
        self.stats = RetryStats()
        self._observer = observer
        self._http = HttpxHttpClient(timeout_seconds=timeout_seconds, on_response=self._on_response)
        # One ApiClient per org; the SDK's global Configuration host is never touched.
        self._api_client = sdk.ApiClient(host=target.api_url)
        self._api_client.set_http_client(self._http)
        self._api = sdk.IntegrationsApi(self._api_client)
        self._tokens = sdk.TokensApi(self._api_client)
        self._authorization = sdk.AuthorizationApi(self._api_client)
        self._slots = asyncio.Semaphore(max_concurrency)
        self._auth_lock = asyncio.Lock()
        self._token_generation = 0
        # Creates are serialised so that one whose answer was lost can tell its own
        # integration apart from another create's.
        self._create_lock = asyncio.Lock()
        self._known_ids: set[str] | None = None
        self._backoff = wait_random_exponential(
            multiplier=self.policy.backoff_initial, max=self.policy.backoff_max
        )

    async def __aenter__(self) -> GenesysClient:
        await self.authenticate()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._http.close()

    # -- auth ---------------------------------------------------------------------------

    async def authenticate(self) -> None:
        login_url = self._api_client.get_conf_url("login", self._api_client.host) + "/oauth/token"
        try:
            await self._call(
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
                raise GenesysApiError(
                    err.call,
                    f"{str(err).split(' failed: ', 1)[1]}; {hint}",
                    status=err.status,
                    code=err.code,
                ) from None
            raise
        self._token_generation += 1

    async def _renew_token(self, seen_generation: int) -> None:
        async with self._auth_lock:
            # Several calls can hit the same expired token; only the first renews it.
            if self._token_generation == seen_generation:
                await self.authenticate()

    # -- reads --------------------------------------------------------------------------

    async def list_destinations(self) -> dict[str, LiveDestination]:
        """Every EventBridge integration in the org, with its configuration."""
        first = await self._list_page(1)
        pages = [first]
        if (first.page_count or 1) > 1:
            pages += await asyncio.gather(
                *(self._list_page(n) for n in range(2, first.page_count + 1))
            )
        integrations = {
            i.id: i for page in pages for i in page.entities or [] if _is_eventbridge(i)
        }
        # expand=config.current is a request, not a promise: fetch what did not come inline.
        lacking = [i for i in integrations.values() if _inline_config(i) is None]
        fetched = await asyncio.gather(*(self._get_config(i.id) for i in lacking))
        configs = {i.id: c for i, c in zip(lacking, fetched, strict=True)}
        live = {}
        for integration_id, integration in integrations.items():
            config = _inline_config(integration) or configs.get(integration_id)
            if config is not None:  # None: deleted between the list and the config read
                live[integration_id] = _to_live(integration, config)
        self._known_ids = set(integrations)
        return live

    async def get_destination(self, integration_id: str) -> LiveDestination | None:
        """The EventBridge integration with this id; None when gone or of another type."""
        integration = await self._get_integration(integration_id)
        if integration is None or not _is_eventbridge(integration):
            return None
        config = _inline_config(integration) or await self._get_config(integration_id)
        return None if config is None else _to_live(integration, config)

    async def _list_page(self, number: int) -> Any:
        return await self._call(
            "GET /api/v2/integrations",
            self._api.get_integrations,
            page_size=_PAGE_SIZE,
            page_number=number,
            integration_type=INTEGRATION_TYPE,
            expand=_EXPAND,
        )

    async def _get_integration(self, integration_id: str) -> Any | None:
        return await self._call_unless_gone(
            f"GET /api/v2/integrations/{integration_id}",
            self._api.get_integration,
            integration_id,
            expand=_EXPAND,
        )

    async def _get_config(self, integration_id: str) -> Any | None:
        return await self._call_unless_gone(
            f"GET /api/v2/integrations/{integration_id}/config/current",
            self._api.get_integration_config_current,
            integration_id,
        )

    async def read_access(self) -> Access:
        """The token's scopes and the OAuth client's permissions, for the preflight gate."""
        info = await self._call("GET /api/v2/tokens/me", self._tokens.get_tokens_me)
        scopes = tuple(info.authorized_scope or ())
        try:
            subject = await self._call(
                "GET /api/v2/authorization/subjects/me",
                self._authorization.get_authorization_subjects_me,
                # Without it Genesys omits the roles' permission policies.
                include_full_roles=True,
            )
        except GenesysApiError as err:
            if err.status in (403, 404):
                return Access(scopes=scopes, permissions=None, unknown_because=str(err))
            raise
        permissions = tuple(
            f"{policy.domain}:{policy.entity_name}:{action}"
            for grant in subject.grants or ()
            if grant.role is not None
            for policy in grant.role.policies or ()
            for action in policy.actions or ()
        )
        return Access(scopes=scopes, permissions=permissions)

    async def wait_until_active(
        self, integration_id: str, timeout_seconds: float
    ) -> LiveDestination:
        """Poll reportedState after enabling: ACTIVE returns, ERROR or a timeout raises."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_seconds
        delay = 0.2
        while True:
            live = await self.get_destination(integration_id)
            if live is None:
                raise ActivationError(f"integration {integration_id} disappeared while activating")
            if live.reported_state == "ACTIVE":
                return live
            if live.reported_state == "ERROR":
                raise ActivationError(
                    f"Genesys reports activation ERROR for {integration_id}: "
                    f"{live.reported_detail or 'no detail given'}"
                )
            if loop.time() >= deadline:
                raise ActivationError(
                    f"integration {integration_id} is still {live.reported_state} after "
                    f"{timeout_seconds:g}s (--activation-timeout)"
                )
            await asyncio.sleep(min(delay, max(0.0, deadline - loop.time())))
            delay = min(delay * 2, 2.0)

    # -- writes -------------------------------------------------------------------------

    async def create_integration(self) -> str:
        """POST a new, unconfigured integration; returns its id. Never creates two."""
        async with self._create_lock:
            if self._known_ids is None:
                await self.list_destinations()
            body = _model(
                sdk.CreateIntegrationRequest,
                integration_type=_model(sdk.IntegrationType, id=INTEGRATION_TYPE),
            )
            for attempt in range(1, self.policy.attempts + 1):
                try:
                    created = await self._call(
                        "POST /api/v2/integrations",
                        self._api.post_integrations,
                        body=body,
                        idempotent=False,
                    )
                except GenesysApiError as err:
                    if not err.maybe_committed or attempt == self.policy.attempts:
                        raise
                    found = await self._find_created()
                    if found:
                        return found
                    await asyncio.sleep(
                        min(self.policy.backoff_max, self.policy.backoff_initial * 2**attempt)
                    )
                    continue
                self._remember(created.id)
                return created.id
        raise AssertionError("unreachable")

    async def _find_created(self) -> str | None:
        """After a create whose answer was lost: the integration it made, if it made one.

        Genesys names a new integration after its type, so what identifies ours is being new
        since the last listing and still unconfigured. Creates are serialised, so there is at
        most one such integration of ours; finding several means someone else is creating too,
        and adopting a stranger would be worse than stopping.
        """
        known = set(self._known_ids or ())
        live = await self.list_destinations()
        new = sorted(
            i
            for i, d in live.items()
            if i not in known and d.attributes.get("event_source_suffix") is None
        )
        if len(new) > 1:
            raise GenesysApiError(
                "POST /api/v2/integrations",
                "the answer was lost and several new unconfigured integrations appeared "
                f"meanwhile ({', '.join(new)}); not creating another. Check them in Genesys "
                "Cloud, then import or delete the one this run made.",
            )
        return new[0] if new else None

    async def configure(
        self, integration_id: str, attributes: dict[str, Any], version: int | None
    ) -> int:
        """PUT the configuration; ``version`` must be current (None: read it first)."""
        if version is None:
            config = await self._get_config(integration_id)
            if config is None:
                raise GenesysApiError(
                    f"GET /api/v2/integrations/{integration_id}/config/current",
                    "HTTP 404: the integration no longer exists",
                    status=404,
                )
            version = config.version
        body = _model(
            sdk.IntegrationConfiguration,
            name=attributes["name"],
            version=version,
            properties=properties_from_attributes(attributes),
            advanced={},
            notes=attributes.get("notes") or "",
            credentials={},
        )
        try:
            result = await self._call(
                f"PUT /api/v2/integrations/{integration_id}/config/current",
                self._api.put_integration_config_current,
                integration_id,
                body=body,
            )
        except GenesysApiError as err:
            if err.status != 409:
                raise
            # A retried PUT whose first answer was lost meets its own write as a conflict:
            # if Genesys already holds exactly what we sent, the write landed.
            current = await self._get_config(integration_id)
            if current is None or not _config_matches(current, body):
                raise
            return int(current.version)
        return int(result.version)

    async def set_enabled(self, integration_id: str, enabled: bool) -> None:
        body = _model(sdk.Integration, intended_state="ENABLED" if enabled else "DISABLED")
        await self._call(
            f"PATCH /api/v2/integrations/{integration_id}",
            self._api.patch_integration,
            integration_id,
            body=body,
        )

    async def delete_integration(self, integration_id: str) -> bool:
        """DELETE, then confirm Genesys answers 404. False when it was already gone."""
        call = f"DELETE /api/v2/integrations/{integration_id}"
        if await self._call_unless_gone(call, self._api.delete_integration, integration_id) is None:
            return False
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.policy.delete_confirm_seconds
        delay = 0.1
        while await self._get_integration(integration_id) is not None:
            if loop.time() >= deadline:
                raise GenesysApiError(
                    call,
                    "Genesys still returns the integration "
                    f"{self.policy.delete_confirm_seconds:g}s after deleting it",
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)
        return True

    def _remember(self, integration_id: str) -> None:
        if self._known_ids is not None:
            self._known_ids.add(integration_id)

    # -- the call path ------------------------------------------------------------------

    async def _call(
        self,
        call: str,
        fn: Callable[..., T],
        *args: Any,
        idempotent: bool = True,
        reauth: bool = True,
        **kwargs: Any,
    ) -> T:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.policy.attempts),
            wait=self._wait,
            retry=retry_if_exception(lambda exc: _retryable(exc, idempotent)),
            before_sleep=self._before_sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    result = await self._send(fn, args, kwargs, reauth)
        except ApiException as exc:
            error = from_api_exception(call, exc)
            log.info("call failed", extra={"call": call, "status": exc.status})
            raise error from None
        except httpx.TransportError as exc:
            log.info("call failed", extra={"call": call, "status": None})
            raise from_transport_error(call, self.target.api_url, exc) from None
        log.debug("call succeeded", extra={"call": call})
        return result

    async def _call_unless_gone(
        self, call: str, fn: Callable[..., T], *args: Any, **kwargs: Any
    ) -> T | None:
        """``_call``, with Genesys' 404 (the integration is gone) as None."""
        try:
            return await self._call(call, fn, *args, **kwargs)
        except GenesysApiError as err:
            if err.status == 404:
                return None
            raise

    async def _send(
        self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any], reauth: bool
    ) -> T:
        generation = self._token_generation
        try:
            async with self._slots:
                return await asyncio.to_thread(fn, *args, **kwargs)
        except ApiException as exc:
            if exc.status != 401 or not reauth:
                raise
        # Tokens expire (the SDK does not renew client-credentials tokens): renew once.
        await self._renew_token(generation)
        async with self._slots:
            return await asyncio.to_thread(fn, *args, **kwargs)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, ApiException) and exc.status == 429:
            retry_after = _retry_after(exc)
            if retry_after is not None:
                return min(retry_after, self.policy.retry_after_max)
        return self._backoff(state)

    def _before_sleep(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        throttled = isinstance(exc, ApiException) and exc.status == 429
        log.warning(
            "retrying after %s",
            f"HTTP {exc.status}" if isinstance(exc, ApiException) else type(exc).__name__,
            extra={"attempt": state.attempt_number, "wait_seconds": round(state.upcoming_sleep, 3)},
        )
        self.stats.retries += 1
        self.stats.throttled += throttled
        job = current_job_calls.get()
        if job is not None:
            job.retries += 1
        if self._observer is not None:
            self._observer.count_retry(throttled)

    def _on_response(self, method: str, status: int | None) -> None:
        # Runs in worker threads; the context (and so the job) was copied by to_thread.
        job = current_job_calls.get()
        if job is not None:
            job.requests += 1
        if self._observer is not None:
            self._observer.count_api(method, status)


def _retryable(exc: BaseException, idempotent: bool) -> bool:
    if isinstance(exc, ApiException):
        if exc.status == 429:
            return True  # refused before it was carried out: always safe to send again
        return idempotent and exc.status is not None and exc.status >= 500
    return idempotent and isinstance(exc, httpx.TransportError)


def _retry_after(exc: ApiException) -> float | None:
    headers = exc.headers or {}
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _is_eventbridge(integration: Any) -> bool:
    kind = integration.integration_type
    return kind is None or kind.id == INTEGRATION_TYPE


def _config_matches(current: Any, sent: Any) -> bool:
    return (
        current.name == sent.name
        and (current.notes or "") == (sent.notes or "")
        and current.properties == sent.properties
    )


def _inline_config(integration: Any) -> Any | None:
    info = integration.config
    current = info.current if info is not None else None
    # An entry can carry a config stub without properties; treat that as not inline.
    return current if current is not None and current.properties is not None else None


def _to_live(integration: Any, config: Any) -> LiveDestination:
    reported = integration.reported_state
    return LiveDestination(
        id=integration.id,
        attributes=attributes_from_genesys(
            name=config.name or integration.name,
            notes=config.notes,
            intended_state=integration.intended_state,
            properties=config.properties,
        ),
        version=int(config.version or 1),
        reported_state=reported.code if reported else None,
        reported_detail=reported.detail.message if reported and reported.detail else None,
    )


def _model(cls: type[T], **attributes: Any) -> T:
    # SDK models take no constructor arguments; their setters validate instead.
    instance = cls()
    for name, value in attributes.items():
        setattr(instance, name, value)
    return instance


def _silence_sdk_logging() -> None:
    # The SDK's debug/trace logging writes request headers, bearer token included, and its
    # Configuration re-reads ~/.genesyscloudpython/config on change: keep both off.
    configuration = sdk.Configuration()
    configuration.live_reload_config = False
    configuration.logger.log_level = LogLevel.LNone
