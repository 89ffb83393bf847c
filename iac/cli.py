"""The ``iac`` command line. Heavy imports (the Genesys SDK) happen only in commands that
talk to Genesys, so ``validate`` and friends start instantly."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import click

from iac import __version__
from iac.errors import IacError

F = TypeVar("F", bound=Callable[..., Any])


class _Group(click.Group):
    """Turns every IacError into click's one-line ``Error: ...`` and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except IacError as err:
            raise click.ClickException(str(err)) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iac")
def cli() -> None:
    """Plan and apply Genesys Cloud EventBridge destinations declared in YAML."""


def _config_dir(func: F) -> F:
    return click.argument(
        "config_dir",
        default=".",
        type=click.Path(path_type=Path, file_okay=False),
    )(func)


def _run_options(func: F) -> F:
    options = [
        click.option(
            "--state-dir",
            default="state",
            show_default=True,
            type=click.Path(path_type=Path, file_okay=False),
            help="Folder holding the state, its lock and the audit log.",
        ),
        click.option(
            "--workspace", default="default", show_default=True, help="State file to use."
        ),
        click.option(
            "--lock-timeout",
            default=0.0,
            show_default=True,
            type=click.FloatRange(min=0),
            help="Seconds to wait for another run's state lock before failing.",
        ),
        click.option(
            "--sandbox",
            is_flag=True,
            help="Use the built-in sandbox even when Genesys credentials are set.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@cli.command()
@_config_dir
def validate(config_dir: Path) -> None:
    """Check the YAML in CONFIG_DIR offline (no Genesys calls)."""
    from iac.config import config_files, load_config

    desired = load_config(config_dir)
    files = len(config_files(config_dir))
    count = len(desired.destinations)
    click.echo(
        f"Success! The configuration is valid: {count} destination{'s' * (count != 1)} "
        f"in {files} file{'s' * (files != 1)}."
    )


@cli.command()
@_config_dir
@_run_options
def plan(
    config_dir: Path, state_dir: Path, workspace: str, lock_timeout: float, sandbox: bool
) -> None:
    """Show what apply would change in Genesys Cloud."""
    from iac.plan.render_text import render_text

    with _Run(config_dir, state_dir, workspace, lock_timeout, sandbox, "plan") as run:
        computed, _ = asyncio.run(run.refresh_and_plan())
    click.echo(render_text(computed), nl=False)


@cli.command()
@_config_dir
@_run_options
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@click.option(
    "--parallelism",
    default=4,
    show_default=True,
    type=click.IntRange(min=1, max=64),
    help="How many changes run at once.",
)
def apply(
    config_dir: Path,
    state_dir: Path,
    workspace: str,
    lock_timeout: float,
    sandbox: bool,
    auto_approve: bool,
    parallelism: int,
) -> None:
    """Make Genesys Cloud match the configuration."""
    with _Run(config_dir, state_dir, workspace, lock_timeout, sandbox, "apply") as run:
        asyncio.run(run.apply(auto_approve=auto_approve, parallelism=parallelism))


@cli.group()
def sandbox() -> None:
    """The built-in Genesys Cloud sandbox."""


@sandbox.command("serve")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--data-file",
    default=Path("state") / "sandbox-org.json",
    show_default=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="JSON file holding the sandbox's org.",
)
@click.option(
    "--faults-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="JSON list of fault rules to start with.",
)
@click.option("--activation-delay", type=click.FloatRange(min=0), help="Seconds to ACTIVE.")
@click.option("--rate-limit", type=click.IntRange(min=1), help="Requests per minute per token.")
def sandbox_serve(
    port: int,
    data_file: Path,
    faults_file: Path | None,
    activation_delay: float | None,
    rate_limit: int | None,
) -> None:
    """Serve the sandbox on 127.0.0.1:PORT until interrupted."""
    from iac.sandbox import SandboxOptions, SandboxServer

    overrides: dict[str, Any] = {"faults_file": faults_file}
    if activation_delay is not None:
        overrides["activation_delay"] = activation_delay
    if rate_limit is not None:
        overrides["rate_limit_per_minute"] = rate_limit
    options = SandboxOptions(**overrides)
    try:
        server = SandboxServer(data_file, options, port=port)
    except OSError as err:
        raise IacError(f"cannot listen on 127.0.0.1:{port}: {err.strerror}") from None
    url = server.start()
    click.echo(f"Genesys Cloud sandbox listening on {url} (org kept in {data_file}).")
    click.echo("Point iac at it with:")
    click.echo(f"  export GENESYSCLOUD_API_REGION={url}")
    click.echo(f"  export GENESYSCLOUD_OAUTHCLIENT_ID={options.client_id}")
    click.echo(f"  export GENESYSCLOUD_OAUTHCLIENT_SECRET={options.client_secret}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


class _Run:
    """One plan or apply: configuration, locked state, target org and Genesys client."""

    def __init__(
        self,
        config_dir: Path,
        state_dir: Path,
        workspace: str,
        lock_timeout: float,
        sandbox: bool,
        operation: str,
    ) -> None:
        from iac.config import load_config
        from iac.state import LocalStateStore

        # Cheap, offline checks first: a typo in YAML should not wait for a lock or a login.
        self.desired = {
            key: d.attributes() for key, d in load_config(config_dir).destinations.items()
        }
        self.store = LocalStateStore(state_dir, workspace)
        self.lock = self.store.lock(operation, lock_timeout)
        self.sandbox = sandbox
        self.state_dir = state_dir
        self.workspace = workspace
        self._exit_stack: Any = None

    def __enter__(self) -> _Run:
        import contextlib

        from iac.session import open_target

        stack = contextlib.ExitStack()
        try:
            stack.enter_context(self.lock)
            self.target = stack.enter_context(
                open_target(sandbox=self.sandbox, state_dir=self.state_dir, notify=_note)
            )
            self.state = self._read_state()
        except BaseException:
            stack.close()
            raise
        self._exit_stack = stack
        return self

    def __exit__(self, *exc: object) -> None:
        self._exit_stack.close()

    def _read_state(self) -> Any:
        from iac.state import State

        state = self.store.read()
        if state is None:
            return State.new(self.target.state_target)
        if state.target != self.target.state_target:
            raise IacError(
                f"{self.store.path} describes destinations in {state.target}, but this run "
                f"targets {self.target.state_target}. Use a separate --workspace (or "
                "--state-dir) for each org."
            )
        return state

    def _client(self) -> Any:
        from iac.genesys.client import GenesysClient

        return GenesysClient(self.target)

    async def refresh_and_plan(self, client: Any = None) -> tuple[Any, Any]:
        from iac.plan import plan

        if client is None:
            async with self._client() as fresh:
                return await self.refresh_and_plan(fresh)
        live = await client.list_destinations()
        return plan(self.desired, self.state, live), client

    async def apply(self, *, auto_approve: bool, parallelism: int) -> None:
        from iac.apply import StateRecorder, apply_plan
        from iac.audit import AuditLog, detect_actor
        from iac.plan.render_text import render_text

        async with self._client() as client:
            computed, _ = await self.refresh_and_plan(client)
            click.echo(render_text(computed), nl=False)
            if not computed.has_changes:
                return
            if not auto_approve:
                _confirm(self.target.display)
            audit = AuditLog(
                self.state_dir / f"{self.workspace}.audit.jsonl",
                run_id=str(uuid.uuid4()),
                actor=detect_actor(os.environ),
            )
            click.echo()
            result = await apply_plan(
                computed,
                client=client,
                recorder=StateRecorder(self.store, self.state),
                audit=audit,
                progress=_ConsoleProgress(),
                parallelism=parallelism,
            )
        counts = result.counts()
        tally = (
            f"{counts['added']} added, {counts['changed']} changed, {counts['destroyed']} destroyed"
        )
        retries = client.stats.retries
        if retries:
            click.echo(
                f"(Genesys calls retried {retries} times, {client.stats.throttled} of them "
                "for rate limiting)"
            )
        if result.failed:
            lines = [f"Apply failed: {len(result.failed)} of {len(result.results)} changes failed."]
            lines += [
                f"  destination.{r.change.key} ({r.change.action.value}): {r.error}"
                for r in result.failed
            ]
            lines.append(f"Resources: {tally}. State saved what succeeded.")
            raise IacError("\n".join(lines))
        click.echo(f"\nApply complete! Resources: {tally}.")


def _confirm(where: str) -> None:
    click.echo(
        f"\nDo you want to perform these actions in {where}?\n"
        "  Only 'yes' will be accepted to approve.\n"
    )
    click.echo("  Enter a value: ", nl=False)
    answer = sys.stdin.readline()
    if answer.strip() != "yes":
        raise IacError("Apply cancelled: the answer was not 'yes'. Nothing was changed.")


def _note(message: str) -> None:
    click.echo(message, err=True)


class _ConsoleProgress:
    _VERBS: ClassVar[dict[str, tuple[str, str, str]]] = {
        "create": ("Creating...", "Creation complete", "Creation failed"),
        "update": ("Modifying...", "Modifications complete", "Modification failed"),
        "replace": ("Replacing...", "Replacement complete", "Replacement failed"),
        "delete": ("Destroying...", "Destruction complete", "Destruction failed"),
    }

    def started(self, change: Any) -> None:
        verb = self._VERBS[change.action.value][0]
        suffix = f" [id={change.id}]" if change.id else ""
        click.echo(f"destination.{change.key}: {verb}{suffix}")

    def finished(self, change: Any, result: Any) -> None:
        _, done, failed = self._VERBS[change.action.value]
        elapsed = f"{result.duration_seconds:.0f}s"
        if result.ok:
            suffix = f" [id={result.genesys_id}]" if result.genesys_id else ""
            click.echo(f"destination.{change.key}: {done} after {elapsed}{suffix}")
        else:
            click.echo(f"destination.{change.key}: {failed} after {elapsed}: {result.error}")


def main() -> None:
    cli(prog_name="iac")
