"""What real runs import, seen with ``python -X importtime``.

* ``iac plan`` against a real org (here: a sandbox served by another process, named by the
  GENESYSCLOUD_* variables) never imports ``iac.sandbox``, the stand-in for Genesys;
* the offline ``iac validate`` never imports the Genesys SDK.
"""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.request
from pathlib import Path

from iac_testing.served_sandbox import DEADLINE, REPO_ROOT, clean_env, served_sandbox

RUN_TIMEOUT = 180.0  # seconds for one CLI run, on a busy machine

_IMPORTTIME = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|( *)(\S+)\s*$")

MINIMAL_CONFIG = """\
destinations:
  architecture-check:
    name: Architecture check
    aws_account_id: "123456789012"
    aws_region: us-east-1
    event_source_suffix: architecture-check
    topic_filters:
      - v2.users.{id}.activity
    enabled: true
"""


def in_package(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def imported_modules(stderr: str) -> list[tuple[str, list[str]]]:
    """Each module in ``-X importtime`` output with the chain that imported it (innermost first).

    importtime prints a module after everything it imported, one indent level deeper.
    """
    entries = [(len(m[1]), m[2]) for m in map(_IMPORTTIME.match, stderr.splitlines()) if m]
    result = []
    for i, (depth, name) in enumerate(entries):
        chain, want = [], depth
        for later_depth, later_name in entries[i + 1 :]:
            if later_depth < want:
                chain.append(later_name)
                want = later_depth
        result.append((name, chain))
    return result


def describe_imports(stderr: str, wanted: str) -> list[str]:
    """How ``wanted`` (a package) got in: each of its modules imported from outside it."""
    return [
        f"{name}  <- imported by " + (" <- ".join(chain) or "(lazily, at run time)")
        for name, chain in imported_modules(stderr)
        if in_package(name, wanted) and not (chain and in_package(chain[0], wanted))
    ]


def without_importtime(stderr: str) -> str:
    return "\n".join(x for x in stderr.splitlines() if not _IMPORTTIME.match(x))


def run_with_importtime(
    *args: str, cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "iac", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )


def test_importtime_reader_names_the_chain_that_imported_a_module() -> None:
    """The reader the tests below depend on: if it misses imports, they pass vacuously."""
    stderr = (
        "import time: self [us] | cumulative | imported package\n"
        "import time:        10 |         10 |       iac.sandbox.org\n"
        "import time:        20 |         30 |     iac.sandbox\n"
        "import time:        30 |         60 |   iac.run.target\n"
        "import time:        40 |        100 | iac.cli\n"
        "import time:         5 |          5 | iac.sandbox.tokens\n"
    )
    assert imported_modules(stderr) == [
        ("iac.sandbox.org", ["iac.sandbox", "iac.run.target", "iac.cli"]),
        ("iac.sandbox", ["iac.run.target", "iac.cli"]),
        ("iac.run.target", ["iac.cli"]),
        ("iac.cli", []),
        ("iac.sandbox.tokens", []),
    ]
    assert describe_imports(stderr, "iac.sandbox") == [
        "iac.sandbox  <- imported by iac.run.target <- iac.cli",
        "iac.sandbox.tokens  <- imported by (lazily, at run time)",
    ]


def test_plan_against_a_real_org_does_not_import_the_sandbox(tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    (config_dir / "destinations.yaml").write_text(MINIMAL_CONFIG)
    with served_sandbox(tmp_path) as served:
        plan = run_with_importtime(
            "plan",
            str(config_dir),
            "--state-dir",
            str(tmp_path / "state"),
            "--skip-probes",
            cwd=tmp_path,
            env=clean_env(**served.variables),
        )
        errors = without_importtime(plan.stderr)
        assert plan.returncode in (0, 2), (
            f"`iac plan` against the served sandbox exited {plan.returncode}, not 0 or 2.\n"
            f"stdout:\n{plan.stdout}\nstderr (importtime lines removed):\n{errors}"
        )
        no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with no_proxy.open(f"{served.url}/__sandbox/requests", timeout=DEADLINE) as response:
            assert response.read().strip() not in (b"", b"[]"), (
                "`iac plan` exited 0 but sent the served sandbox no request: it did not use "
                f"the GENESYSCLOUD_* variables {sorted(served.variables)}.\nstderr:\n{errors}"
            )
    loaded = describe_imports(plan.stderr, "iac.sandbox")
    assert not loaded, (
        "`iac plan` against a real org (here: a sandbox in another process, named by "
        "GENESYSCLOUD_*) imported iac.sandbox; only the built-in sandbox may load it, "
        "lazily. Import chains (from -X importtime):\n  " + "\n  ".join(loaded)
    )


def test_validate_does_not_import_the_genesys_sdk(tmp_path: Path) -> None:
    examples = REPO_ROOT / "examples"
    assert (examples / "destinations.yaml").is_file(), "the quick-start config moved; update me"
    result = run_with_importtime("validate", str(examples), cwd=tmp_path, env=clean_env())
    assert result.returncode == 0, (
        f"`iac validate examples` exited {result.returncode}.\n"
        f"stdout:\n{result.stdout}\nstderr (importtime lines removed):\n"
        f"{without_importtime(result.stderr)}"
    )
    loaded = describe_imports(result.stderr, "PureCloudPlatformClientV2")
    assert not loaded, (
        "`iac validate` is offline but imported the Genesys SDK: import "
        "PureCloudPlatformClientV2 only inside the functions that talk to Genesys. "
        "Import chain (from -X importtime):\n  " + "\n  ".join(loaded)
    )


def test_show_and_state_commands_do_not_import_the_genesys_sdk(tmp_path: Path) -> None:
    """``iac show PLANFILE`` and ``iac state ...`` never talk to Genesys: no SDK."""
    from iac.plan.basis import Basis
    from iac.plan.model import Plan
    from iac.run.inputs import Inputs
    from iac.run.planfile import save_plan
    from iac.state import LocalStateStore, ResourceState, State

    plan_file = tmp_path / "plan.iac"
    basis = Basis("c" * 64, None, 0, "sandbox", "default")
    save_plan(plan_file, Plan(changes=()), basis, Inputs(desired={}, source=tmp_path), strict=False)
    state_dir = tmp_path / "state"
    store = LocalStateStore(
        state_dir / "default.json", state_dir / "x.backup", state_dir / "x.lock"
    )
    store.write(State.new("sandbox").with_resource("orders", ResourceState("id-1", {"name": "O"})))
    runs = {
        "show": ("show", str(plan_file)),
        "state list": ("state", "list", "--state-dir", str(state_dir)),
        "state show": ("state", "show", "orders", "--state-dir", str(state_dir)),
        "state mv": ("state", "mv", "orders", "orders-eu", "--state-dir", str(state_dir)),
    }
    for name, args in runs.items():
        result = run_with_importtime(*args, cwd=tmp_path, env=clean_env())
        assert result.returncode == 0, (
            f"`iac {name}` exited {result.returncode}.\nstdout:\n{result.stdout}\n"
            f"stderr (importtime lines removed):\n{without_importtime(result.stderr)}"
        )
        for package in ("PureCloudPlatformClientV2", "iac.sandbox"):
            loaded = describe_imports(result.stderr, package)
            assert not loaded, (
                f"`iac {name}` does not talk to Genesys but imported {package}. Import chain "
                "(from -X importtime):\n  " + "\n  ".join(loaded)
            )


def test_plan_of_a_configuration_without_aws_event_bus_does_not_import_boto3(
    tmp_path: Path,
) -> None:
    """boto3 is optional and costs start-up time: only ``aws_event_bus`` blocks load it."""
    examples = REPO_ROOT / "examples"
    result = run_with_importtime(
        "plan",
        str(examples),
        "--sandbox",
        "--skip-probes",
        "--state-dir",
        str(tmp_path / "state"),
        cwd=tmp_path,
        env=clean_env(),
    )
    assert result.returncode in (0, 2), (
        f"`iac plan examples` exited {result.returncode}.\nstdout:\n{result.stdout}\n"
        f"stderr (importtime lines removed):\n{without_importtime(result.stderr)}"
    )
    for package in ("boto3", "botocore", "iac.aws.client"):
        loaded = describe_imports(result.stderr, package)
        assert not loaded, (
            f"`iac plan examples` has no aws_event_bus block but imported {package}. Import "
            "chain (from -X importtime):\n  " + "\n  ".join(loaded)
        )
