"""The condition of a ``when`` step: a small expression over a media's fields, never ``eval()``.

Python's parser reads the text (``ast.parse(mode="eval")``) and only these nodes are allowed:
``and``/``or``/``not``; comparisons ``< <= > >= == !=`` and ``in``/``not in``; numbers, strings,
``true``/``false``/``null`` and lists of them; and the fields of ``FIELDS`` (``quality.overall``,
``metadata.sku``). Anything else — a call, an attribute of another name, arithmetic, a subscript —
is refused when the workflow is put, with the column where it is. A field the media does not have
(no quality measured yet) is ``null``, and an ordering comparison with ``null`` is false, so
``quality.overall < 0.4`` does not hold for a media never measured.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_LENGTH = 500
MAX_NODES = 100

# field → what it is; the steps that produce a field are the ones a ``when`` step waits for
FIELDS: dict[str, str] = {
    "kind": "video, audio, image, document, text or code",
    "duration": "seconds (audio and video)",
    "collection": "the media's collection",
    "filename": "the name it was uploaded with",
    "language": "its dominant language (ISO 639-1)",
    "pages": "pages or slides (documents)",
    "width": "pixels (images and video)",
    "height": "pixels (images and video)",
    "bytes": "the original's size",
    "quality.overall": "the quality score, 0–1 (the quality step)",
    "quality.reasons": "the measures that lowered it, worst first (the quality step)",
    "labels": "its labels as taxonomy:label (the classify steps)",
    "entities": "its entities as TYPE:text (the enrich step)",
    "keywords": "its keywords (the enrich step)",
    "metadata.*": "a metadata value given at upload (metadata.sku)",
}
_LITERALS = {"true": True, "false": False, "null": None}
_ALLOWED_OPS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq, ast.In, ast.NotIn)


class ExpressionInvalid(ValueError):
    """``column`` is 1-based within the expression's text."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.message, self.column = message, column


@dataclass(frozen=True, slots=True)
class Condition:
    text: str
    tree: ast.Expression
    fields: frozenset[str]  # the fields it reads: ``quality.overall``, ``labels``, ``metadata.sku``

    def holds(self, values: Mapping[str, Any]) -> bool:
        """Whether it holds for a media whose fields are ``values`` (a missing one is null)."""
        return bool(_evaluate(self.tree.body, values))


def parse_condition(text: str) -> Condition:
    """A checked condition, or ``ExpressionInvalid`` saying what is wrong and where."""
    if len(text) > MAX_LENGTH:
        raise ExpressionInvalid(f"a condition is at most {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionInvalid(f"not a condition: {exc.msg}", exc.offset) from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise ExpressionInvalid(f"a condition has at most {MAX_NODES} parts")
    fields: set[str] = set()
    try:
        _check(tree.body, fields)
    except _Refused as refused:
        quoted = ast.get_source_segment(text.strip(), refused.node) or ""
        what = _DESCRIBED.get(type(refused.node), type(refused.node).__name__.lower())
        raise ExpressionInvalid(
            f"{what} ({quoted}) is not allowed in a condition: it compares fields with literals "
            "(<, <=, ==, !=, in, not in), joined by and, or, not",
            refused.column,
        ) from None
    return Condition(text, tree, frozenset(fields))


# What a condition may not hold, as a person would name it.
_DESCRIBED: dict[type, str] = {
    ast.BinOp: "arithmetic",
    ast.Call: "a call",
    ast.Subscript: "indexing",
    ast.Lambda: "a function",
    ast.IfExp: "an if-else",
    ast.Dict: "a dictionary",
    ast.Set: "a set",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
    ast.JoinedStr: "an f-string",
    ast.NamedExpr: "an assignment",
    ast.UnaryOp: "an operator",
    ast.Starred: "unpacking",
}


class _Refused(Exception):
    def __init__(self, node: ast.expr, column: int | None) -> None:
        self.node, self.column = node, column


def field_name(node: ast.expr) -> str | None:
    """``quality.overall`` for the attribute chain it is, ``kind`` for a name; None otherwise."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None


def _check(node: ast.expr, fields: set[str]) -> None:
    column = getattr(node, "col_offset", -1) + 1 or None
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            _check(value, fields)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub):
        _check(node.operand, fields)
    elif isinstance(node, ast.Compare):
        for part in (node.left, *node.comparators):
            _check(part, fields)
        for op in node.ops:
            if not isinstance(op, _ALLOWED_OPS):
                raise ExpressionInvalid(f"operator {type(op).__name__} is not allowed", column)
    elif isinstance(node, ast.Constant):
        if not isinstance(node.value, str | int | float) or isinstance(node.value, bool):
            raise ExpressionInvalid(f"literal {node.value!r} is not allowed", column)
    elif isinstance(node, ast.List | ast.Tuple):
        for item in node.elts:
            if not isinstance(item, ast.Constant) and field_name(item) not in _LITERALS:
                raise ExpressionInvalid("a list holds literals only", column)
            _check(item, fields)
    elif (name := field_name(node)) is not None:
        if name in _LITERALS:
            return
        if name in FIELDS or (name.startswith("metadata.") and len(name) > len("metadata.")):
            fields.add(name)
            return
        known = ", ".join(f for f in FIELDS if f != "metadata.*")
        raise ExpressionInvalid(f"unknown field {name!r}; known: {known}, metadata.<key>", column)
    else:
        raise _Refused(node, column)


def _evaluate(node: ast.expr, values: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.BoolOp):
        results = (_evaluate(v, values) for v in node.values)
        return all(results) if isinstance(node.op, ast.And) else any(results)
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, values)
        if isinstance(node.op, ast.Not):
            return not operand
        return -operand if isinstance(operand, int | float) else None
    if isinstance(node, ast.Compare):
        left = _evaluate(node.left, values)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _evaluate(right_node, values)
            if not _compare(op, left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.List | ast.Tuple):
        return [_evaluate(item, values) for item in node.elts]
    name = field_name(node)
    if name in _LITERALS:
        return _LITERALS[name]
    return values.get(name or "")


def _compare(op: ast.cmpop, left: Any, right: Any) -> bool:
    if isinstance(op, ast.Eq):
        return bool(left == right)
    if isinstance(op, ast.NotEq):
        return bool(left != right)
    if isinstance(op, ast.In | ast.NotIn):
        comparable = isinstance(right, list | tuple | str) and isinstance(left, str | int | float)
        found = comparable and left in right
        return found if isinstance(op, ast.In) else not found
    if left is None or right is None:
        return False
    numbers = isinstance(left, int | float) and isinstance(right, int | float)
    if not numbers and not (isinstance(left, str) and isinstance(right, str)):
        return False
    return {
        ast.Lt: left < right,
        ast.LtE: left <= right,
        ast.Gt: left > right,
        ast.GtE: left >= right,
    }[type(op)]
