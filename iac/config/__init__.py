"""Configuration layer: YAML files in a folder -> validated desired state.

Deliberately light (pydantic, PyYAML and Jinja2 only, never the Genesys SDK) because it backs
the offline ``iac validate``.
"""

from iac.config.json_schema import destinations_schema, render_schema
from iac.config.loader import DesiredConfig, config_files, load_config
from iac.config.models import Destination, DestinationsFile, OrgSettings
from iac.config.problems import ConfigError, Problem, SourceLocation
from iac.config.variables import collect_variables

__all__ = [
    "ConfigError",
    "DesiredConfig",
    "Destination",
    "DestinationsFile",
    "OrgSettings",
    "Problem",
    "SourceLocation",
    "collect_variables",
    "config_files",
    "destinations_schema",
    "load_config",
    "render_schema",
]
