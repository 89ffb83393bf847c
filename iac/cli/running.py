"""Between a command and an operation: the configuration read, logging set up, and the run
context opened. Heavy modules load here, only for the commands that need them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from iac.cli.options import InputOptions, LogOptions

if TYPE_CHECKING:
    from iac.run.context import RunContext, RunOptions
    from iac.run.inputs import Inputs


def load_inputs(config_dir: Path, options: InputOptions) -> Inputs:
    from iac.run.inputs import inputs_from_config

    return inputs_from_config(
        config_dir,
        cli_vars=options.cli_vars,
        var_files=options.var_files,
        policy_file=options.policy_file,
    )


def open_run(command: str, inputs: Inputs, run: RunOptions, logs: LogOptions) -> RunContext:
    from iac.cli.views import notify
    from iac.run.context import RunContext
    from iac.telemetry import configure_logging

    configure_logging(logs.log_format, logs.log_level)
    return RunContext(run, command, inputs, notify=notify)
