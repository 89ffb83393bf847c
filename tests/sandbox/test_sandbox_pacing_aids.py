"""What the sandbox offers to test a client's pacing: answers without the rate headers, and
slow answers that gather concurrent requests."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from iac_testing.sandbox_calls import login

from iac.sandbox import SandboxOptions, SandboxServer

RATE_HEADERS = {"inin-ratelimit-count", "inin-ratelimit-allowed", "inin-ratelimit-reset"}


def test_without_rate_headers_only_a_429_says_anything() -> None:
    options = SandboxOptions(
        rate_limit_per_minute=2, rate_window_seconds=30, rate_limit_headers=False
    )
    with SandboxServer(None, options) as srv, httpx.Client(base_url=srv.url) as client:
        headers = {"Authorization": f"bearer {login(srv.url)}"}
        answers = [client.get("/api/v2/integrations", headers=headers) for _ in range(3)]
        unauthenticated = client.get("/api/v2/integrations")
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert all(not RATE_HEADERS & set(a.headers) for a in [*answers, unauthenticated])
    assert int(answers[2].headers["Retry-After"]) >= 1


def _add(url: str, rule: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{url}/__sandbox/faults", json=rule)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"action": "delay"}, "needs a delay"),
        ({"action": "delay", "delay": -1}, "delay must be"),
        ({"action": "delay", "delay": 61}, "delay must be"),
        ({"status": 503, "gather": 2}, "gather needs a delay"),
        ({"action": "delay", "delay": 1, "gather": 0}, "gather must be an integer >= 1"),
    ],
)
def test_bad_delay_rules_are_refused(server: SandboxServer, rule: dict, message: str) -> None:
    answer = _add(server.url, {"method": "GET", "path": "/api/v2/*", **rule})
    assert answer.status_code == 400
    assert message in answer.json()["message"]


def test_a_gathering_delay_lets_requests_go_once_enough_wait(server: SandboxServer) -> None:
    rule = {"method": "GET", "path": "/api/v2/integrations", "action": "delay"}
    assert _add(server.url, {**rule, "delay": 30, "gather": 3, "times": 3}).status_code == 200
    token = login(server.url)
    statuses: list[int] = []

    def get() -> None:
        answer = httpx.get(
            f"{server.url}/api/v2/integrations",
            headers={"Authorization": f"bearer {token}"},
            timeout=60,
        )
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=get) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # Answered as usual, all three: the third arrival let the other two go.
    assert statuses == [200, 200, 200]
    (reported,) = httpx.get(f"{server.url}/__sandbox/faults").json()
    assert (reported["fired"], reported["waiting"], reported["peak_waiting"]) == (3, 0, 3)
    assert reported["gather"] == 3 and reported["delay"] == 30.0
    # What GET answers can be PUT back.
    assert httpx.put(f"{server.url}/__sandbox/faults", json=[reported]).status_code == 200


def test_a_delay_then_answers_what_the_rule_says(server: SandboxServer) -> None:
    token = login(server.url)
    rule = {"method": "GET", "path": "/api/v2/integrations", "status": 503, "delay": 0.1}
    assert _add(server.url, rule).status_code == 200
    answer = httpx.get(
        f"{server.url}/api/v2/integrations", headers={"Authorization": f"bearer {token}"}
    )
    assert answer.status_code == 503
