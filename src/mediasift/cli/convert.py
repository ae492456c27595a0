"""``mediasift convert MEDIA_ID --to FORMAT`` and ``mediasift conversions MEDIA_ID``."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from mediasift.cli.client import connect
from mediasift.cli.output import fail, print_json, stdout_console
from mediasift.cli.taxonomy import JsonOpt, TenantOpt
from mediasift.config import Settings
from mediasift.errors import MediasiftError

console = Console(stderr=True, soft_wrap=True)
ENDED = {"succeeded", "dead", "cancelled"}
POLL_S = 0.5


def _options(given: list[str] | None, **named: Any) -> dict[str, Any]:
    """``--option key=value`` (the value read as JSON when it is: 2, 0.5, true) and the named ones."""
    options: dict[str, Any] = {k: v for k, v in named.items() if v is not None}
    for item in given or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{item!r}: write options as key=value")
        try:
            options[key.strip()] = json.loads(value)
        except ValueError:
            options[key.strip()] = value
    return options


def convert_command(
    media_id: Annotated[str, typer.Argument(help="The media to convert")],
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="Target: mp4, webm, mp3, wav, opus, m4a, gif, webp, "
            "contact-sheet, srt, vtt, txt, json, docx, jpeg, png, avif, md, pdf",
        ),
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the file here (waits for the job)")
    ] = None,
    start: Annotated[float | None, typer.Option(help="Seconds where a clip begins")] = None,
    end: Annotated[float | None, typer.Option(help="Seconds where a clip ends")] = None,
    width: Annotated[int | None, typer.Option(help="Output width in pixels")] = None,
    height: Annotated[int | None, typer.Option(help="Output height in pixels")] = None,
    option: Annotated[
        list[str] | None,
        typer.Option("--option", help="Any other option as key=value, e.g. bitrate=128k (repeatable)"),
    ] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for the job, showing its progress")] = False,
    as_json: JsonOpt = False,
    tenant: TenantOpt = None,
) -> None:
    """Convert a media to another format: a job makes the file; -o saves it.

    Exits 1 when the conversion's job ends without a file (its error says why).
    """
    options = _options(option, start=start, end=end, width=width, height=height)
    wait = wait or output is not None
    settings = Settings()
    try:
        client = connect(
            settings, tenant=tenant, workers=settings.workers if wait else 0, routers=("conversions",)
        )
        try:
            conversion = client.convert(media_id, to, options)
            if wait:
                conversion = _follow(client, conversion, quiet=as_json)
            if output is not None and conversion["status"] == "succeeded":
                size = client.download(conversion["file_url"], output)
                console.print(f"wrote {output} ({size} bytes)", soft_wrap=True, markup=False)
        finally:
            client.close()
    except MediasiftError as exc:
        fail(exc)
    if as_json:
        print_json(conversion)
    else:
        _table([conversion])
    if wait and conversion["status"] != "succeeded":
        raise typer.Exit(1)


def _follow(client: Any, conversion: dict[str, Any], quiet: bool) -> dict[str, Any]:
    with console.status("queued", spinner="dots") as status:
        while conversion["status"] not in ENDED:
            time.sleep(POLL_S)
            conversion = client.conversion(conversion["media_id"], conversion["id"])
            job = conversion.get("job") or {}
            if not quiet:
                status.update(
                    f"{conversion['status']} {job.get('stage') or ''} {job.get('progress') or 0:.0%}"
                )
    return conversion


def conversions_command(
    media_id: Annotated[str, typer.Argument(help="The media")],
    as_json: JsonOpt = False,
    tenant: TenantOpt = None,
) -> None:
    """List a media's conversions, newest first."""
    try:
        client = connect(Settings(), tenant=tenant, routers=("conversions",))
        try:
            found = client.conversions(media_id)
        finally:
            client.close()
    except MediasiftError as exc:
        fail(exc)
    print_json(found) if as_json else _table(found)


def _table(conversions: list[dict[str, Any]]) -> None:
    table = Table()
    table.add_column("conversion", no_wrap=True, min_width=26)  # whole: the API takes it
    for name in ("to", "status", "bytes", "options", "error"):
        table.add_column(name)
    for c in conversions:
        job = c.get("job") or {}
        colour = {"succeeded": "green", "dead": "red", "failed": "yellow"}.get(c["status"], "white")
        table.add_row(
            c["id"],
            c["target"],
            f"[{colour}]{c['status']}[/{colour}]",
            str(c.get("bytes") or ""),
            json.dumps(c.get("options") or {}),
            f"{job.get('error_code') or ''} {(job.get('error') or '')[:60]}".strip(),
        )
    stdout_console().print(table)
