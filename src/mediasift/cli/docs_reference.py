"""The documentation site's reference pages, written from the code itself so they cannot drift.

Three generators return Markdown: ``http_api_reference`` (every route of the FastAPI app: the
OpenAPI operations and their schemas, then the pages outside the OpenAPI document),
``cli_reference`` (every command and group of the Typer app, with its options) and
``configuration_reference`` (every ``Settings`` field as its environment variable, type, default
and description). ``docs/hooks/reference.py`` puts their output into the pages under
``docs/reference/`` while MkDocs builds; ``tests/docs/`` checks that nothing is left out.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import tempfile
import textwrap
import types
import typing
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


# -- shared Markdown -------------------------------------------------------------------------------


def _cell(text: object) -> str:
    """One table cell: outside code spans (which Python-Markdown keeps whole), a pipe would end the
    cell early and ``<kind>`` would be read as an HTML tag; a newline would end the row."""
    parts = re.split(r"(`[^`]*`)", " ".join(str(text).split()))
    return "".join(p if i % 2 else _escape_prose(p) for i, p in enumerate(parts))


def _escape_prose(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _code(text: object) -> str:
    return f"`{text}`" if "`" not in str(text) else f"`` {text} ``"


def _table(header: tuple[str, ...], rows: Sequence[tuple[object, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _anchor(*parts: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", " ".join(parts).lower()).strip("-")


# -- HTTP API ----------------------------------------------------------------------------------------


@contextmanager
def reference_app() -> Iterator[FastAPI]:
    """The real application on embedded defaults in a throwaway home (no models are loaded)."""
    from mediasift.api.app import create_app
    from mediasift.config import Settings
    from mediasift.runtime import open_runtime

    with tempfile.TemporaryDirectory(prefix="mediasift-docs-") as home:
        # Explicit backends: a builder's MEDIASIFT_* environment must not change the reference.
        settings = Settings(
            _env_file=None,
            home=Path(home),
            catalog_url=None,
            store="local",
            queue="db",
            index="edge",
            cache="memory",
            preload_models=[],
        )
        rt = open_runtime(settings)
        try:
            yield create_app(rt)
        finally:
            rt.close()


def route_operations(app: FastAPI) -> list[tuple[str, str, bool, str]]:
    """(method, path, in the OpenAPI document, first line of the endpoint's docstring) of every
    route the app answers, in the order it matches them. ``{name:path}`` is written ``{name}``."""
    operations = []
    for route in _routes(app):
        path = getattr(route, "path_format", None)
        methods = getattr(route, "methods", None)
        if not path or not methods:
            continue
        doc = (inspect.getdoc(getattr(route, "endpoint", None)) or "").split("\n\n")[0]
        if path == app.openapi_url:  # FastAPI's own endpoint, without a docstring of its own
            doc = "This document, the OpenAPI description of the API, as JSON."
        in_schema = bool(getattr(route, "include_in_schema", True))
        operations += [(m, path, in_schema, " ".join(doc.split())) for m in HTTP_METHODS if m in methods]
    return operations


def _routes(app: FastAPI) -> list[Any]:
    # FastAPI ≥ 0.160 keeps included routers nested; iter_route_contexts flattens them the way
    # the OpenAPI generator does. Older versions list every route flat in app.routes.
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:
        return list(app.routes)
    return list(iter_route_contexts(app.routes))


def http_api_reference(app: FastAPI) -> str:
    spec = app.openapi()
    lines: list[str] = []
    for tag, operations in _operations_by_tag(spec).items():
        lines += [f"## {tag.capitalize()}", ""]
        for method, path, op in operations:
            lines += _operation(method, path, op)
    lines += _routes_outside_schema(app)
    lines += _schemas(spec.get("components", {}).get("schemas", {}))
    return "\n".join(lines)


def _operations_by_tag(spec: dict[str, Any]) -> dict[str, list[tuple[str, str, dict[str, Any]]]]:
    grouped: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if method.upper() in HTTP_METHODS:
                tag = (op.get("tags") or ["other"])[0]
                grouped.setdefault(tag, []).append((method.upper(), path, op))
    return grouped


def _operation(method: str, path: str, op: dict[str, Any]) -> list[str]:
    lines = [f"### {method} {path} {{#{_anchor(method, path)}}}", ""]
    if op.get("summary"):
        lines += [f"**{op['summary']}.**" if not op["summary"].endswith(".") else f"**{op['summary']}**", ""]
    if op.get("description"):
        lines += [op["description"], ""]
    params = op.get("parameters", [])
    if params:
        rows = [
            (
                _code(p["name"]),
                p["in"],
                _schema_type(p.get("schema", {})),
                "yes" if p.get("required") else "no",
                p.get("description") or p.get("schema", {}).get("description", ""),
            )
            for p in params
        ]
        lines += _table(("parameter", "in", "type", "required", "description"), rows)
    body = op.get("requestBody")
    if body:
        lines += _request_body(body)
    responses = [
        (status, r.get("description", ""), _response_type(r))
        for status, r in sorted(op.get("responses", {}).items())
    ]
    lines += _table(("status", "meaning", "body"), responses)
    return lines


def _request_body(body: dict[str, Any]) -> list[str]:
    lines = []
    for content_type, content in body.get("content", {}).items():
        schema = content.get("schema", {})
        required = " (required)" if body.get("required") else ""
        lines += [f"Request body{required}: `{content_type}`, {_schema_type(schema)}.", ""]
        if "properties" in schema:  # inline (forms): the fields are nowhere else
            lines += _properties(schema)
    return lines


def _response_type(response: dict[str, Any]) -> str:
    types = [
        f"`{ct}` {_schema_type(c.get('schema', {}))}".rstrip()
        for ct, c in response.get("content", {}).items()
    ]
    return ", ".join(types) or "—"


def _schema_type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{_anchor('schema', name)})"
    for combiner in ("anyOf", "oneOf", "allOf"):
        if combiner in schema:
            parts = [_schema_type(s) for s in schema[combiner]]
            return " or ".join(dict.fromkeys(p for p in parts if p))
    if "enum" in schema:
        return " or ".join(_code(json.dumps(v)) for v in schema["enum"])
    kind = schema.get("type")
    if kind == "array":
        return f"array of {_schema_type(schema.get('items', {}))}"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"object of {_schema_type(schema['additionalProperties'])}"
    if kind == "string" and schema.get("format") == "binary":
        return "file"
    if kind:
        return f"{kind} ({schema['format']})" if schema.get("format") else str(kind)
    return "any" if schema == {} or "title" in schema else ""


def _properties(schema: dict[str, Any]) -> list[str]:
    required = set(schema.get("required", []))
    rows = []
    for name, prop in schema.get("properties", {}).items():
        default = f"default {_code(json.dumps(prop['default']))}" if "default" in prop else ""
        description = " ".join(x for x in (prop.get("description", ""), default) if x)
        rows.append((_code(name), _schema_type(prop), "yes" if name in required else "no", description))
    return _table(("field", "type", "required", "description"), rows)


def _schemas(schemas: dict[str, dict[str, Any]]) -> list[str]:
    lines = ["## Schemas", ""]
    for name, schema in sorted(schemas.items()):
        lines += [f"### {name} {{#{_anchor('schema', name)}}}", ""]
        if schema.get("description"):
            lines += [schema["description"], ""]
        if "properties" in schema:
            lines += _properties(schema)
        else:
            lines += [f"{_schema_type(schema)}.", ""]
    return lines


def _routes_outside_schema(app: FastAPI) -> list[str]:
    rows = [(_code(f"{m} {p}"), doc) for m, p, in_schema, doc in route_operations(app) if not in_schema]
    if not rows:
        return []
    intro = "The web UI, these pages and their files: served by the same app, outside the OpenAPI document."
    return ["## Outside the OpenAPI document", "", intro, "", *_table(("route", "what it serves"), rows)]


# -- CLI -----------------------------------------------------------------------------------------
# Typer ≥ 0.20 vendors its own copy of Click, so commands are handled through the methods both
# Click and that copy share (list_commands, get_params, get_help_record), never by isinstance.


def cli_commands(command: Any, name: str = "mediasift") -> Iterator[tuple[str, Any, Any]]:
    """(full command path, command, its context) of the command and every subcommand, depth
    first; ``command`` is a Click command, e.g. ``typer.main.get_command(app)``."""
    yield from _walk(command, name, None)


def _walk(command: Any, path: str, parent: Any) -> Iterator[tuple[str, Any, Any]]:
    ctx = command.context_class(command, info_name=path.rsplit(" ", 1)[-1], parent=parent)
    yield path, command, ctx
    if hasattr(command, "list_commands"):
        for sub_name in command.list_commands(ctx):
            sub = command.get_command(ctx, sub_name)
            if sub is not None and not sub.hidden:
                yield from _walk(sub, f"{path} {sub_name}", ctx)


def cli_reference(command: Any, name: str = "mediasift") -> str:
    lines: list[str] = []
    for path, cmd, ctx in cli_commands(command, name):
        lines += _cli_command(path, cmd, ctx)
    return "\n".join(lines)


def _cli_command(path: str, cmd: Any, ctx: Any) -> list[str]:
    level = "#" * min(2 + path.count(" "), 4)
    lines = [f"{level} {path} {{#{_anchor(path)}}}", ""]
    lines += ["```", f"{path} {' '.join(cmd.collect_usage_pieces(ctx))}", "```", ""]
    if cmd.help:
        lines += [inspect.cleandoc(cmd.help), ""]
    if hasattr(cmd, "list_commands"):
        subs = [(n, cmd.get_command(ctx, n)) for n in cmd.list_commands(ctx)]
        rows = [(f"[{path} {n}](#{_anchor(path, n)})", c.get_short_help_str(limit=120)) for n, c in subs]
        lines += _table(("command", "what it does"), rows)
    params = [r for p in cmd.get_params(ctx) if p.name != "help" and (r := _cli_param(p, ctx))]
    if params:
        lines += _table(("argument or option", "description"), params)
    return lines


def _cli_param(param: Any, ctx: Any) -> tuple[str, str] | None:
    """The row ``--help`` shows for the parameter: its spelling and metavar, help, default."""
    record = param.get_help_record(ctx)
    if record is None and param.param_type_name == "argument":  # plain Click shows none
        record = (param.human_readable_name, "")
    if record is None:  # a hidden option
        return None
    spelling, help_text = record
    return _code(spelling), help_text


# -- configuration -------------------------------------------------------------------------------


def configuration_reference(settings_cls: type[BaseSettings]) -> str:
    prefix = settings_cls.model_config.get("env_prefix", "")
    lines: list[str] = []
    for section, names in _sections(settings_cls).items():
        rows = [_setting_row(prefix, n, settings_cls.model_fields[n]) for n in names]
        lines += [f"## {section}", "", *_table(("variable", "type", "default", "description"), rows)]
    return "\n".join(lines)


def _sections(settings_cls: type[BaseSettings]) -> dict[str, list[str]]:
    """Field names under the ``# -- title ----`` comments of each class's source, in order; a
    field above every such comment (or in a class without them) is under "General"."""
    sections: dict[str, list[str]] = {}
    placed: set[str] = set()
    for cls in reversed(settings_cls.__mro__):
        if not issubclass(cls, BaseSettings) or cls is BaseSettings:
            continue
        for title, names in _source_sections(cls):
            fresh = [n for n in names if n in settings_cls.model_fields and n not in placed]
            sections.setdefault(title, []).extend(fresh)
            placed.update(fresh)
    rest = [n for n in settings_cls.model_fields if n not in placed]  # e.g. declared by create_model
    sections.setdefault("General", []).extend(rest)
    return {title: names for title, names in sections.items() if names}


def _source_sections(cls: type) -> list[tuple[str, list[str]]]:
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):  # no source file (a class made at run time): "General" takes its fields
        return []
    titles = {
        n: m.group(1).strip()[:1].upper() + m.group(1).strip()[1:]
        for n, line in enumerate(source.splitlines(), 1)
        if (m := re.match(r"\s*# -- (.+?) -{3,}", line))
    }
    found: list[tuple[str, list[str]]] = [("General", [])]
    class_def = ast.parse(source).body[0]
    assert isinstance(class_def, ast.ClassDef)
    for node in class_def.body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        latest = max((n for n in titles if n < node.lineno), default=None)
        title = titles[latest] if latest else "General"
        if found[-1][0] != title:
            found.append((title, []))
        found[-1][1].append(node.target.id)
    return found


def _setting_row(prefix: str, name: str, field: FieldInfo) -> tuple[str, str, str, str]:
    default = field.get_default(call_default_factory=True)
    env = _code(f"{prefix}{name}".upper())
    return env, _type_name(field.annotation), _setting_default(default), field.description or ""


def _setting_default(value: object) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return _code(str(value).lower())
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, list | dict):
        return _code(json.dumps(value))
    if isinstance(value, float) and value.is_integer():
        return _code(int(value))
    return _code(value) if str(value) else '`""`'


def _type_name(annotation: object) -> str:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal:
        return " or ".join(_code(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        named = [_type_name(a) for a in args if a is not type(None)]
        return " or ".join(named) + (" (optional)" if type(None) in args else "")
    if origin is not None:
        inner = ", ".join(_type_name(a) for a in args)
        return f"{getattr(origin, '__name__', str(origin))}[{inner}] (JSON)"
    return getattr(annotation, "__name__", str(annotation))
