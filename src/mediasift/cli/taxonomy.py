"""``mediasift taxonomy put|list|delete``: a tenant's labels, from YAML or JSON files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from mediasift.cli.client import connect
from mediasift.cli.output import fail as _fail
from mediasift.cli.output import print_json as _print_json
from mediasift.cli.output import stdout_console
from mediasift.config import Settings
from mediasift.errors import InvalidRequest, MediasiftError

taxonomy_app = typer.Typer(
    help="A tenant's taxonomies: labels its media are classified into.", no_args_is_help=True
)
console = Console(stderr=True, soft_wrap=True)
TenantOpt = Annotated[
    str | None, typer.Option("--tenant", help="Tenant to act as (default: the default tenant)")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON objects as the API returns them")]


def read_document(path: Path) -> Any:
    """The taxonomy document in ``path``: YAML (.yaml, .yml) or JSON (anything else)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidRequest(f"cannot read {path}: {exc.strerror}") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InvalidRequest(f"{path} is not valid YAML: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidRequest(f"{path} is not valid JSON: {exc}") from None


@taxonomy_app.command("put")
def put(
    name: str,
    file: Annotated[Path, typer.Argument(help="The taxonomy document: a .yaml, .yml or .json file")],
    as_json: JsonOpt = False,
    tenant: TenantOpt = None,
) -> None:
    """Create or replace a taxonomy; the tenant's media are relabelled in the background."""
    try:
        document = read_document(file)
        client = connect(Settings(), tenant=tenant, routers=("taxonomies",))
        try:
            changed = client.put_taxonomy(name, document)
        finally:
            client.close()
    except MediasiftError as exc:
        _fail(exc)
    if as_json:
        _print_json(changed)
        return
    verb = "created" if changed["created"] else "replaced"
    console.print(
        f"{verb} taxonomy {name} ({_count(len(changed['labels']), 'label')}); "
        f"{len(changed['relabel_jobs'])} media queued for relabelling"
    )


@taxonomy_app.command("list")
def list_taxonomies(as_json: JsonOpt = False, tenant: TenantOpt = None) -> None:
    """The tenant's taxonomies and their labels."""
    try:
        client = connect(Settings(), tenant=tenant, routers=("taxonomies",))
        try:
            found = client.taxonomies()
        finally:
            client.close()
    except MediasiftError as exc:
        _fail(exc)
    if as_json:
        _print_json(found)
        return
    out = stdout_console()
    for taxonomy in found:
        labels = ", ".join(label["name"] for label in taxonomy["labels"])
        out.print(f"{taxonomy['name']} (threshold {taxonomy['threshold']}): {labels}", markup=False)


@taxonomy_app.command("delete")
def delete(name: str, tenant: TenantOpt = None) -> None:
    """Delete a taxonomy; its labels leave the tenant's media in the background."""
    try:
        client = connect(Settings(), tenant=tenant, routers=("taxonomies",))
        try:
            result = client.delete_taxonomy(name)
        finally:
            client.close()
    except MediasiftError as exc:
        _fail(exc)
    console.print(f"deleted taxonomy {name}; {len(result['relabel_jobs'])} media queued for relabelling")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
