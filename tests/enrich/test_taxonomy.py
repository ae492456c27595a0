import pytest

from mediasift.enrich.taxonomy import MAX_LABELS, TaxonomyInvalid, parse_taxonomy
from mediasift.errors import InvalidRequest


def _labels(*names: str) -> list[dict]:
    return [{"name": n, "description": f"about {n}"} for n in names]


def test_a_valid_document_round_trips():
    doc = {
        "labels": [
            {"name": "coffee", "description": "beans, brewing, espresso", "examples": ["a flat white"]}
        ],
        "threshold": 0.6,
    }
    taxonomy = parse_taxonomy(doc)
    assert taxonomy.names == ["coffee"] and taxonomy.threshold == 0.6
    assert taxonomy.labels[0].examples == ("a flat white",)
    assert taxonomy.to_dict() == doc


def test_threshold_and_examples_are_optional():
    taxonomy = parse_taxonomy({"labels": _labels("café")})
    assert taxonomy.threshold == 0.5 and taxonomy.labels[0].examples == ()


def test_labels_in_any_script_are_fine():
    taxonomy = parse_taxonomy({"labels": _labels("コーヒー", "кофе", "قهوة", "咖啡", "καφές")})
    assert len(taxonomy.labels) == 5


def test_duplicate_labels_are_named_whatever_their_case():
    with pytest.raises(TaxonomyInvalid, match="duplicate label names: 'Coffee', 'coffee'"):
        parse_taxonomy({"labels": _labels("coffee", "tea", "Coffee")})


def test_a_duplicate_is_named_with_the_other_problems_of_its_labels():
    with pytest.raises(TaxonomyInvalid) as raised:
        parse_taxonomy(
            {"labels": [{"name": "Food", "description": "x"}, {"name": "food", "description": ""}]}
        )
    assert raised.value.problems == [
        "label 'food': description must be a non-empty text",
        "duplicate label names: 'Food', 'food'",
    ]


def test_empty_names_and_descriptions_are_refused():
    with pytest.raises(TaxonomyInvalid) as raised:
        parse_taxonomy({"labels": [{"name": "  ", "description": "x"}, {"name": "tea", "description": ""}]})
    assert raised.value.problems == [
        "labels[0].name must be a non-empty text",
        "label 'tea': description must be a non-empty text",
    ]


def test_a_thousand_labels_is_a_clear_error():
    with pytest.raises(TaxonomyInvalid, match=f"1000 labels: a taxonomy holds at most {MAX_LABELS}"):
        parse_taxonomy({"labels": _labels(*(f"label {i}" for i in range(1000)))})


def test_every_problem_is_reported_at_once_as_a_422():
    with pytest.raises(TaxonomyInvalid) as raised:
        parse_taxonomy({"labels": [{"name": "x", "description": "y", "exemples": []}], "treshold": 2})
    error = raised.value
    assert isinstance(error, InvalidRequest) and error.status == 422 and error.code == "invalid_request"
    assert len(error.problems) == 2
    assert "unknown field 'treshold'" in error.message and "unknown field 'exemples'" in error.message


@pytest.mark.parametrize(
    "document",
    [
        None,
        [],
        {"labels": []},
        {"labels": "coffee"},
        {"labels": ["coffee"]},
        {"labels": _labels("a"), "threshold": 1},
    ],
)
def test_malformed_documents_are_refused(document: object):
    with pytest.raises(TaxonomyInvalid):
        parse_taxonomy(document)
