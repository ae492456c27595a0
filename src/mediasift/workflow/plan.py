"""A workflow document as the steps that run for each media, each with its key, config hash and
the steps it waits for.

Step keys: ``ingest`` (extraction: the ``transcribe`` and ``ocr`` options), ``enrich``, ``classify``
(every taxonomy) or ``classify.<taxonomy>``, ``nutrition``, ``quality``, ``convert.<target>`` (one per
target), ``when.<n>`` (1-based among the ``when`` steps), ``notify.<webhook>``, and ``index``, added
when any step changes what the index filters on (labels, entities, keywords, quality).

The dependency rule (docs/workflows.md):

1. every step waits for ``ingest``;
2. ``when.<n>`` waits for the steps that produce the fields its condition reads (``quality.*`` →
   ``quality``; ``labels`` → the classify steps; ``entities``/``keywords`` → ``enrich``), for every
   classify step (its ``then`` writes labels too) and for the ``when`` steps before it;
3. ``index`` waits for ``enrich``, the classify steps, ``quality`` and the ``when`` steps;
4. ``notify.<webhook>`` waits for every other step.

The others (enrich, classify, nutrition, quality, convert) wait for ``ingest`` alone and so run at
the same time on different workers. Needs only point at steps before them in this order, so a
plan has no cycle. A step "ended" (for waiting) is succeeded, dead, skipped or cancelled: a failing
step dead-letters alone and the steps after it still run.
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Callable, Collection, Mapping, Set
from dataclasses import dataclass, field
from typing import Any

from mediasift.workflow.document import Path, Problem, Source, WorkflowInvalid, schema_problems
from mediasift.workflow.expression import Condition, ExpressionInvalid, field_name, parse_condition

INGEST = "ingest"
INDEX = "index"
# steps whose output the index carries: ``index`` waits for them
_INDEXED = ("enrich", "classify", "quality", "when")
# field (or prefix) a condition reads → the step names that produce it
_PRODUCERS = {
    "quality.": ("quality",),
    "labels": ("classify",),
    "entities": ("enrich",),
    "keywords": ("enrich",),
}


@dataclass(frozen=True, slots=True)
class References:
    """What a document may name, as the tenant has it now."""

    taxonomies: Mapping[str, Set[str]] = field(default_factory=dict)  # name → its labels
    webhooks: Set[str] = frozenset()  # webhook names
    convert_targets: Set[str] = frozenset()  # every target some kind of media has
    # (target, options) → why no kind of media can be converted so, or None
    check_convert: Callable[[str, dict[str, Any]], str | None] = lambda to, options: None
    # ("transcribe", model) or ("ocr", engine) → why it cannot run here, or None
    check_model: Callable[[str, str], str | None] = lambda step, name: None


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    name: str  # ingest, enrich, classify, nutrition, quality, convert, when, notify, index
    config: dict[str, Any]
    needs: tuple[str, ...]

    @property
    def config_hash(self) -> str:
        return config_hash(self.name, self.config)


@dataclass(frozen=True, slots=True)
class Plan:
    steps: tuple[Step, ...]

    @property
    def ingest(self) -> Step:
        return self.steps[0]

    def by_key(self) -> dict[str, Step]:
        return {step.key: step for step in self.steps}


def config_hash(name: str, config: Mapping[str, Any]) -> str:
    """What identifies a step's work: its name and its config, canonical JSON, sha256 (16 hex)."""
    canonical = json.dumps({"step": name, "config": config}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def build_plan(source: Source, refs: References | None) -> Plan:
    """Check a document (schema, then references and conditions) and plan it; every problem found
    is raised together as ``WorkflowInvalid``. ``refs`` None: a stored document planned again at
    ingest, whose references are not checked again (a step whose taxonomy has gone since fails
    alone, when it runs)."""
    # The steps the schema refuses are left out of the checks below, which go on with the rest:
    # every problem of a document is in one answer, not the next only after these are fixed.
    problems, refused = schema_problems(source)
    if refused is None:
        raise WorkflowInvalid(problems)
    ingest: dict[str, Any] = {"transcribe": None, "ocr": None}
    planned: list[tuple[str, str, dict[str, Any], frozenset[str]]] = []  # key, name, config, reads
    seen: dict[str, int] = {}
    places: dict[str, list[Path]] = {}  # where each step key appears
    whens = 0
    for index, item in enumerate(source.value["steps"]):
        if index in refused:
            continue
        path: Path = ("steps", index)
        name = next(n for n in item if n != "then")
        value = item[name]
        if name in ("transcribe", "ocr"):
            if ingest[name] is not None:
                problems.append(source.problem(path, f"`{name}` appears twice"))
            option = "model" if name == "transcribe" else "engine"
            chosen = value.get(option)
            if refs is not None and isinstance(chosen, str) and (why := refs.check_model(name, chosen)):
                problems.append(source.problem((*path, name, option), why))
            ingest[name] = dict(value)
            continue
        if name == "convert":
            for n, target in enumerate(value):
                to = str(target["to"]).strip().lower()
                config = {"to": to, "options": dict(target.get("options") or {})}
                where = (*path, "convert", n)
                if refs is not None and to not in refs.convert_targets:
                    known = ", ".join(sorted(refs.convert_targets))
                    problems.append(
                        source.problem((*where, "to"), f"unknown conversion target {to!r}; known: {known}")
                    )
                elif refs is not None and (wrong := refs.check_convert(to, dict(config["options"]))):
                    problems.append(source.problem((*where, "options"), wrong))
                planned.append((f"convert.{to}", "convert", config, frozenset()))
                places.setdefault(f"convert.{to}", []).append(where)
            continue
        reads: frozenset[str] = frozenset()
        if name == "enrich":
            key, config = "enrich", {"parts": sorted(value)}
        elif name == "classify":
            taxonomy = value.get("taxonomy")
            if refs is not None and taxonomy is not None and taxonomy not in refs.taxonomies:
                why = f"unknown taxonomy {taxonomy!r}{_named(refs.taxonomies, 'taxonomies')}"
                problems.append(source.problem((*path, "classify", "taxonomy"), why))
            key, config = (f"classify.{taxonomy}" if taxonomy else "classify"), dict(value)
        elif name == "when":
            whens += 1
            key, config = f"when.{whens}", {"when": value, "then": item["then"]}
            try:
                condition = parse_condition(value)
                reads = condition.fields
                if refs is not None:
                    problems += [
                        source.problem((*path, "when"), why) for why in _asked_label_problems(condition, refs)
                    ]
            except ExpressionInvalid as exc:
                at = f" (column {exc.column})" if exc.column else ""
                problems.append(source.problem((*path, "when"), exc.message + at))
            if refs is not None:
                problems += _label_problems(source, refs, path, item["then"])
        elif name == "notify":
            webhook = value["webhook"]
            if refs is not None and webhook not in refs.webhooks:
                problems.append(source.problem((*path, "notify", "webhook"), f"no webhook named {webhook!r}"))
            key, config = f"notify.{webhook}", dict(value)
        else:  # nutrition, quality
            key, config = name, dict(value)
        planned.append((key, name, config, reads))
        places.setdefault(key, []).append(path)
    for key, *_ in planned:
        seen[key] = seen.get(key, 0) + 1
    problems += [  # at its second appearance, whose line says which to remove
        source.problem(places[k][1], f"step {k!r} appears {n} times") for k, n in seen.items() if n > 1
    ]
    if problems:
        raise WorkflowInvalid(problems)
    return Plan(_with_needs(ingest, planned))


def _label_problems(source: Source, refs: References, path: Path, then: list[Any]) -> list[Problem]:
    problems = []
    for n, action in enumerate(then):
        taxonomy, value = action["label"]["taxonomy"], action["label"]["value"]
        labels = refs.taxonomies.get(taxonomy)
        at: Path = (*path, "then", n, "label")
        if labels is None:
            why = f"unknown taxonomy {taxonomy!r}{_named(refs.taxonomies, 'taxonomies')}"
            problems.append(source.problem((*at, "taxonomy"), why))
        elif value not in labels:
            why = f"taxonomy {taxonomy!r} has no label {value!r}{_named(labels, 'labels')}"
            problems.append(source.problem((*at, "value"), why))
    return problems


def _asked_label_problems(condition: Condition, refs: References) -> list[str]:
    """The ``'taxonomy:label' in labels`` terms of a condition that no taxonomy of the tenant
    holds: such a condition can never hold (or always, negated), which had been stored silently."""
    problems = []
    for node in ast.walk(condition.tree):
        if not (isinstance(node, ast.Compare) and any(field_name(c) == "labels" for c in node.comparators)):
            continue
        term = node.left
        if isinstance(term, ast.Constant) and isinstance(term.value, str):
            taxonomy, sep, label = term.value.partition(":")
            labels = refs.taxonomies.get(taxonomy)
            if not sep:
                problems.append(f"{term.value!r} is no label term: write it as taxonomy:label")
            elif labels is None:
                problems.append(
                    f"{term.value!r}: unknown taxonomy {taxonomy!r}{_named(refs.taxonomies, 'taxonomies')}"
                )
            elif label not in labels:
                problems.append(
                    f"{term.value!r}: taxonomy {taxonomy!r} has no label {label!r}{_named(labels, 'labels')}"
                )
    return problems


def _named(names: Collection[str], what: str, most: int = 20) -> str:
    """What exists instead, for a message about a name that does not: " (the tenant's
    taxonomies: a, b)", the first ``most`` of them; "" for none."""
    if not names:
        return f" (there are no {what})" if what == "taxonomies" else ""
    shown = sorted(names)
    more = f", and {len(shown) - most} more" if len(shown) > most else ""
    return f" ({what}: {', '.join(shown[:most])}{more})"


def _with_needs(
    ingest: dict[str, Any], planned: list[tuple[str, str, dict[str, Any], frozenset[str]]]
) -> tuple[Step, ...]:
    steps = [Step(INGEST, INGEST, ingest, ())]
    names = {key: name for key, name, _, _ in planned}
    classify = [k for k, n in names.items() if n == "classify"]
    whens_before: list[str] = []
    for key, name, config, reads in planned:
        if name == "notify":
            continue
        needs = [INGEST]
        if name == "when":
            for read in reads:
                for prefix, producers in _PRODUCERS.items():
                    if read == prefix or (prefix.endswith(".") and read.startswith(prefix)):
                        needs += [k for k, n in names.items() if n in producers]
            needs += classify + whens_before
            whens_before.append(key)
        steps.append(Step(key, name, config, tuple(dict.fromkeys(needs))))
    indexed = [s.key for s in steps if s.name in _INDEXED]
    if indexed:
        steps.append(Step(INDEX, INDEX, {}, (INGEST, *indexed)))
    others = [s.key for s in steps]
    for key, name, config, _ in planned:
        if name == "notify":
            steps.append(Step(key, name, config, tuple(others)))
    return tuple(steps)


def plan_keys(plan: Plan) -> list[str]:
    return [step.key for step in plan.steps]
