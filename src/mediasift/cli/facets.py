"""``mediasift facets FIELD``: how many media carry each label, entity, keyword, language, kind,
quality score or quality reason."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from mediasift.cli.client import connect
from mediasift.cli.filter_options import (
    AddedAfterOpt,
    AddedBeforeOpt,
    EntityOpt,
    KeywordOpt,
    KindOpt,
    LabelOpt,
    LanguageOpt,
    MinQualityOpt,
    encoded,
)
from mediasift.cli.output import fail as _fail
from mediasift.cli.output import stdout_console
from mediasift.cli.taxonomy import JsonOpt, TenantOpt
from mediasift.config import Settings
from mediasift.errors import MediasiftError


def facets_command(
    field: Annotated[
        str, typer.Argument(help="labels, entities, keywords, language, kind, quality or quality_reasons")
    ],
    collection: Annotated[
        list[str] | None, typer.Option("--collection", help="Only media of this collection (repeatable)")
    ] = None,
    kind: KindOpt = None,
    language: LanguageOpt = None,
    label: LabelOpt = None,
    entity: EntityOpt = None,
    keyword: KeywordOpt = None,
    added_after: AddedAfterOpt = None,
    added_before: AddedBeforeOpt = None,
    min_quality: MinQualityOpt = None,
    limit: Annotated[int, typer.Option(help="How many values, 1 to 200")] = 20,
    as_json: JsonOpt = False,
    tenant: TenantOpt = None,
) -> None:
    """Count media per label, entity, keyword, language, kind, quality score or quality reason,
    most common first, among the media the filters leave (as `search` takes them).

    Each value is written as `search --label/--entity/--keyword` takes it.
    """
    try:
        client = connect(Settings(), tenant=tenant, routers=("facets",))
        try:
            result = client.facets(
                field,
                collections=collection,
                limit=limit,
                kinds=kind,
                languages=language,
                labels=encoded(label),
                entities=encoded(entity),
                keywords=keyword,
                added_after=added_after,
                added_before=added_before,
                min_quality=min_quality,
            )
        finally:
            client.close()
    except MediasiftError as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    table = Table("value", "media", title=f"{result['field']}: {result['media']} media counted")
    for v in result["values"]:
        table.add_row(v["value"], str(v["count"]))
    out = stdout_console()
    out.print(table)
    distinct = result.get("distinct", 0)
    if distinct > len(result["values"]):  # the rest left out: say so, and how to see them
        out.print(
            f"the {len(result['values'])} most common of {distinct} values (--limit for more)", markup=False
        )
