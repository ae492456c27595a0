"""Operations commands of the ``mediasift`` CLI: ``keys``, ``retention``, ``reindex``; and the
start-up check of ``serve`` (open mode only on loopback).

``keys`` and ``retention`` act on the catalog directly (whoever can run them can read it anyway);
``reindex`` needs the embedded index, so it runs while no server holds it.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from mediasift.cli.output import announce, stdout_console
from mediasift.cli.output import fail as _fail
from mediasift.config import Settings
from mediasift.domain import utc_text
from mediasift.errors import MediasiftError

keys_app = typer.Typer(help="API keys: create (shown once), list, revoke.", no_args_is_help=True)
retention_app = typer.Typer(
    help="Delete old originals, keeping segments and artifacts.", no_args_is_help=True
)
console = Console(stderr=True, soft_wrap=True)


def _catalog(settings: Settings):  # type: ignore[no-untyped-def]
    from mediasift.catalog.db import Catalog

    settings.home.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(settings.resolved_catalog_url)
    catalog.migrate()
    return catalog


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_serve_binding(settings: Settings, host: str, catalog) -> str:  # type: ignore[no-untyped-def]
    """'keys' or 'open'; exits when open mode would face the network without permission."""
    from mediasift.services import auth  # SQLAlchemy's models: not for `--help`

    if auth.keys_exist(catalog):
        if problem := auth.pepper_problem(settings, catalog):
            announce(f"warning: {problem}", level=logging.WARNING)
        return "keys"
    if not is_loopback(host) and not settings.allow_open_remote:
        why = (
            ": anyone who can reach it could read and delete every tenant's media. Create a key "
            "(`mediasift keys create --tenant T --scopes read,write`) or set "
            "MEDIASIFT_ALLOW_OPEN_REMOTE=true to accept that."
        )
        refused = f"refusing to serve {host} without API keys"
        announce(refused + why, markup=f"[red]{refused}[/red]{why}", level=logging.ERROR)
        raise typer.Exit(2)
    said = (
        f": no API keys exist, so requests need none and act as tenant '{settings.default_tenant}' "
        "(or X-Mediasift-Tenant); create a key to require keys."
    )
    announce("open mode" + said, markup="[yellow]open mode[/yellow]" + said, level=logging.WARNING)
    return "open"


@keys_app.command("create")
def keys_create(
    tenant: Annotated[str, typer.Option(help="Tenant the key acts for")],
    scopes: Annotated[str, typer.Option(help="Comma-separated: read, write, admin")] = "read",
    name: Annotated[str | None, typer.Option(help="A label for the key")] = None,
    user: Annotated[
        str | None, typer.Option(help="The user of the tenant the key belongs to (personalization)")
    ] = None,
) -> None:
    """Create a key and print it once (only its hash is stored)."""
    from mediasift.services import auth  # SQLAlchemy's models: not for `--help`

    settings = Settings()
    try:
        created = auth.create_key(_catalog(settings), settings, tenant, scopes, name, user)
    except MediasiftError as exc:
        _fail(exc)
    owner = f", user {created.user_id}" if created.user_id else ""
    console.print(
        f"key {created.id} for tenant {created.tenant_id}{owner} ({','.join(created.scopes)}); shown once:"
    )
    sys.stdout.write(created.secret + "\n")


@keys_app.command("list")
def keys_list(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's keys")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Keys with their tenant, scopes and state (never the secrets)."""
    from mediasift.services import auth  # SQLAlchemy's models: not for `--help`

    rows = auth.list_keys(_catalog(Settings()), tenant)
    if as_json:
        out = [
            {
                "id": k.id,
                "tenant": k.tenant_id,
                "scopes": k.scopes.split(","),
                "name": k.name,
                "created_at": utc_text(k.created_at),
                "revoked_at": utc_text(k.revoked_at) if k.revoked_at else None,
                "user": k.user_id,
            }
            for k in rows
        ]
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
        return
    table = Table()
    table.add_column("id", no_wrap=True, min_width=26)  # whole: `keys revoke` takes it
    for name in ("tenant", "user", "scopes", "name", "created", "revoked"):
        table.add_column(name)
    for k in rows:
        revoked = f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else ""
        created = f"{k.created_at:%Y-%m-%d %H:%M}"
        table.add_row(k.id, k.tenant_id, k.user_id or "", k.scopes, k.name or "", created, revoked)
    stdout_console().print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key's id (from `keys list`)")]) -> None:
    """Revoke a key: requests with it are refused from now on."""
    from mediasift.services import auth  # SQLAlchemy's models: not for `--help`

    try:
        auth.revoke_key(_catalog(Settings()), key_id)
    except MediasiftError as exc:
        _fail(exc)
    console.print(f"revoked {key_id}")


@retention_app.command("run")
def retention_run(
    days: Annotated[float | None, typer.Option(help="Age in days (default MEDIASIFT_RETENTION_DAYS)")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only count what would be deleted (up to 500 a run)")
    ] = False,
) -> None:
    """Delete originals older than N days; segments, vectors and artifacts stay searchable."""
    from mediasift.services.retention import run_retention

    settings = Settings()
    if days is not None and days <= 0:
        # 0 would mean "every original, now": far too easy to type for what it deletes.
        raise typer.BadParameter("must be more than 0 (fractions are fine)", param_hint="--days")
    days = days if days is not None else settings.retention_days
    if not days:
        raise typer.BadParameter("give --days or set MEDIASIFT_RETENTION_DAYS")
    rt = _store_runtime(settings)
    total = 0
    while True:
        report = run_retention(rt, days, dry_run=dry_run)
        total += len(report.deleted)
        if dry_run or len(report.deleted) < 500:
            break
    console.print(f"{'would delete' if dry_run else 'deleted'} {total} original(s) older than {days:g} days")


def _store_runtime(settings: Settings):  # type: ignore[no-untyped-def]
    """Catalog and store only: retention does not touch the index (which a server may own)."""
    from types import SimpleNamespace

    from mediasift import factory

    return SimpleNamespace(settings=settings, catalog=_catalog(settings), store=factory.make_store(settings))


def reindex_command(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant (default: all)")] = None,
    wipe: Annotated[
        bool,
        typer.Option("--wipe", help="Start the index from nothing (after a vector-size change)"),
    ] = False,
    enrich: Annotated[
        bool,
        typer.Option(
            "--enrich",
            help="Enrich every media again from its stored segments first (entities, keywords, "
            "summary, labels), after the enrichment models change",
        ),
    ] = False,
    quality: Annotated[
        bool,
        typer.Option(
            "--quality",
            help="Measure the quality of every media never measured (or measured by an older "
            "version of the measures) first, from its original (docs/quality.md)",
        ),
    ] = False,
) -> None:
    """Re-embed every stored segment into the index after an embedding-model change (no re-extraction)."""
    from rich.progress import Progress

    from mediasift.runtime import open_runtime
    from mediasift.services.reindex import reindex

    settings = Settings()
    if wipe and tenant:
        raise typer.BadParameter("--wipe rebuilds every tenant; drop --tenant")
    try:
        rt = open_runtime(settings, wipe_index=wipe)
    except MediasiftError as exc:
        _fail(exc)
    try:
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("re-enriching and re-embedding" if enrich else "re-embedding", total=None)
            report = reindex(
                rt,
                tenant,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
                enrich=enrich,
                quality=quality,
            )
    finally:
        rt.close()
    console.print(
        f"reindexed {report.media} media: {report.segments} segments, {report.text_vectors} text and "
        f"{report.image_vectors} image vectors, {report.sentence_vectors} segments' sentences"
        + (
            f"; {report.images_missing} image segment(s) had no stored picture"
            if report.images_missing
            else ""
        )
        + (f"; enriched {report.enriched} again" if enrich else "")
        + (f" ({report.enrich_failed} failed: see their enrichment error)" if report.enrich_failed else "")
        + (f"; measured the quality of {report.quality_measured}" if quality else "")
        + (f" ({report.quality_failed} could not be: see the log)" if report.quality_failed else "")
    )
