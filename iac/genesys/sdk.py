"""The official SDK, loaded without the thousands of modules its package ``__init__`` imports.

``import PureCloudPlatformClientV2`` runs a package ``__init__`` that imports every model and
API module (about 6,600: 3.6 s and 215 MB on our machines) where a run uses a few dozen. So
the package and its ``models`` and ``apis`` subpackages go into ``sys.modules`` as lazy
modules: each name their ``__init__`` would have bound is imported on first use, from the
module that ``__init__`` names. Everything else (auth, URLs, parameters, the models we send)
is the SDK's own code, unchanged.

This relies on SDK internals: the package layout, and ``__init__`` files that are plain lists of
``from .module import Name`` lines. ``tests/genesys/test_sdk_loading.py`` fails loudly on a
release that breaks it; at run time, anything unexpected falls back to the plain import (slow,
never wrong).
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

PACKAGE = "PureCloudPlatformClientV2"
SUBPACKAGES = ("models", "apis")

# What an SDK ``__init__`` holds besides ``from .module import Name`` lines; anything else
# there means the layout changed.
_KNOWN_OTHER = re.compile(r"from __future__ import \w+|configuration = Configuration\(\)")

# Names the client needs; a parsed package that lacks one is not the layout we know.
REQUIRED = (
    "ApiClient",
    "Configuration",
    "IntegrationsApi",
    "TokensApi",
    "AuthorizationApi",
    "OrganizationApi",
    "NotificationsApi",
    "CreateIntegrationRequest",
    "IntegrationConfiguration",
    "Integration",
    "IntegrationType",
)


class LayoutChanged(ImportError):
    """The installed SDK is not laid out the way lazy loading expects."""


class LazyPackage(ModuleType):
    """A package whose ``__init__`` names are imported from their modules on first use."""

    _lazy_names: dict[str, str]

    def __getattr__(self, name: str) -> Any:
        module = self.__dict__["_lazy_names"].get(name)
        if module is None:
            if name == "configuration" and self.__name__ == PACKAGE:
                # The package ``__init__`` binds the process-wide Configuration singleton.
                value: Any = self.Configuration()
            else:
                raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        else:
            value = getattr(importlib.import_module(module), name)
        setattr(self, name, value)
        return value

    def __dir__(self) -> list[str]:
        return sorted({*self.__dict__, *self.__dict__["_lazy_names"]})


def load() -> ModuleType:
    """The SDK package: the one already imported, else a lazily loaded one, else (when its
    layout is not what lazy loading expects) the plain import."""
    loaded = sys.modules.get(PACKAGE)
    if loaded is not None:
        return loaded
    try:
        return load_lazily()
    except LayoutChanged:
        return importlib.import_module(PACKAGE)


def is_lazy(package: ModuleType) -> bool:
    return isinstance(package, LazyPackage)


def load_lazily() -> ModuleType:
    """Install the lazy package and subpackages; ``LayoutChanged`` (with nothing installed)
    when the SDK is missing or not laid out as expected."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LayoutChanged(f"{PACKAGE} is not installed as a package")
    root = Path(next(iter(spec.submodule_search_locations)))
    modules = {PACKAGE: _lazy_package(PACKAGE, root, spec.origin)}
    for sub in SUBPACKAGES:
        modules[f"{PACKAGE}.{sub}"] = _lazy_package(f"{PACKAGE}.{sub}", root / sub)
    missing = [name for name in REQUIRED if name not in modules[PACKAGE]._lazy_names]
    if missing:
        raise LayoutChanged(f"{PACKAGE}/__init__.py no longer names {', '.join(missing)}")
    # Parents before children, as the import system would have done.
    for name, module in modules.items():
        sys.modules[name] = module
    for sub in SUBPACKAGES:
        setattr(modules[PACKAGE], sub, modules[f"{PACKAGE}.{sub}"])
    return modules[PACKAGE]


def _lazy_package(package_name: str, folder: Path, origin: str | None = None) -> LazyPackage:
    init = folder / "__init__.py"
    try:
        source = init.read_text(encoding="utf-8")
    except OSError as err:
        raise LayoutChanged(f"cannot read {init}: {err}") from None
    names: dict[str, str] = {}
    for number, line in enumerate(source.splitlines(), start=1):
        if line.startswith("from ."):
            words = line.split()  # from .module import Name
            if len(words) == 4 and words[2] == "import" and words[3].isidentifier():
                names[words[3]] = f"{package_name}{words[1]}"
                continue
        elif not line.strip() or line.startswith("#") or _KNOWN_OTHER.fullmatch(line.strip()):
            continue
        raise LayoutChanged(f"{init}:{number} is not an import of one name: {line[:80]}")
    module = LazyPackage(package_name)
    module._lazy_names = names
    module.__file__ = origin or str(init)
    module.__path__ = [str(folder)]
    module.__package__ = package_name
    module.__spec__ = importlib.machinery.ModuleSpec(
        package_name, None, origin=str(init), is_package=True
    )
    module.__spec__.submodule_search_locations = [str(folder)]
    return module


def _submodule(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


# Loaded on import: importing this module is how the rest of iac gets at the SDK, so that its
# package ``__init__`` never runs. Submodules are reached through the loaded package.
package = load()
ApiClient: Any = package.ApiClient
ApiException: Any = _submodule("rest").ApiException
AbstractHttpClient: Any = _submodule("abstract_http_client").AbstractHttpClient
LogLevel: Any = _submodule("logger").LogLevel
PureCloudRegionHosts: Any = _submodule("purecloud_region_hosts").PureCloudRegionHosts
