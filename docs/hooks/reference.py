"""MkDocs hook: fills the reference pages with text generated from the code while the site builds.

A page asks for a reference with a marker line (``<!-- generated: cli -->``); the text comes from
``mediasift.cli.docs_reference``. A marker no page uses fails the build, so a reference cannot
silently drop out of the site.
"""

from __future__ import annotations

from typing import Any

import typer
from mkdocs.exceptions import PluginError

from mediasift.cli import docs_reference
from mediasift.cli.main import app as cli_app
from mediasift.config import Settings

_generated: dict[str, str] = {}
_used: set[str] = set()


def on_pre_build(config: Any) -> None:
    with docs_reference.reference_app() as app:
        http_api = docs_reference.http_api_reference(app)
    _generated.clear()
    _generated.update(
        {
            "<!-- generated: http-api -->": http_api,
            "<!-- generated: cli -->": docs_reference.cli_reference(typer.main.get_command(cli_app)),
            "<!-- generated: configuration -->": docs_reference.configuration_reference(Settings),
        }
    )
    _used.clear()


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    for marker, text in _generated.items():
        if marker in markdown:
            markdown = markdown.replace(marker, text)
            _used.add(marker)
    return markdown


def on_post_build(config: Any) -> None:
    missing = sorted(set(_generated) - _used)
    if missing:
        raise PluginError(f"no page carries the generated reference marker(s) {missing}")
