"""The workflow document on its own: the published schema is the one the server checks with, the
conditions of ``when`` evaluate without eval(), and the plan's needs follow the documented rule."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from mediasift.workflow.document import read_source, schema
from mediasift.workflow.expression import ExpressionInvalid, parse_condition
from mediasift.workflow.plan import References, build_plan

PUBLISHED = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "workflow-v1.schema.json"
ISSUE_EXAMPLE = """version: 1
steps:
  - transcribe: {model: whisper-base, beam_size: 5, languages: [es, en]}
  - ocr: {frames: true, engine: rapidocr}
  - enrich: [entities, keywords, summary]
  - classify: {taxonomy: temas}
  - nutrition: {}
  - quality: {}
  - convert: [{to: mp3}, {to: mp4, options: {height: 480}}]
  - when: "quality.overall < 0.4"
    then: [{label: {taxonomy: revision, value: necesita-revision}}]
  - notify: {webhook: recetas-done}
"""
REFS = References(
    taxonomies={"temas": frozenset({"postres"}), "revision": frozenset({"necesita-revision"})},
    webhooks=frozenset({"recetas-done"}),
    convert_targets=frozenset({"mp3", "mp4"}),
)


def test_the_published_schema_is_the_one_the_server_checks_with():
    published = json.loads(PUBLISHED.read_text(encoding="utf-8"))
    assert published == schema()
    jsonschema.Draft202012Validator.check_schema(published)
    jsonschema.validate(read_source(ISSUE_EXAMPLE).value, published)


def test_the_issue_example_plans_with_the_documented_needs():
    plan = build_plan(read_source(ISSUE_EXAMPLE), REFS)
    needs = {step.key: set(step.needs) for step in plan.steps}
    assert list(needs) == [
        "ingest", "enrich", "classify.temas", "nutrition", "quality", "convert.mp3", "convert.mp4",
        "when.1", "index", "notify.recetas-done",
    ]  # fmt: skip
    for key in ("enrich", "classify.temas", "nutrition", "quality", "convert.mp3", "convert.mp4"):
        assert needs[key] == {"ingest"}  # these run side by side
    assert needs["when.1"] == {"ingest", "quality", "classify.temas"}
    assert needs["index"] == {"ingest", "enrich", "classify.temas", "quality", "when.1"}
    assert needs["notify.recetas-done"] == set(needs) - {"notify.recetas-done"}
    assert plan.ingest.config["transcribe"] == {
        "model": "whisper-base",
        "beam_size": 5,
        "languages": ["es", "en"],
    }


def test_a_config_hash_changes_with_its_config_only():
    plan = build_plan(read_source(ISSUE_EXAMPLE), REFS).by_key()
    changed = build_plan(read_source(ISSUE_EXAMPLE.replace("height: 480", "height: 360")), REFS).by_key()
    differ = [key for key in plan if plan[key].config_hash != changed[key].config_hash]
    assert differ == ["convert.mp4"]


@pytest.mark.parametrize(
    ("condition", "values", "holds"),
    [
        ("quality.overall < 0.4", {"quality.overall": 0.3}, True),
        ("quality.overall < 0.4", {"quality.overall": None}, False),  # never measured
        ("kind in ['video', 'audio'] and duration > 60", {"kind": "video", "duration": 61.0}, True),
        ("'temas:postres' in labels", {"labels": ["temas:postres"]}, True),
        ("not ('temas:postres' in labels)", {"labels": []}, True),
        ("metadata.sku == 'A-1' or language != 'es'", {"metadata.sku": "B", "language": "es"}, False),
        ("pages >= 10", {"pages": "10"}, False),  # a string is not compared with a number
        ("quality.overall == null", {}, True),
    ],
)
def test_conditions_evaluate_over_the_media_fields(condition, values, holds):
    assert parse_condition(condition).holds(values) is holds


@pytest.mark.parametrize(
    "condition",
    ["open('x')", "kind.__class__", "labels[0] == 'a'", "lambda: 1", "duration + 1 > 2", "x if y else z"],
)
def test_anything_but_fields_literals_and_comparisons_is_refused(condition):
    with pytest.raises(ExpressionInvalid):
        parse_condition(condition)


def test_a_refused_part_is_named_as_a_person_would_and_quoted():
    with pytest.raises(ExpressionInvalid) as refused:
        parse_condition("duration * 2 > 10 or open('x')")
    assert str(refused.value.args[0]).startswith("arithmetic (duration * 2) is not allowed in a condition")
    with pytest.raises(ExpressionInvalid, match=r"a call \(open\('x'\)\)"):
        parse_condition("kind == 'video' or open('x')")


@pytest.mark.parametrize(
    ("body", "media_type"),
    [
        ('{"version":' + "[" * 5_000 + "]" * 5_000 + "}", "application/json"),
        ("version: " + "[" * 5_000 + "]" * 5_000 + "\n", "application/yaml"),
    ],
)
def test_a_document_nested_deeper_than_the_parsers_reach_is_invalid(body: str, media_type: str) -> None:
    # The JSON and YAML parsers recurse: a PUT of such a document was a 500.
    from mediasift.workflow.document import WorkflowInvalid

    with pytest.raises(WorkflowInvalid, match="too deep"):
        read_source(body, media_type)


@pytest.mark.parametrize(
    ("body", "media_type"),
    [
        ('{"version": 1, "steps": [{"when": "kind == \'caf\\ud800\'"}]}', "application/json"),
        ("version: 1\nsteps:\n  - when: \"kind == 'caf\\ud800'\"\n", "application/yaml"),
        ("version: 1\nsteps:\n  - when: \"kind == 'caf\\0'\"\n", "application/yaml"),
    ],
)
def test_a_document_whose_escapes_write_a_nul_or_a_lone_surrogate_is_invalid(
    body: str, media_type: str
) -> None:
    # The route reads its body itself, past the API's guard: a PUT of such a document was a 500.
    from mediasift.workflow.document import WorkflowInvalid

    with pytest.raises(WorkflowInvalid, match="NUL character or a lone surrogate"):
        read_source(body, media_type)


def test_every_problem_of_a_document_is_in_one_answer():
    # A step the schema refuses no longer hides the reference and condition problems of the others.
    bad = """version: 1
steps:
  - transcribe: {model: whisper-base, beam_size: 50}
  - transcode: {}
  - classify: {taxonomy: sabores}
  - when: "len(title) > 3"
    then: [{label: {taxonomy: revision, value: urgente}}]
"""
    from mediasift.workflow.document import WorkflowInvalid

    with pytest.raises(WorkflowInvalid) as raised:
        build_plan(read_source(bad), REFS)
    paths = sorted(p.path for p in raised.value.problems)
    assert paths == [
        "steps[0].transcribe.beam_size",
        "steps[1].transcode",
        "steps[2].classify.taxonomy",
        "steps[3].then[0].label.value",
        "steps[3].when",
    ], [str(p) for p in raised.value.problems]


def test_a_step_given_twice_is_refused_at_the_line_of_its_second():
    from mediasift.workflow.document import WorkflowInvalid

    twice = "version: 1\nsteps:\n  - quality: {}\n  - enrich: [keywords]\n  - quality: {}\n"
    with pytest.raises(WorkflowInvalid) as raised:
        build_plan(read_source(twice), REFS)
    (problem,) = raised.value.problems
    assert (problem.path, problem.line) == ("steps[2]", 5) and "'quality' appears 2 times" in problem.message


def test_a_condition_on_a_label_no_taxonomy_holds_is_refused_at_its_line():
    """`'temas:food' in labels` after `food` left the taxonomy could never hold, and was stored."""
    from mediasift.workflow.document import WorkflowInvalid

    for term, says in (
        ("temas:food", "taxonomy 'temas' has no label 'food'"),
        ("sabores:dulce", "unknown taxonomy 'sabores'"),
        ("dulce", "write it as taxonomy:label"),
    ):
        bad = (
            "version: 1\nsteps:\n  - quality: {}\n"
            f"  - when: \"not ('{term}' in labels)\"\n"
            "    then: [{label: {taxonomy: revision, value: necesita-revision}}]\n"
        )
        with pytest.raises(WorkflowInvalid) as raised:
            build_plan(read_source(bad), REFS)
        (problem,) = raised.value.problems
        assert (problem.path, problem.line) == ("steps[1].when", 4) and says in problem.message, problem
