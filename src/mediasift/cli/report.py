"""``mediasift report ID`` and ``mediasift report --collection NAME``: a report as the API writes it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from mediasift.cli.client import connect
from mediasift.cli.output import fail as _fail
from mediasift.cli.taxonomy import TenantOpt
from mediasift.config import Settings
from mediasift.errors import MediasiftError

FORMATS = ("md", "html", "json")
console = Console(stderr=True, soft_wrap=True)


def report_command(
    media_id: Annotated[str | None, typer.Argument(help="The media to report on")] = None,
    collection: Annotated[
        str | None, typer.Option("--collection", help="Report on this collection instead of one media")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="md, html (one self-contained page) or json")] = "md",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file (default: stdout)")
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(help="--collection: how many media to list, newest first (default 1000, at most 10000)"),
    ] = None,
    tenant: TenantOpt = None,
) -> None:
    """A report of what one media, or a whole collection, is about: summary, keywords, labels,
    entities and state, with every second or page linked to the web UI's player.

    The server also keeps each report it makes in its store (processed/{tenant}/reports/).
    """
    if (media_id is None) == (collection is None):
        raise typer.BadParameter("give a media ID or --collection NAME (one of them)")
    if fmt not in FORMATS:
        raise typer.BadParameter(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    try:
        client = connect(Settings(), tenant=tenant, routers=("media", "collections"))
        try:
            if collection is not None:
                body = client.collection_report(collection, fmt, limit)
            else:
                body = client.report(str(media_id), fmt)
        finally:
            client.close()
    except MediasiftError as exc:
        _fail(exc)
    if output is None:
        typer.echo(body, nl=not body.endswith(b"\n"))  # bytes: written as the server encoded them
        return
    output.write_bytes(body)
    console.print(f"wrote {output} ({len(body):,} bytes)", soft_wrap=True, markup=False)
