"""The search filters' options, as every command that narrows media by them writes them
(``search``, ``ask``, ``facets``)."""

from __future__ import annotations

from typing import Annotated

import typer

KindOpt = Annotated[
    list[str] | None, typer.Option("--kind", help="video, audio, image, document, text, code")
]
LanguageOpt = Annotated[
    list[str] | None,
    typer.Option("--language", help="Language of the text (en, es) or of the code (python, go…)"),
]
PathOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--path", help="Code under a folder (src/*), of an extension (*.py), both (src/*.py), or one file"
    ),
]
LabelOpt = Annotated[
    list[str] | None,
    typer.Option("--label", help="Only media with this label, taxonomy:label (repeat: any of them)"),
]
EntityOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--entity",
        help="Only media naming this entity, TYPE:text, TYPE one of PER ORG LOC DATE QUANTITY PRODUCT "
        "MISC (repeat: any of them; case and accents aside)",
    ),
]
KeywordOpt = Annotated[
    list[str] | None, typer.Option("--keyword", help="Only media with this keyword (repeat: any of them)")
]


AddedAfterOpt = Annotated[
    str | None, typer.Option(help="Only media added on or after this date (YYYY-MM-DD) or ISO time")
]
AddedBeforeOpt = Annotated[
    str | None, typer.Option(help="Only media added on or before this date (whole day) or ISO time")
]
MinQualityOpt = Annotated[
    float | None,
    typer.Option(min=0.0, max=1.0, help="Only media whose quality score (0-1) is at least this"),
]


def encoded(values: list[str] | None) -> list[str] | None:
    """``taxonomy=label`` and ``TYPE=text`` as the API writes them, ``taxonomy:label`` and
    ``TYPE:text``; a value already written with ``:`` (before any ``=``) goes as it is. The API
    validates them."""
    if not values:
        return None
    return [_colon_form(v) for v in values]


def _colon_form(value: str) -> str:
    equals, colon = value.find("="), value.find(":")
    if equals < 0 or 0 <= colon < equals:
        return value
    return f"{value[:equals]}:{value[equals + 1 :]}"
