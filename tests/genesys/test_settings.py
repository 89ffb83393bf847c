"""Which org and credentials `iac` uses, from the GENESYSCLOUD_* variables."""

from __future__ import annotations

import pytest

from iac.genesys.settings import SettingsError, target_from_env

ID = "GENESYSCLOUD_OAUTHCLIENT_ID"
SECRET = "GENESYSCLOUD_OAUTHCLIENT_SECRET"
REGION = "GENESYSCLOUD_REGION"
API = "GENESYSCLOUD_API_REGION"
CREDENTIALS = {ID: "client-id", SECRET: "s3cr3t-value"}


def test_no_credentials_means_no_target() -> None:
    assert target_from_env({}) is None
    assert target_from_env({ID: " ", SECRET: "", REGION: "us-east-1"}) is None


@pytest.mark.parametrize(("present", "missing"), [(ID, SECRET), (SECRET, ID)])
def test_half_the_credentials_names_the_missing_variable(present: str, missing: str) -> None:
    with pytest.raises(SettingsError) as caught:
        target_from_env({present: "x", API: "https://api.mypurecloud.com"})

    assert str(caught.value).startswith(f"{missing} is not set")


def test_credentials_without_region_ask_for_one() -> None:
    with pytest.raises(SettingsError, match=f"Set {REGION}.*or {API}"):
        target_from_env(CREDENTIALS)


def test_api_url_wins_over_region() -> None:
    target = target_from_env(
        {**CREDENTIALS, API: "https://api.mypurecloud.de/", REGION: "no-such-region"}
    )

    assert target is not None
    assert target.api_url == "https://api.mypurecloud.de"
    assert (target.client_id, target.client_secret) == ("client-id", "s3cr3t-value")
    assert target.state_target == "https://api.mypurecloud.de"


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080", "http://localhost:9000", "http://[::1]:8080"]
)
def test_plain_http_is_allowed_for_loopback(url: str) -> None:
    target = target_from_env({**CREDENTIALS, API: url})

    assert target is not None and target.api_url == url


@pytest.mark.parametrize(
    "url", ["http://api.mypurecloud.com", "http://10.0.0.5:8080", "http://localhost.example.com"]
)
def test_plain_http_is_refused_for_other_hosts(url: str) -> None:
    with pytest.raises(SettingsError, match="plain http is only allowed for loopback"):
        target_from_env({**CREDENTIALS, API: url})


@pytest.mark.parametrize("url", ["ftp://api.mypurecloud.com", "api.mypurecloud.com", "https://"])
def test_non_http_url_is_refused(url: str) -> None:
    with pytest.raises(SettingsError, match="is not an http\\(s\\) URL"):
        target_from_env({**CREDENTIALS, API: url})


def test_secret_never_appears_in_repr() -> None:
    target = target_from_env({**CREDENTIALS, API: "https://api.mypurecloud.com"})

    assert "s3cr3t-value" not in repr(target)
    assert "client-id" in repr(target)


def test_region_names_map_to_api_hosts() -> None:
    # The only test that loads the SDK (its region table): about 3.5 s.
    us = target_from_env({**CREDENTIALS, REGION: "us-east-1"})
    eu = target_from_env({**CREDENTIALS, REGION: "eu-west-1"})
    assert us is not None and us.api_url == "https://api.mypurecloud.com"
    assert eu is not None and eu.api_url == "https://api.mypurecloud.ie"

    # Any case, as people type it (and surrounding blanks).
    for spelled in ("EU-WEST-1", "Eu-West-1", " eu-West-1 "):
        target = target_from_env({**CREDENTIALS, REGION: spelled})
        assert target is not None and target.api_url == "https://api.mypurecloud.ie", spelled
    from iac.genesys.settings import region_api_url

    assert region_api_url("US-EAST-1") == "https://api.mypurecloud.com"

    with pytest.raises(SettingsError) as caught:
        target_from_env({**CREDENTIALS, REGION: "mars-north-1"})
    message = str(caught.value)
    assert "'mars-north-1' is not a Genesys Cloud region" in message
    assert "us-east-1" in message and "eu-west-1" in message
