"""The sandbox drift walkthrough of examples/README.md, followed as written: its commands run in
a shell, in a fresh copy of the examples, with `iac sandbox serve` in a second process.

The README marks the two blocks (``<!-- walkthrough: serve -->`` and ``<!-- walkthrough:
drift -->``); each command's expected exit code is the ``# exit N`` its comment names (else 0).
Only the port changes: 8080 may be taken on a test machine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from iac_testing.cli_world import wait_until
from iac_testing.examples import EXAMPLES
from iac_testing.served_sandbox import clean_env, free_port, stop_process

from iac.run.target import served_url

RUN_TIMEOUT = 300.0  # the whole walkthrough: five CLI runs, each importing the SDK
_BLOCK = re.compile(r"<!-- walkthrough: (\w+) -->\n```sh\n(.*?)```", re.S)
_EXIT = re.compile(r"#\s*exit (\d+)")

pytestmark = pytest.mark.skipif(
    not (shutil.which("bash") and shutil.which("curl")), reason="needs bash and curl"
)


def walkthrough() -> dict[str, list[str]]:
    text = (EXAMPLES / "README.md").read_text()
    blocks = {name: body.strip().splitlines() for name, body in _BLOCK.findall(text)}
    assert set(blocks) == {"serve", "drift"}, "examples/README.md lost its walkthrough markers"
    return blocks


def user_env() -> dict[str, str]:
    """A shell of the user's: iac on the PATH, no Genesys credentials, not in CI."""
    bin_dir = str(Path(sys.executable).parent)
    env = clean_env()
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    return env


def test_the_drift_walkthrough_runs_as_written(tmp_path: Path) -> None:
    blocks = walkthrough()
    port = free_port()
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    env = user_env()
    [serve] = blocks["serve"]
    server = subprocess.Popen(
        ["bash", "-c", "exec " + serve.replace("8080", str(port))],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    org_file = tmp_path / "state" / "sandbox-org.json"
    try:
        wait_until("iac sandbox serve to serve state/", lambda: served_url(org_file))
        second = _iac(tmp_path, env, "sandbox", "serve", "--port", str(free_port()))
        assert second.returncode == 1  # one org file, one server
        assert "state/sandbox-org.json is already served at" in second.stderr
        steps, expected = [], []
        for line in blocks["drift"]:
            steps += [line.replace("8080", str(port)), 'echo "__rc__ $?"']
            found = _EXIT.search(line)  # a comment's "# exit N"
            expected.append(int(found[1]) if found else 0)
        done = subprocess.run(
            ["bash", "-c", "\n".join(steps)],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
        )
        codes = [int(c) for c in re.findall(r"^__rc__ (\d+)$", done.stdout, re.M)]
        assert codes == expected, done.stdout + done.stderr
        assert "destination.audit-trail (id " in done.stdout
        assert '~ name = "Audit events to security account" -> "Renamed in the UI"' in done.stdout
        assert "using the built-in sandbox that `iac sandbox serve` serves" in done.stderr
        # The walkthrough ran against the served org: it holds what the runs made.
        org = httpx.get(f"http://127.0.0.1:{port}/__sandbox/org").json()
        assert len(org["integrations"]) == 3

        # With the variables it prints exported, runs on this folder are the same sandbox.
        exported = dict(re.findall(r"export (\w+)=(\S+)", _printed(server, 5)))
        assert exported["GENESYSCLOUD_API_REGION"] == f"http://127.0.0.1:{port}"
        state = json.loads((tmp_path / "state" / "default.json").read_text())
        audit_id = state["resources"]["audit-trail"]["id"]
        httpx.patch(
            f"http://127.0.0.1:{port}/__sandbox/integrations/{audit_id}",
            json={"name": "Renamed again"},
        ).raise_for_status()
        with_vars = {**env, **exported}
        drift = _iac(tmp_path, with_vars, "drift", "examples", "--detailed-exitcode")
        assert drift.returncode == 2, drift.stdout + drift.stderr
        assert "Target: the built-in sandbox" in drift.stdout
        applied = _iac(tmp_path, with_vars, "apply", "examples", "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr  # no probe blocked it
        assert "Apply complete! Resources: 0 added, 1 changed, 0 destroyed." in applied.stdout
    finally:
        stop_process(server)
    assert not (tmp_path / "state" / "sandbox-org.json.served").exists()


def _printed(server: subprocess.Popen[str], lines: int) -> str:
    assert server.stdout is not None
    return "".join(server.stdout.readline() for _ in range(lines))


def _iac(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["iac", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
