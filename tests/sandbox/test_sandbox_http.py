"""Wire behaviour: login, auth, rate limits, fault injection, keep-alive."""

from __future__ import annotations

import http.client
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from iac_testing.sandbox_calls import GOOD_PROPS, TYPE_ID, create, login

from iac.sandbox import SandboxOptions, SandboxServer


def _token_call(url: str, **kwargs: Any) -> httpx.Response:
    return httpx.post(f"{url}/oauth/token", **kwargs)


def test_login_ok(server: SandboxServer) -> None:
    resp = _token_call(
        server.url,
        data={"grant_type": "client_credentials"},
        auth=("sandbox-client", "sandbox-secret"),
    )
    assert resp.status_code == 200
    body = resp.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 86400
    assert body["access_token"]


@pytest.mark.parametrize("auth", [("sandbox-client", "wrong"), ("other", "sandbox-secret"), None])
def test_login_bad_credentials_is_401(server: SandboxServer, auth: Any) -> None:
    resp = _token_call(server.url, data={"grant_type": "client_credentials"}, auth=auth)
    assert resp.status_code == 401
    body = resp.json()
    assert body["error"] == "invalid_client"
    assert body["error_description"]


def test_login_wrong_grant_is_400(server: SandboxServer) -> None:
    resp = _token_call(
        server.url, data={"grant_type": "password"}, auth=("sandbox-client", "sandbox-secret")
    )
    assert resp.status_code == 400
    assert resp.json()["error"] == "unsupported_grant_type"


def test_custom_credentials(tmp_path: Path) -> None:
    options = SandboxOptions(client_id="me", client_secret="s3cret", token_ttl_seconds=60)
    with SandboxServer(None, options) as srv:
        resp = _token_call(
            srv.url, data={"grant_type": "client_credentials"}, auth=("me", "s3cret")
        )
        assert resp.json()["expires_in"] == 60
        assert (
            _token_call(
                srv.url,
                data={"grant_type": "client_credentials"},
                auth=("sandbox-client", "sandbox-secret"),
            ).status_code
            == 401
        )


def test_api_needs_a_token(server: SandboxServer) -> None:
    missing = httpx.get(f"{server.url}/api/v2/integrations")
    assert missing.status_code == 401
    assert missing.json()["code"] == "authentication.required"
    bad = httpx.get(f"{server.url}/api/v2/integrations", headers={"Authorization": "bearer x"})
    assert bad.status_code == 401
    assert bad.json()["code"] == "bad.credentials"
    token = login(server.url)
    for scheme in ("bearer", "Bearer", "BEARER"):
        ok = httpx.get(
            f"{server.url}/api/v2/integrations", headers={"Authorization": f"{scheme} {token}"}
        )
        assert ok.status_code == 200


def test_expired_token_is_401(tmp_path: Path) -> None:
    with SandboxServer(None, SandboxOptions(token_ttl_seconds=0)) as srv:
        token = login(srv.url)
        resp = httpx.get(
            f"{srv.url}/api/v2/integrations", headers={"Authorization": f"bearer {token}"}
        )
        assert resp.status_code == 401


def test_revoked_tokens_are_401(server: SandboxServer, http: httpx.Client) -> None:
    assert http.get("/api/v2/integrations").status_code == 200
    assert httpx.delete(f"{server.url}/__sandbox/tokens").json() == {"revoked": 1}
    assert http.get("/api/v2/integrations").status_code == 401


def test_rate_limit(tmp_path: Path) -> None:
    options = SandboxOptions(rate_limit_per_minute=5, rate_window_seconds=1.0)
    with SandboxServer(None, options) as srv, httpx.Client(base_url=srv.url) as client:
        headers = {"Authorization": f"bearer {login(srv.url)}"}
        for n in range(1, 6):
            resp = client.get("/api/v2/integrations", headers=headers)
            assert resp.status_code == 200
            assert resp.headers["inin-ratelimit-count"] == str(n)
            assert resp.headers["inin-ratelimit-allowed"] == "5"
            assert int(resp.headers["inin-ratelimit-reset"]) >= 1
        limited = client.get("/api/v2/integrations", headers=headers)
        assert limited.status_code == 429
        body = limited.json()
        retry_after = int(limited.headers["Retry-After"])
        assert retry_after >= 1
        # The normalized 429 body Genesys announced, with the Retry-After seconds in it.
        assert body["code"] == "too.many.requests.retry.after"
        assert body["message"] == (
            f"Rate limit exceeded the maximum. Retry the request in [{retry_after}] seconds"
        )
        assert body["limit"] == {
            "key": "client.credentials.token.rate.per.minute",
            "namespace": "platform.api",
            "value": 5,
        }
        # Another token has its own budget; admin and login paths are never limited.
        other = {"Authorization": f"bearer {login(srv.url)}"}
        assert client.get("/api/v2/integrations", headers=other).status_code == 200
        assert client.get("/__sandbox/requests").status_code == 200
        time.sleep(1.05)
        assert client.get("/api/v2/integrations", headers=headers).status_code == 200


def test_every_api_answer_has_rate_headers(server: SandboxServer, http: httpx.Client) -> None:
    for resp in (
        http.get("/api/v2/integrations"),
        http.get("/api/v2/integrations/nope"),
        httpx.get(f"{server.url}/api/v2/integrations"),
    ):
        assert {"inin-ratelimit-count", "inin-ratelimit-allowed", "inin-ratelimit-reset"} <= set(
            resp.headers
        )


def _add_fault(url: str, rule: dict[str, Any]) -> None:
    resp = httpx.post(f"{url}/__sandbox/faults", json=rule)
    assert resp.status_code == 200, resp.text


def test_fault_respond_on_first_call_only(server: SandboxServer, http: httpx.Client) -> None:
    _add_fault(
        server.url,
        {
            "method": "POST",
            "path": "/api/v2/integrations",
            "status": 503,
            "retry_after": 1,
            "on_calls": [1],
        },
    )
    first = http.post("/api/v2/integrations", json={"integrationType": {"id": TYPE_ID}})
    assert first.status_code == 503
    assert first.headers["Retry-After"] == "1"
    assert first.json()["code"] == "service.unavailable"
    assert http.get("/api/v2/integrations").json()["total"] == 0  # not processed
    second = http.post("/api/v2/integrations", json={"integrationType": {"id": TYPE_ID}})
    assert second.status_code == 200
    rules = httpx.get(f"{server.url}/__sandbox/faults").json()
    assert (rules[0]["calls"], rules[0]["fired"]) == (2, 1)


def test_fault_glob_method_and_times(server: SandboxServer, http: httpx.Client) -> None:
    iid = create(http)["id"]
    _add_fault(
        server.url, {"method": "*", "path": "/api/v2/integrations/*", "status": 500, "times": 2}
    )
    codes = [http.get(f"/api/v2/integrations/{iid}").status_code for _ in range(3)]
    assert codes == [500, 500, 200]
    assert http.get("/api/v2/integrations").status_code == 200  # glob needs a segment


def test_fault_probability_is_seeded(tmp_path: Path) -> None:
    def run() -> list[int]:
        faults = tmp_path / "faults.json"
        faults.write_text(
            json.dumps(
                [
                    {
                        "method": "GET",
                        "path": "/api/v2/integrations",
                        "status": 502,
                        "probability": 0.5,
                    }
                ]
            )
        )
        options = SandboxOptions(faults_file=faults, seed=7)
        with SandboxServer(None, options) as srv, httpx.Client(base_url=srv.url) as client:
            headers = {"Authorization": f"bearer {login(srv.url)}"}
            return [
                client.get("/api/v2/integrations", headers=headers).status_code for _ in range(20)
            ]

    first = run()
    assert first == run()
    assert set(first) == {200, 502}


def test_drop_after_commit(server: SandboxServer) -> None:
    token = login(server.url)
    _add_fault(
        server.url,
        {
            "method": "POST",
            "path": "/api/v2/integrations",
            "action": "drop_after_commit",
            "times": 1,
        },
    )
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    body = json.dumps({"integrationType": {"id": TYPE_ID}, "name": "lost-answer"})
    conn.request(
        "POST",
        "/api/v2/integrations",
        body=body,
        headers={"Authorization": f"bearer {token}", "Content-Type": "application/json"},
    )
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        conn.getresponse()
    conn.close()
    listing = httpx.get(
        f"{server.url}/api/v2/integrations", headers={"Authorization": f"bearer {token}"}
    ).json()
    assert [e["name"] for e in listing["entities"]] == ["Amazon EventBridge Source"]
    log = httpx.get(f"{server.url}/__sandbox/requests").json()
    posts = [e for e in log if e["method"] == "POST" and e["path"] == "/api/v2/integrations"]
    assert posts == [
        {
            "method": "POST",
            "path": "/api/v2/integrations",
            "query": "",
            "status": 200,
            "dropped": True,
        }
    ]


def test_drop_seen_by_httpx(server: SandboxServer, http: httpx.Client) -> None:
    iid = create(http)["id"]
    _add_fault(
        server.url,
        {
            "method": "PUT",
            "path": "/api/v2/integrations/*/config/current",
            "action": "drop_after_commit",
            "times": 1,
        },
    )
    with pytest.raises(httpx.TransportError):
        http.put(
            f"/api/v2/integrations/{iid}/config/current",
            json={"name": "n", "version": 1, "properties": GOOD_PROPS},
        )
    config = http.get(f"/api/v2/integrations/{iid}/config/current").json()
    assert (config["version"], config["name"]) == (2, "n")


def test_fault_admin_crud(server: SandboxServer) -> None:
    url = "/__sandbox/faults"
    with httpx.Client(base_url=server.url) as client:
        _fault_admin_crud(client, url)


def _fault_admin_crud(client: httpx.Client, url: str) -> None:
    assert client.get(url).json() == []
    rule = {"method": "GET", "path": "/api/v2/*", "status": 503}
    assert len(client.post(url, json=rule).json()) == 1
    replaced = client.put(url, json=[rule, {**rule, "status": 500}]).json()
    assert [r["status"] for r in replaced] == [503, 500]
    # GET output can be PUT back as is.
    assert client.put(url, json=client.get(url).json()).status_code == 200
    assert client.delete(url).json() == []
    for bad in (
        {"path": "/x", "action": "explode"},
        {"path": "/x", "on_calls": [0]},
        {"path": "/x", "color": "red"},
        {"method": "GET"},
    ):
        resp = client.post(url, json=bad)
        assert resp.status_code == 400, bad
    assert client.get(url).json() == []


def test_bad_faults_file_fails_at_start(tmp_path: Path) -> None:
    faults = tmp_path / "faults.json"
    faults.write_text('[{"path": "/x", "action": "nope"}]')
    with pytest.raises(ValueError, match="faults"):
        SandboxServer(None, SandboxOptions(faults_file=faults))


def test_keep_alive_reuses_one_connection(server: SandboxServer) -> None:
    token = login(server.url)
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    for _ in range(5):
        conn.request("GET", "/api/v2/integrations", headers={"Authorization": f"bearer {token}"})
        resp = conn.getresponse()
        assert resp.status == 200
        assert resp.getheader("Content-Type") == "application/json"
        assert int(resp.getheader("Content-Length") or 0) == len(resp.read())
    conn.close()


def test_bad_json_and_unknown_paths(server: SandboxServer, http: httpx.Client) -> None:
    bad = http.post(
        "/api/v2/integrations", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert (bad.status_code, bad.json()["code"]) == (400, "bad.request")
    not_object = http.post("/api/v2/integrations", json=[1])
    assert not_object.status_code == 400
    assert http.get("/api/v2/unknown").status_code == 404
    assert http.put("/api/v2/integrations").status_code == 404
    assert httpx.get(f"{server.url}/nowhere").status_code == 404
    assert httpx.get(f"{server.url}/__sandbox/nowhere").status_code == 404


def test_request_log(server: SandboxServer, http: httpx.Client) -> None:
    httpx.delete(f"{server.url}/__sandbox/requests")
    http.get("/api/v2/integrations", params={"expand": "config.current"})
    http.get("/api/v2/integrations/missing")
    log = httpx.get(f"{server.url}/__sandbox/requests").json()
    assert log == [
        {
            "method": "GET",
            "path": "/api/v2/integrations",
            "query": "expand=config.current",
            "status": 200,
            "dropped": False,
        },
        {
            "method": "GET",
            "path": "/api/v2/integrations/missing",
            "query": "",
            "status": 404,
            "dropped": False,
        },
    ]
    assert "bearer" not in json.dumps(log).lower()


def test_stop_is_idempotent_and_frees_port(tmp_path: Path) -> None:
    srv = SandboxServer(None)
    url = srv.start()
    assert httpx.get(f"{url}/__sandbox/faults").status_code == 200
    srv.stop()
    srv.stop()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/__sandbox/faults")
