#!/usr/bin/env python3
"""The README's two commands, runnable with nothing installed but Python 3.10+.

    python3 tasks.py demo   # plan + apply examples/ against the built-in sandbox, then re-plan
    python3 tasks.py test   # lint, type-check and run the whole test suite

Each creates .venv/ and installs the project into it on first use (and again when
pyproject.toml changes), so a fresh clone needs no other setup.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed-from"


def ensure_venv() -> None:
    if sys.version_info < (3, 10):  # noqa: UP036 - this script runs before any venv exists
        sys.exit(f"Python 3.10 or newer is needed; this is {sys.version.split()[0]}.")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    if not (BIN / "python").exists():
        print(f"Creating {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing iac and its dependencies into .venv ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    run([*pip, "install", "-e", f"{ROOT}[test]"])
    STAMP.write_text(wanted + "\n")


def run(command: list[str], *, check: bool = True) -> int:
    code = subprocess.call(command, cwd=ROOT)
    if check and code != 0:
        sys.exit(code)
    return code


def demo() -> None:
    iac = str(BIN / "iac")
    for title, command in (
        ("Plan", [iac, "plan", "examples", "--sandbox"]),
        ("Apply", [iac, "apply", "examples", "--sandbox", "--auto-approve"]),
        ("Plan again: nothing should be left to do", [iac, "plan", "examples", "--sandbox"]),
    ):
        print(f"\n=== {title}: {' '.join(['iac', *command[1:]])}\n", flush=True)
        run(command)


def test() -> None:
    python = str(BIN / "python")
    run([python, "-m", "ruff", "check", "."])
    run([python, "-m", "mypy"])
    sys.exit(run([python, "-m", "pytest", *sys.argv[2:]], check=False))


if __name__ == "__main__":
    task = sys.argv[1] if len(sys.argv) > 1 else ""
    tasks = {"demo": demo, "test": test}
    if task not in tasks:
        sys.exit(f"usage: python3 tasks.py {{{'|'.join(tasks)}}} [pytest args]")
    ensure_venv()
    tasks[task]()
