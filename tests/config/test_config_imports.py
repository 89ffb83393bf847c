"""iac.config backs the offline ``iac validate``: it must not pull in the Genesys SDK."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_importing_config_does_not_import_the_sdk() -> None:
    code = (
        "import sys, iac.config\n"
        "assert 'PureCloudPlatformClientV2' not in sys.modules, 'SDK imported'\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_schema_command_runs_as_module() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run(
        [sys.executable, "-W", "error", "-m", "iac.schemas", "--check"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
