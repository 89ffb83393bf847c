"""Where and as whom to talk to Genesys Cloud, from the variables the ecosystem already uses."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
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


def target_from_env(env: Mapping[str, str]) -> GenesysTarget | None:
    """The org named by the environment, or None when no credentials are set at all."""
    client_id = env.get(ENV_CLIENT_ID, "").strip()
    secret = env.get(ENV_CLIENT_SECRET, "").strip()
    if not client_id and not secret:
        return None
    if not client_id or not secret:
        missing = ENV_CLIENT_ID if not client_id else ENV_CLIENT_SECRET
        raise SettingsError(f"{missing} is not set, but its partner is: set both or neither.")
    api_url = env.get(ENV_API_URL, "").strip()
    region = env.get(ENV_REGION, "").strip()
    if api_url:
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
    from PureCloudPlatformClientV2.purecloud_region_hosts import PureCloudRegionHosts

    try:
        return PureCloudRegionHosts[region.replace("-", "_")].get_api_host()
    except KeyError:
        known = ", ".join(sorted(r.name.replace("_", "-") for r in PureCloudRegionHosts))
        raise SettingsError(
            f"{ENV_REGION}={region!r} is not a Genesys Cloud region. Known regions: {known}."
        ) from None
