"""``iac sandbox serve``: the built-in Genesys Cloud sandbox as a standalone server."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import click

from iac.errors import IacError
from iac.workspace import SANDBOX_ORG_FILE


@click.group()
def sandbox() -> None:
    """The built-in Genesys Cloud sandbox."""


@sandbox.command("serve")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--data-file",
    default=Path("state") / SANDBOX_ORG_FILE,
    show_default=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="JSON file holding the sandbox's org.",
)
@click.option(
    "--faults-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="JSON list of fault rules to start with.",
)
@click.option(
    "--behaviour-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="JSON object of modes for unverified API behaviour (see README, The sandbox).",
)
@click.option("--activation-delay", type=click.FloatRange(min=0), help="Seconds to ACTIVE.")
@click.option("--rate-limit", type=click.IntRange(min=1), help="Requests per minute per token.")
@click.option(
    "--aws-endpoint",
    help="AWS-compatible endpoint (e.g. moto) where the sandbox creates each ACTIVE "
    "integration's partner event source, as Genesys does (default: AWS_ENDPOINT_URL).",
)
def serve(
    port: int,
    data_file: Path,
    faults_file: Path | None,
    behaviour_file: Path | None,
    activation_delay: float | None,
    rate_limit: int | None,
    aws_endpoint: str | None,
) -> None:
    """Serve the sandbox on 127.0.0.1:PORT until interrupted (Ctrl-C or SIGTERM)."""
    from iac.run.target import served_url, serving
    from iac.sandbox import SandboxOptions, SandboxServer

    overrides: dict[str, Any] = {"faults_file": faults_file, "behaviour_file": behaviour_file}
    if activation_delay is not None:
        overrides["activation_delay"] = activation_delay
    if rate_limit is not None:
        overrides["rate_limit_per_minute"] = rate_limit
    if aws_endpoint is not None:
        overrides["aws_endpoint"] = aws_endpoint
    options = SandboxOptions(**overrides)
    already = served_url(data_file)
    if already is not None:  # before loading the org: the other server owns the file
        raise IacError(f"{data_file} is already served at {already}: one org file, one server.")
    server = SandboxServer(data_file, options, port=port)
    try:
        url = server.bind()
    except OSError as err:
        raise IacError(f"cannot listen on 127.0.0.1:{port}: {err.strerror}") from None
    # A shell starts background jobs with SIGINT ignored, and service managers stop with
    # SIGTERM: both must end the server cleanly, with the org file saved. The handler only
    # asks the loop to end: an exception raised from it could land in socketserver code that
    # swallows it.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: server.interrupt())
    try:
        # The marker first: a run started as soon as these lines are read must find it.
        with serving(data_file, url):
            _announce(url, data_file, options)
            server.serve_forever()
    finally:
        server.stop()


def _announce(url: str, data_file: Path, options: Any) -> None:
    click.echo(f"Genesys Cloud sandbox listening on {url} (org kept in {data_file}).")
    if data_file.name == SANDBOX_ORG_FILE:
        click.echo(
            f"Runs with --state-dir {data_file.parent} use it as their built-in sandbox while it "
            "runs (no variables needed). Or point iac at it with:"
        )
    else:
        click.echo("Point iac at it with:")
    click.echo(f"  export GENESYSCLOUD_API_REGION={url}")
    click.echo(f"  export GENESYSCLOUD_OAUTHCLIENT_ID={options.client_id}")
    click.echo(f"  export GENESYSCLOUD_OAUTHCLIENT_SECRET={options.client_secret}")
