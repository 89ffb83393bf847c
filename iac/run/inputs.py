"""What a run works from: the desired destinations and the settings that come with them.

They come from a configuration folder (rendered with variables), or from a saved plan file,
which carries the same settings so that ``apply PLANFILE`` needs no configuration at all.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iac.config.models import OrgSettings
from iac.config.policy import Policy
from iac.plan.basis import digest


@dataclass(frozen=True)
class Inputs:
    desired: dict[str, dict[str, Any]]
    probe_endpoints: dict[str, str] = field(default_factory=dict)
    policy: Policy | None = None
    org: OrgSettings | None = None
    # Keys marked prevent_destroy in the configuration.
    protected: frozenset[str] = frozenset()
    # The configuration folder they were read from (None: built another way).
    source: Path | None = None
    # Renamed keys (from, to): the configuration's moved: entries.
    moved: tuple[tuple[str, str], ...] = ()
    # Per key, the destination's aws_event_bus block ({"create": bool, "name": str | None});
    # keys without one are absent (the Genesys side only).
    buses: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def config_hash(self) -> str:
        """Hash of the rendered configuration: what the plan was computed from."""
        return digest(
            {
                "destinations": self.desired,
                "protected": sorted(self.protected),
                "policy": self.policy.model_dump() if self.policy else None,
                "org": self.org.model_dump() if self.org else None,
                "probe_endpoints": self.probe_endpoints,
                "moved": [list(m) for m in self.moved],
                # Only when used, so configurations without one keep their hash.
                **({"aws_event_buses": self.buses} if self.buses else {}),
            }
        )


def inputs_from_config(
    folder: Path,
    *,
    cli_vars: Sequence[str] = (),
    var_files: Sequence[Path] = (),
    policy_file: Path | None = None,
) -> Inputs:
    from iac.config import load_config
    from iac.config.policy import load_policy
    from iac.config.variables import collect_variables

    variables = collect_variables(list(cli_vars), list(var_files), os.environ)
    config = load_config(folder, variables)
    policy_path = policy_file or config.policy_file
    return Inputs(
        desired={key: d.attributes() for key, d in config.destinations.items()},
        probe_endpoints=dict(config.probe_endpoints),
        policy=load_policy(policy_path) if policy_path else None,
        org=config.org,
        protected=frozenset(config.protected),
        source=folder,
        moved=config.moved,
        buses={
            key: d.aws_event_bus.model_dump()
            for key, d in config.destinations.items()
            if d.aws_event_bus is not None
        },
    )
