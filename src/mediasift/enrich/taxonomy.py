"""A taxonomy: the labels a tenant classifies its media into, as one validated document.

The document (a YAML/JSON file, and the body of ``PUT /v1/taxonomies/{name}``)::

    {"labels": [{"name": "coffee", "description": "coffee beans, brewing, espresso",
                 "examples": ["a flat white with oat milk"]}],
     "threshold": 0.5}

``examples`` and ``threshold`` are optional. Names and descriptions may be in any language and
script. Validation reports every problem at once, so a user fixes a file in one go.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any

from mediasift.errors import InvalidRequest

MAX_LABELS = 500  # each label is embedded, and zero-shot accuracy falls as labels crowd together
MAX_NAME_CHARS = 100
MAX_TEXT_CHARS = 1000
MAX_EXAMPLES = 20
DEFAULT_THRESHOLD = 0.5
_SHOWN_PROBLEMS = 10


class TaxonomyInvalid(InvalidRequest):
    """The taxonomy document is malformed (422 ``invalid_request``, as a request body that fails
    validation is); ``problems`` lists every reason."""

    status = 422

    def __init__(self, problems: list[str]) -> None:
        shown = "; ".join(problems[:_SHOWN_PROBLEMS])
        more = f" (and {len(problems) - _SHOWN_PROBLEMS} more)" if len(problems) > _SHOWN_PROBLEMS else ""
        super().__init__(f"invalid taxonomy: {shown}{more}")
        self.problems = problems


@dataclass(frozen=True)
class Label:
    name: str
    description: str
    examples: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "description": self.description}
        if self.examples:
            out["examples"] = list(self.examples)
        return out


@dataclass(frozen=True)
class Taxonomy:
    labels: tuple[Label, ...]
    threshold: float = DEFAULT_THRESHOLD

    @property
    def names(self) -> list[str]:
        return [label.name for label in self.labels]

    def to_dict(self) -> dict[str, Any]:
        return {"labels": [label.to_dict() for label in self.labels], "threshold": self.threshold}


def parse_taxonomy(document: Any) -> Taxonomy:
    """A ``Taxonomy`` from a parsed YAML/JSON document, or ``TaxonomyInvalid`` naming every problem."""
    problems: list[str] = []
    if not isinstance(document, dict):
        raise TaxonomyInvalid(["the document must be an object with a 'labels' list"])
    problems += [
        f"unknown field {key!r} (expected 'labels', 'threshold')"
        for key in document
        if key not in {"labels", "threshold"}
    ]
    threshold = _threshold(document.get("threshold", DEFAULT_THRESHOLD), problems)
    raw = document.get("labels")
    if not isinstance(raw, list) or not raw:
        problems.append("'labels' must be a non-empty list")
        raise TaxonomyInvalid(problems)
    if len(raw) > MAX_LABELS:
        problems.append(
            f"{len(raw)} labels: a taxonomy holds at most {MAX_LABELS}; split it into several taxonomies"
        )
        raise TaxonomyInvalid(problems)
    labels = [label for i, item in enumerate(raw) if (label := _label(i, item, problems))]
    # Every name given counts, a label with another problem's too: each problem is named at once,
    # not the duplicate only once the empty description beside it is fixed.
    names = [_name_of(item) for item in raw]
    counts = Counter(_identity(name) for name in names if name)
    duplicates = sorted({name for name in names if name and counts[_identity(name)] > 1})
    if duplicates:
        problems.append(f"duplicate label names: {', '.join(repr(d) for d in duplicates)}")
    if problems:
        raise TaxonomyInvalid(problems)
    return Taxonomy(tuple(labels), threshold)


def _threshold(value: Any, problems: list[str]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        problems.append(f"'threshold' must be a number between 0 and 1 (exclusive), not {value!r}")
        return DEFAULT_THRESHOLD
    return float(value)


def _name_of(item: Any) -> str | None:
    name = item.get("name") if isinstance(item, dict) else None
    return " ".join(name.split()) if isinstance(name, str) and name.strip() else None


def _label(index: int, item: Any, problems: list[str]) -> Label | None:
    where = f"labels[{index}]"
    if not isinstance(item, dict):
        problems.append(f"{where} must be an object with 'name' and 'description'")
        return None
    name = _text(item.get("name"), f"{where}.name", MAX_NAME_CHARS, problems)
    where = f"label {name!r}" if name else where
    description = _text(item.get("description"), f"{where}: description", MAX_TEXT_CHARS, problems)
    problems += [
        f"{where}: unknown field {key!r} (expected 'name', 'description', 'examples')"
        for key in item
        if key not in {"name", "description", "examples"}
    ]
    examples = item.get("examples", [])
    if not isinstance(examples, list) or len(examples) > MAX_EXAMPLES:
        problems.append(f"{where}: 'examples' must be a list of at most {MAX_EXAMPLES} texts")
        examples = []
    texts = [_text(e, f"{where}: examples[{i}]", MAX_TEXT_CHARS, problems) for i, e in enumerate(examples)]
    if not name or not description:
        return None
    return Label(name, description, tuple(t for t in texts if t))


def _text(value: Any, what: str, limit: int, problems: list[str]) -> str | None:
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{what} must be a non-empty text")
        return None
    text = " ".join(value.split())
    if len(text) > limit:
        problems.append(f"{what} is {len(text)} characters long; at most {limit}")
        return None
    return text


def _identity(name: str) -> str:
    """Names that differ only in case, width or accents' encoding are the same label."""
    return unicodedata.normalize("NFKC", name).casefold()
