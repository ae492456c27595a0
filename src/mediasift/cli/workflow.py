"""``mediasift workflow put|get|apply|delete``: what happens to media added to a collection."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from mediasift.cli import waiting
from mediasift.cli.client import connect
from mediasift.cli.output import fail as _fail
from mediasift.cli.output import print_json as _print_json
from mediasift.config import Settings
from mediasift.errors import InvalidRequest, MediasiftError

workflow_app = typer.Typer(
    help="A collection's workflow: the steps its media run (docs/workflows.md).", no_args_is_help=True
)
console = Console(stderr=True, soft_wrap=True)
TenantOpt = Annotated[
    str | None, typer.Option("--tenant", help="Tenant to act as (default: the default tenant)")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON objects as the API returns them")]


def _call(tenant: str | None, call: Any) -> Any:
    try:
        client = connect(Settings(), tenant=tenant, routers=("workflows",))
        try:
            return call(client)
        finally:
            client.close()
    except MediasiftError as exc:
        _fail(exc)


@workflow_app.command("put")
def put(
    name: Annotated[str, typer.Argument(help="The collection")],
    file: Annotated[Path, typer.Argument(help="The workflow document: a .yaml, .yml or .json file")],
    as_json: JsonOpt = False,
    tenant: TenantOpt = None,
) -> None:
    """Set a collection's workflow; media added from now on run it (``apply`` for those already in it)."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(InvalidRequest(f"cannot read {file}: {exc}"))
    media_type = "application/json" if file.suffix.lower() == ".json" else "application/yaml"
    stored = _call(tenant, lambda c: c.put_workflow(name, text, media_type))
    if as_json:
        _print_json(stored)
        return
    keys = ", ".join(step["key"] for step in stored["steps"])
    console.print(f"workflow of {name}: version {stored['version']} ({keys})", markup=False)


@workflow_app.command("get")
def get(
    name: Annotated[str, typer.Argument(help="The collection")],
    as_json: JsonOpt = False,
    tenant: TenantOpt = None,
) -> None:
    """Print a collection's workflow as it was put (the default one where none is set)."""
    found = _call(tenant, lambda c: c.workflow(name))
    if as_json:
        _print_json(found)
        return
    what = "default workflow" if found["default"] else f"version {found['version']}"
    console.print(f"# {name}: {what}", markup=False)
    typer.echo(found["source"].rstrip("\n"))


@workflow_app.command("apply")
def apply(
    name: Annotated[str, typer.Argument(help="The collection")],
    rerun_changed: Annotated[
        bool,
        typer.Option(
            "--rerun-changed", help="Queue the steps whose config changed (else only say what would run)"
        ),
    ] = False,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait",
            help="With --rerun-changed: wait until the queued steps and those after them end (without "
            "a running server, run them here); exit 1 if any did not succeed",
        ),
    ] = False,
    as_json: JsonOpt = False,
    tenant: TenantOpt = None,
) -> None:
    """Bring the collection's media up to its workflow: only steps that changed run again."""

    def queued(client: Any, done: dict[str, Any]) -> list[dict[str, Any]]:
        return list(client.jobs(ids=done["jobs"])) if done["jobs"] else []

    waits = wait and rerun_changed
    try:
        done, jobs, steps = waiting.call_and_wait(
            Settings(),
            tenant,
            ("workflows", "jobs"),
            lambda client: client.apply_workflow(name, rerun_changed),
            queued if waits else None,
            quiet=as_json,
        )
    except MediasiftError as exc:
        _fail(exc)
    if as_json:
        _print_json({**done, "waited": {"jobs": jobs, "steps": steps}} if waits else done)
    else:
        _print_applied(name, done, jobs, steps, rerun_changed=rerun_changed, waits=waits)
    if waits and not waiting.all_succeeded(jobs + steps):
        raise typer.Exit(1)


def _print_applied(
    name: str,
    done: dict[str, Any],
    jobs: list[dict[str, Any]],
    steps: list[dict[str, Any]],
    *,
    rerun_changed: bool,
    waits: bool,
) -> None:
    keys = ", ".join(f"{key} on {n}" for key, n in done["steps"].items()) or "no step"
    verb = "queued" if rerun_changed else "would run"
    console.print(f"{name} (version {done['version']}, {done['media']} media): {verb} {keys}", markup=False)
    if done["reextract"]:
        console.print(f"{len(done['reextract'])} media {verb} extraction again (transcribe/ocr changed)")
    if not rerun_changed and (done["steps"] or done["reextract"]):
        console.print("run it with --rerun-changed to queue them")
    if waits and done["jobs"]:
        waiting.print_outcome(jobs, steps)


@workflow_app.command("delete")
def delete(name: Annotated[str, typer.Argument(help="The collection")], tenant: TenantOpt = None) -> None:
    """Put a collection back on the default workflow."""
    done = _call(tenant, lambda c: c.delete_workflow(name))
    console.print(f"{name} is back on the default workflow (version {done['version']})", markup=False)
