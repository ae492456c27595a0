"""``mediasift quality MEDIA_ID [--json] [--measure]``: a media's quality and why."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from mediasift.cli.client import connect
from mediasift.cli.output import fail, print_json
from mediasift.cli.taxonomy import TenantOpt
from mediasift.config import Settings
from mediasift.errors import MediasiftError


def quality_command(
    media_id: Annotated[str, typer.Argument(help="The media")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the quality object: overall, reasons, measures")
    ] = False,
    measure: Annotated[
        bool, typer.Option("--measure", help="Measure it now from the original (also when never measured)")
    ] = False,
    tenant: TenantOpt = None,
) -> None:
    """A media's quality: an overall score from 0 to 1, the reasons that lowered it (blurred, clipped,
    noisy, dark, black or frozen stretches, pages without text…) and every measure (docs/quality.md).

    Media ingested before quality existed are measured on first ask."""
    try:
        client = connect(Settings(), tenant=tenant, routers=("quality",))
        try:
            try:
                result = client.quality(media_id, measure=measure)
            except MediasiftError as exc:
                if measure or getattr(exc, "status", None) != 404 or "not been measured" not in exc.message:
                    raise
                result = client.quality(media_id, measure=True)
        finally:
            client.close()
    except MediasiftError as exc:
        fail(exc)
    if as_json:
        print_json(result)
    else:
        typer.echo(describe(result))


def describe(quality: dict[str, Any]) -> str:
    """The quality object in a few lines for people."""
    lines = [f"quality {quality['overall']:.2f}"]
    lines += [f"  - {reason['message']}" for reason in quality.get("reasons", [])]
    if not quality.get("reasons"):
        lines.append("  no defect found")
    shown = {k: v for k, v in quality.get("measures", {}).items() if not isinstance(v, list) or v}
    lines.append("measures: " + ", ".join(f"{k}={v}" for k, v in shown.items()))
    return "\n".join(lines)
