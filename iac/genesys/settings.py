"""Where and as whom to talk to Genesys Cloud, from the variables the ecosystem already uses."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from iac.errors import IacError

ENV_CLIENT_ID = "GENESYSCLOUD_OAUTHCLIENT_ID"
ENV_CLIENT_SECRET = "GENESYSCLOUD_OAUTHCLIENT_SECRET"
ENV_REGION = "GENESYSCLOUD_REGION"
ENV_API_URL = "GENESYSCLOUD_API_REGION"

SANDBOX_TARGET = "sandbox"


class SettingsError(IacError):
    pass


@dataclass(frozen=True)
class GenesysTarget:
    api_url: str
    client_id: str
    client_secret: str = field(repr=False)
    sandbox: bool = False

    @property
    def state_target(self) -> str:
        """What the state file records as its org: the sandbox's port changes every run."""
        return SANDBOX_TARGET if self.sandbox else self.api_url

    @property
    def display(self) -> str:
        return "the built-in sandbox" if self.sandbox else self.api_url


class OrgChoice(Protocol):
    """What a configuration's ``org:`` block says (``iac.config.models.OrgSettings``); all
    optional, names of variables only. A protocol: genesys/ sits below config/."""

    @property
    def region(self) -> str | None: ...
    @property
    def api_url(self) -> str | None: ...
    @property
    def client_id_env(self) -> str | None: ...
    @property
    def client_secret_env(self) -> str | None: ...


def target_from_env(env: Mapping[str, str], org: OrgChoice | None = None) -> GenesysTarget | None:
    """The org named by the configuration's org block and the environment; None when no
    credentials are set at all and the configuration names none (then the caller may use the
    sandbox)."""
    org_region, org_url, id_env, secret_env = (
        (org.region, org.api_url, org.client_id_env, org.client_secret_env) if org else (None,) * 4
    )
    names_credentials = bool(id_env or secret_env)
    id_var = id_env or ENV_CLIENT_ID
    secret_var = secret_env or ENV_CLIENT_SECRET
    client_id = env.get(id_var, "").strip()
    secret = env.get(secret_var, "").strip()
    if not client_id and not secret and not names_credentials:
        return None
    if not client_id or not secret:
        missing = id_var if not client_id else secret_var
        named = " (named by the configuration's org block)" if names_credentials else ""
        raise SettingsError(f"{missing}{named} is not set: set both {id_var} and {secret_var}.")
    api_url = (org_url or env.get(ENV_API_URL, "")).strip()
    region = (org_region or env.get(ENV_REGION, "")).strip()
    if org_url:
        url = check_api_url(org_url, "org.api_url")
    elif org_region:
        url = region_api_url(org_region)
    elif api_url:
        url = check_api_url(api_url, ENV_API_URL)
    elif region:
        url = region_api_url(region)
    else:
        raise SettingsError(
            f"Set {ENV_REGION} (e.g. us-east-1, eu-west-1) or {ENV_API_URL} "
            "(e.g. https://api.mypurecloud.com) to say which Genesys Cloud region to use."
        )
    return GenesysTarget(api_url=url, client_id=client_id, client_secret=secret)


def check_api_url(url: str, source: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise SettingsError(f"{source}={url!r} is not an http(s) URL.")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise SettingsError(
            f"{source}={url!r}: plain http is only allowed for loopback hosts; "
            "credentials would cross the network unencrypted."
        )
    return url.rstrip("/")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def region_api_url(region: str) -> str:
    # The SDK's region table is the source of truth; callers talk to Genesys next anyway,
    # so importing it here costs nothing extra.
    from iac.genesys.sdk import PureCloudRegionHosts

    try:
        # Region names are case-insensitive: EU-WEST-1 and Eu-West-1 are eu-west-1.
        return PureCloudRegionHosts[region.strip().lower().replace("-", "_")].get_api_host()
    except KeyError:
        known = ", ".join(sorted(r.name.replace("_", "-") for r in PureCloudRegionHosts))
        raise SettingsError(
            f"{ENV_REGION}={region!r} is not a Genesys Cloud region. Known regions: {known}."
        ) from None
