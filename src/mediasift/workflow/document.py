"""A workflow document read from YAML or JSON and checked against its published JSON Schema
(``data/workflow-v1.schema.json``, also ``docs/schemas/workflow-v1.schema.json``).

Every problem is reported with where it is: the path inside the document (``steps[3].convert[0].to``)
and the line of the text it was read from (PyYAML's node marks; JSON is read by the same parser,
since YAML 1.2 flow style is JSON). ``WorkflowInvalid`` carries them all and answers 422.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from mediasift.errors import InvalidRequest
from mediasift.text_form import unstorable

if TYPE_CHECKING:
    import jsonschema

MAX_DOCUMENT_BYTES = 64 * 1024
_SHOWN_PROBLEMS = 5
Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a document: ``path`` as ``steps[2].when``, ``line`` 1-based (None when
    the text gave no position)."""

    path: str
    line: int | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "message": self.message}

    def __str__(self) -> str:
        where = f"line {self.line}, " if self.line is not None else ""
        return f"{where}{self.path or 'document'}: {self.message}"


class WorkflowInvalid(InvalidRequest):
    """The workflow document is malformed or names what does not exist (422 ``invalid_request``);
    ``problems`` lists every reason with its path and line."""

    status = 422

    def __init__(self, problems: Sequence[Problem]) -> None:
        shown = "; ".join(str(p) for p in problems[:_SHOWN_PROBLEMS])
        more = f" (and {len(problems) - _SHOWN_PROBLEMS} more)" if len(problems) > _SHOWN_PROBLEMS else ""
        super().__init__(f"invalid workflow: {shown}{more}")
        self.problems = list(problems)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "errors": [p.to_dict() for p in self.problems]}


@dataclass(frozen=True, slots=True)
class Source:
    """A document as read: its value, the text it came from, and the line of each path in it."""

    value: Any
    text: str
    lines: dict[Path, int]

    def line_of(self, path: Path) -> int | None:
        """The line of ``path``, or of the nearest enclosing path the text has."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None

    def problem(self, path: Path, message: str) -> Problem:
        return Problem(format_path(path), self.line_of(path), message)


def format_path(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read_source(body: bytes | str, media_type: str = "application/yaml") -> Source:
    """Parse a YAML or JSON body; a syntax error is ``WorkflowInvalid`` with its line."""
    raw = body.encode() if isinstance(body, str) else body
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise WorkflowInvalid([Problem("", None, f"the document is over {MAX_DOCUMENT_BYTES} bytes")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise WorkflowInvalid([Problem("", None, "the document is not UTF-8 text")]) from None
    try:
        source = _parsed(text, media_type)
    except RecursionError:  # json, PyYAML and ``_lines`` all recurse into nested values
        raise WorkflowInvalid([Problem("", None, "the document nests its values too deep to read")]) from None
    if unstorable(source.value):  # an escape (JSON's \ud800, YAML's "\0") wrote one: a 500 before
        raise WorkflowInvalid([Problem("", None, "a value holds a NUL character or a lone surrogate")])
    return source


def _parsed(text: str, media_type: str) -> Source:
    if "json" in media_type:
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise WorkflowInvalid([Problem("", exc.lineno, f"not JSON: {exc.msg}")]) from None
        try:
            return Source(value, text, _lines(_compose(text)))
        except yaml.YAMLError:  # valid JSON that YAML reads otherwise (tabs): no lines, same value
            return Source(value, text, {})
    try:
        node = _compose(text)
        value = _construct(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise WorkflowInvalid([Problem("", line, f"not YAML: {exc.problem or exc.context}")]) from None
    except yaml.YAMLError as exc:
        raise WorkflowInvalid([Problem("", None, f"not YAML: {exc}")]) from None
    return Source(value, text, _lines(node) if node is not None else {})


def _compose(text: str) -> yaml.Node | None:
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _construct(text: str) -> Any:
    return yaml.safe_load(text)


def _lines(node: yaml.Node | None, path: Path = ()) -> dict[Path, int]:
    """Each path of the composed document → the 1-based line it starts on (a mapping's entry:
    the line of its key)."""
    found: dict[Path, int] = {}
    if node is None:
        return found
    found[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                child = (*path, str(key.value))
                found.update(_lines(value, child))
                found[child] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found.update(_lines(item, (*path, index)))
    return found


@cache
def schema() -> dict[str, Any]:
    """The published JSON Schema of a workflow document, version 1."""
    text = resources.files("mediasift.data").joinpath("workflow-v1.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


STEP_NAMES = ("transcribe", "ocr", "enrich", "classify", "nutrition", "quality", "convert", "when", "notify")


def schema_problems(source: Source) -> tuple[list[Problem], frozenset[int] | None]:
    """What the schema refuses, each at its path, and the indexes of the steps it refuses (None
    when the document itself is refused, so that no step can be read). A step is checked against
    its own definition (``$defs``), so an unknown or misspelt step is named as such instead of
    'matches no step'."""
    doc = source.value
    if not isinstance(doc, dict):
        return [source.problem((), "a workflow is an object with `version` and `steps`")], None
    shell = {**schema(), "properties": {**schema()["properties"], "steps": {"type": "array", "maxItems": 50}}}
    problems = list(_validate(source, doc, shell, ()))
    steps = doc.get("steps")
    if problems or not isinstance(steps, list):
        return problems, None
    refused = set()
    for index, step in enumerate(steps):
        found = _step_problems(source, step, (("steps", index)))
        if found:
            refused.add(index)
            problems += found
    return problems, frozenset(refused)


def _step_problems(source: Source, step: Any, path: Path) -> list[Problem]:
    if not isinstance(step, dict) or not step:
        return [source.problem(path, f"a step is an object naming one of: {', '.join(STEP_NAMES)}")]
    names = [name for name in step if name != "then"]
    unknown = [name for name in names if name not in STEP_NAMES]
    if unknown:
        return [
            source.problem((*path, str(name)), f"unknown step {name!r}; known: {', '.join(STEP_NAMES)}")
            for name in unknown
        ]
    if len(names) != 1:
        return [source.problem(path, f"a step names exactly one of {', '.join(STEP_NAMES)}; got {names}")]
    name = names[0]
    if "then" in step and name != "when":
        return [source.problem((*path, "then"), "`then` belongs to a `when` step")]
    if name == "when" and "then" not in step:
        return [source.problem(path, "a `when` step needs `then`: what to do when it holds")]
    defs = schema()["$defs"]
    problems: list[Problem] = []
    for key in (name, "then") if name == "when" else (name,):
        problems += _validate(source, step[key], {"$defs": defs, **defs[key]}, (*path, key))
    return problems


def _validate(source: Source, value: Any, against: dict[str, Any], at: Path) -> Iterator[Problem]:
    # Imported by the first document checked, not by every process that imports the pipeline:
    # importing jsonschema is ~50 ms of a process's start.
    import jsonschema

    validator = jsonschema.Draft202012Validator(against)
    for error in sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.absolute_path))):
        path = (*at, *error.absolute_path)
        yield source.problem(path, _message(error))


def _message(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown field(s)")
    if error.validator == "enum":
        return f"{error.instance!r} is not one of {error.validator_value}"
    return error.message
