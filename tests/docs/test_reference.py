"""The generated reference pages show every route, command and setting the code has.

Each expectation is read from the code itself (the app's routes and OpenAPI document, the Typer
tree, ``Settings.model_fields``), so a route, command or setting added without showing up in the
reference fails here.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from fastapi import FastAPI
from pydantic import Field

from mediasift.cli.docs_reference import (
    cli_reference,
    configuration_reference,
    http_api_reference,
    reference_app,
)
from mediasift.cli.main import app as cli_app
from mediasift.config import Settings


@pytest.fixture(scope="module")
def api() -> Iterator[FastAPI]:
    with reference_app() as app:
        yield app


@pytest.fixture(scope="module")
def http_text(api: FastAPI) -> str:
    return http_api_reference(api)


def _all_routes(app: FastAPI) -> list[Any]:
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before included routers were kept nested
        return list(app.routes)
    return list(iter_route_contexts(app.routes))


def _route_pairs(app: FastAPI) -> set[tuple[str, str]]:
    return {
        (method, route.path_format)
        for route in _all_routes(app)
        if getattr(route, "methods", None)
        for method in route.methods
    }


def test_every_openapi_operation_has_a_section(api: FastAPI, http_text: str) -> None:
    operations = [(m.upper(), p) for p, item in api.openapi()["paths"].items() for m in item]
    assert len(operations) > 30
    missing = [f"{m} {p}" for m, p in operations if f"\n### {m} {p} {{#" not in http_text]
    assert not missing


def test_every_route_the_app_answers_is_in_the_http_reference(api: FastAPI, http_text: str) -> None:
    pairs = _route_pairs(api)
    assert ("GET", "/") in pairs and ("GET", "/static/{name}") in pairs  # outside the OpenAPI document
    missing = sorted(f"{m} {p}" for m, p in pairs if f"{m} {p}" not in http_text)
    assert not missing


def test_every_schema_the_operations_use_is_described(api: FastAPI, http_text: str) -> None:
    schemas = api.openapi()["components"]["schemas"]
    for name, schema in schemas.items():
        assert f"\n### {name} {{#schema-" in http_text, name
        for field in schema.get("properties", {}):
            assert f"| `{field}` |" in http_text, f"{name}.{field}"


def test_a_route_added_to_the_app_shows_up_in_the_reference() -> None:
    with reference_app() as app:

        @app.get("/v1/only-in-this-test", summary="A route the reference has never seen")
        def only_in_this_test(limit: int = 3) -> dict[str, int]:
            return {"limit": limit}

        @app.get("/only-in-this-test/page", include_in_schema=False)
        def page_only_in_this_test() -> str:
            """A page outside the OpenAPI document."""
            return ""

        text = http_api_reference(app)
    assert "### GET /v1/only-in-this-test {#get-v1-only-in-this-test}" in text
    assert "A route the reference has never seen" in text
    assert "| `limit` | query | integer | no |" in text
    assert "| `GET /only-in-this-test/page` | A page outside the OpenAPI document. |" in text


def _cli_tree(command: Any, path: str, parent: Any = None) -> Iterator[tuple[str, Any, Any]]:
    ctx = command.context_class(command, info_name=path.rsplit(" ", 1)[-1], parent=parent)
    yield path, command, ctx
    if hasattr(command, "list_commands"):
        for name in command.list_commands(ctx):
            yield from _cli_tree(command.get_command(ctx, name), f"{path} {name}", ctx)


def _cli_section(text: str, path: str) -> str:
    match = re.search(rf"^#+ {re.escape(path)} \{{#[^}}]+\}}\n(.*?)(?=^#+ |\Z)", text, re.M | re.S)
    assert match, f"no section for `{path}`"
    return match.group(1)


def test_every_cli_command_and_option_is_in_the_cli_reference() -> None:
    root = typer.main.get_command(cli_app)
    text = cli_reference(root)
    tree = list(_cli_tree(root, "mediasift"))
    paths = [path for path, _, _ in tree]
    assert {"mediasift serve", "mediasift dlq retry", "mediasift keys create", "mediasift reindex"} <= set(
        paths
    )
    for path, command, ctx in tree:
        section = _cli_section(text, path)
        for param in command.get_params(ctx):
            if param.name != "help" and not param.hidden and param.param_type_name == "option":
                assert all(opt in section for opt in param.opts), f"{path} {param.opts}"
        if command.help:
            assert command.help.split("\n")[0] in section, path


def test_a_command_added_to_the_cli_shows_up_in_the_reference() -> None:
    app = typer.Typer()
    group = typer.Typer(help="A group only this test has.")
    app.add_typer(group, name="extra")

    @app.command()
    def first() -> None:
        """A first command."""

    @group.command("deep")
    def deep(count: int = typer.Option(2, help="How many")) -> None:
        """A nested command."""

    text = cli_reference(typer.main.get_command(app), name="tool")
    assert "A nested command." in _cli_section(text, "tool extra deep")
    assert "--count" in _cli_section(text, "tool extra deep")
    assert "[tool extra](#tool-extra)" in _cli_section(text, "tool")


@pytest.fixture(scope="module")
def configuration_text() -> str:
    return configuration_reference(Settings)


def test_every_setting_is_in_the_configuration_reference(configuration_text: str) -> None:
    assert len(Settings.model_fields) > 80
    for name, field in Settings.model_fields.items():
        row = next(
            (r for r in configuration_text.splitlines() if r.startswith(f"| `MEDIASIFT_{name.upper()}` |")),
            None,
        )
        assert row, name
        shown = html.unescape(_cells(row)[3].replace("\\|", "|"))
        assert field.description and shown == " ".join(field.description.split()), name


def _cells(row: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]


def test_every_setting_has_a_description() -> None:
    assert [name for name, field in Settings.model_fields.items() if not field.description] == []


def test_the_configuration_reference_shows_defaults_not_the_builders_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MEDIASIFT_WORKERS", "7")
    rows = {
        _cells(r)[0]: _cells(r)
        for r in configuration_reference(Settings).splitlines()
        if r.startswith("| `MEDIASIFT_")
    }
    assert rows["`MEDIASIFT_WORKERS`"][1:3] == ["int", "`2`"]
    assert rows["`MEDIASIFT_MAX_UPLOAD_BYTES`"][2] == "`2147483648`"
    assert rows["`MEDIASIFT_PRELOAD_MODELS`"][1:3] == ["list[str] (JSON)", '`["text"]`']
    assert rows["`MEDIASIFT_STORE`"][1] == "`local` or `s3`"
    assert rows["`MEDIASIFT_CATALOG_URL`"][1:3] == ["str (optional)", "unset"]


def test_settings_are_grouped_under_their_section_comment(configuration_text: str) -> None:
    limits = configuration_text.split("\n## Limits\n", 1)[1].split("\n## ", 1)[0]
    assert "`MEDIASIFT_MAX_PAGES`" in limits and "`MEDIASIFT_WORKERS`" not in limits


def test_a_setting_added_to_settings_shows_up_in_the_reference() -> None:
    class MoreSettings(Settings):
        only_in_this_test: float = Field(1.5, description="A setting the reference has never seen.")

    text = configuration_reference(MoreSettings)
    assert (
        "| `MEDIASIFT_ONLY_IN_THIS_TEST` | float | `1.5` | A setting the reference has never seen. |" in text
    )
