"""What iac relies on in the SDK's internals, checked against the installed release.

Two things save most of a run's time, and both lean on how the SDK is built:

- its package ``__init__`` files are read as lists of ``from .module import Name`` lines, so
  that only the modules a run uses are imported (``iac.genesys.sdk``);
- the SDK hands each answer to ``ApiClient.deserialize`` with the name of its response type,
  which is where ``DecodingApiClient`` reads the bulk answers itself (``iac.genesys.wire``).

A release that changes either must fail here, loudly, rather than slow every run down or hand
the client something it misreads.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from genesys_sandbox import ATTRIBUTES, with_client

from iac.genesys import sdk, wire
from iac.genesys.client import GenesysClient
from iac.genesys.convert import to_live
from iac.genesys.settings import GenesysTarget
from iac.sandbox import SandboxServer


def run_python(code: str, **env: str) -> str:
    """Run ``code`` in a fresh interpreter (nothing of the SDK imported yet); its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=180,
        env={**_inherited_env(), **env},
    )
    assert done.returncode == 0, f"the child failed:\n{done.stderr}"
    return done.stdout


def _inherited_env() -> dict[str, str]:
    import os

    return dict(os.environ)


def test_the_installed_sdk_loads_lazily_and_imports_only_what_a_client_uses() -> None:
    out = run_python(
        """
        import json, sys
        from iac.genesys import sdk
        from iac.genesys.client import GenesysClient
        from iac.genesys.settings import GenesysTarget
        GenesysClient(GenesysTarget("http://127.0.0.1:9", "id", "secret")).close()
        print(json.dumps({
            "lazy": sdk.is_lazy(sdk.package),
            "modules": sum(1 for m in sys.modules if m.startswith(sdk.PACKAGE)),
        }))
        """
    )
    seen = json.loads(out)
    assert seen["lazy"], (
        "the SDK was imported whole (3.6 s, 215 MB): its package layout is no longer what "
        "iac.genesys.sdk reads; see LayoutChanged in that module"
    )
    # Today a client needs about 130 of the SDK's ~6,800 modules.
    assert seen["modules"] < 400, f"{seen['modules']} SDK modules imported for one client"


def test_every_name_the_package_init_binds_is_found_where_the_lazy_package_looks() -> None:
    # Imports the whole SDK once (a few seconds), in a child, to compare with the lazy one.
    out = run_python(
        """
        import importlib, json
        from iac.genesys import sdk
        wrong = []
        for package in (sdk.package, sdk.package.models, sdk.package.apis):
            for name, module in package._lazy_names.items():
                if not hasattr(importlib.import_module(module), name):
                    wrong.append(f"{module}.{name}")
        print(json.dumps({"wrong": wrong, "names": len(sdk.package._lazy_names)}))
        """
    )
    seen = json.loads(out)
    assert seen["wrong"] == []
    assert seen["names"] > 5000  # every model and API, not a partial reading


def test_an_sdk_laid_out_otherwise_is_imported_the_plain_way(tmp_path: Path) -> None:
    # The installed SDK, but with a package __init__ that does more than import names.
    real = Path(sdk.package.__path__[0])
    fake = tmp_path / sdk.PACKAGE
    fake.mkdir()
    for entry in real.iterdir():
        if entry.name not in ("__init__.py", "__pycache__"):
            (fake / entry.name).symlink_to(entry)
    init = (real / "__init__.py").read_text()
    (fake / "__init__.py").write_text(f"{init}\nHOW = 'plainly imported'\n")
    out = run_python(
        """
        from iac.genesys import sdk
        from iac.genesys.client import GenesysClient
        from iac.genesys.settings import GenesysTarget
        GenesysClient(GenesysTarget("http://127.0.0.1:9", "id", "secret")).close()
        print(sdk.is_lazy(sdk.package), sdk.package.HOW)
        """,
        PYTHONPATH=str(tmp_path),
    )
    assert out.split(None, 1) == ["False", "plainly imported\n"]


def test_a_layout_it_does_not_know_is_refused_line_by_line(tmp_path: Path) -> None:
    (tmp_path / "__init__.py").write_text(
        "from __future__ import absolute_import\n"
        "from .models.thing import Thing\n"
        "from .models.other import Other, More\n"
    )
    with pytest.raises(sdk.LayoutChanged, match=r"__init__.py:3 is not an import of one name"):
        sdk._lazy_package("fake", tmp_path)


def test_the_sdk_hands_the_answers_we_decode_to_deserialize_by_those_names(
    sandbox: SandboxServer, target: GenesysTarget
) -> None:
    """Through the real SDK methods the client calls: each answer comes back as a wire value,
    and means to the client what the SDK's own model of the same answer means."""

    async def exercise(client: GenesysClient) -> dict[str, object]:
        api = client._api  # the SDK's IntegrationsApi, over DecodingApiClient
        new_id = await client.create_integration()
        await client.configure(new_id, ATTRIBUTES, None)
        return {
            "post": api.post_integrations(body=_create_body()),
            "listing": api.get_integrations(page_size=100, expand=["config.current"]),
            "one": api.get_integration(new_id, expand=["config.current"]),
            "config": api.get_integration_config_current(new_id),
            "patch": api.patch_integration(new_id, body=_disable()),
        }

    answers = with_client(target, exercise)
    assert isinstance(answers["post"], wire.Integration)
    assert isinstance(answers["listing"], wire.IntegrationListing)
    assert isinstance(answers["one"], wire.Integration)
    assert isinstance(answers["config"], wire.Configuration)
    assert isinstance(answers["patch"], wire.Integration)

    # The same answers through the SDK's own deserialiser read the same to the client.
    plain = sdk.package.ApiClient(host=target.api_url)
    plain.get_client_credentials_token(target.client_id, target.client_secret)
    plain_api = sdk.package.IntegrationsApi(plain)
    one = answers["one"]
    assert isinstance(one, wire.Integration) and one.id is not None
    theirs = plain_api.get_integration(one.id, expand=["config.current"])
    their_config = plain_api.get_integration_config_current(one.id)
    assert not isinstance(their_config, wire.Configuration)
    assert to_live(one, answers["config"]) == to_live(theirs, their_config)


def _disable() -> object:
    body = sdk.package.Integration()
    body.intended_state = "DISABLED"
    return body


def _create_body() -> object:
    body = sdk.package.CreateIntegrationRequest()
    kind = sdk.package.IntegrationType()
    kind.id = "amazon-eventbridge-source"
    body.integration_type = kind
    return body

