import numpy as np
import pytest

from mediasift.enrich.classify import KeywordClassifier, ZeroShotClassifier
from mediasift.enrich.embedding import document_vector
from mediasift.enrich.scoring import macro_f1
from mediasift.enrich.taxonomy import parse_taxonomy
from tests.enrich.conftest import load_data, transcript


@pytest.fixture(scope="module")
def item_vectors(e5) -> np.ndarray:  # type: ignore[no-untyped-def]
    return e5.embed_queries([i["text"] for i in load_data("classify")["items"]])


def _f1(predicted, items, names) -> float:  # type: ignore[no-untyped-def]
    return macro_f1([[s.label for s in row] for row in predicted], [i["labels"] for i in items], names)


def test_zero_shot_beats_the_keyword_baseline_in_english_and_spanish(e5, item_vectors):
    data = load_data("classify")
    taxonomy = parse_taxonomy(data["taxonomy"])
    zero_shot, baseline = ZeroShotClassifier(taxonomy, e5), KeywordClassifier(taxonomy)
    for lang, floor in (("en", 0.8), ("es", 0.7)):
        rows = [n for n, i in enumerate(data["items"]) if i["lang"] == lang]
        items = [data["items"][n] for n in rows]
        ours = _f1(zero_shot.classify_vectors(item_vectors[rows]), items, taxonomy.names)
        theirs = _f1(baseline.classify_texts([i["text"] for i in items]), items, taxonomy.names)
        assert ours >= floor and ours > theirs + 0.1, (lang, ours, theirs)


def test_several_labels_can_apply_and_scores_are_probabilities(e5):
    taxonomy = parse_taxonomy(load_data("classify")["taxonomy"])
    (labels,) = ZeroShotClassifier(taxonomy, e5, name="temas").classify_texts(
        ["Our espresso machine now connects to an app that logs every shot and its brew time."]
    )
    assert {s.label for s in labels} >= {"coffee"}
    assert all(0 < s.score < 1 and s.taxonomy == "temas" for s in labels)
    assert labels == sorted(labels, key=lambda s: -s.score)


def test_a_higher_threshold_keeps_fewer_labels(e5, item_vectors):
    doc = load_data("classify")["taxonomy"]
    loose = ZeroShotClassifier(parse_taxonomy({**doc, "threshold": 0.2}), e5).classify_vectors(item_vectors)
    strict = ZeroShotClassifier(parse_taxonomy({**doc, "threshold": 0.9}), e5).classify_vectors(item_vectors)
    assert sum(map(len, strict)) < sum(map(len, loose))


def test_spanish_labels_with_examples_classify_english_text(e5):
    taxonomy = parse_taxonomy(
        {
            "labels": [
                {"name": "barismo", "description": "café, espresso, baristas", "examples": ["arte latte"]},
                {"name": "finanzas", "description": "facturas, pagos, impuestos y bancos"},
            ]
        }
    )
    rows = ZeroShotClassifier(taxonomy, e5).classify_texts(
        ["Pull the espresso shot for 28 seconds.", "The invoice must be paid by bank transfer."]
    )
    assert [[s.label for s in row] for row in rows] == [["barismo"], ["finanzas"]]


def test_a_whole_class_gets_its_topic(e5):
    taxonomy = parse_taxonomy(load_data("classify")["taxonomy"])
    classifier = ZeroShotClassifier(taxonomy, e5)
    for lang, topic in (("en", "cooking"), ("es", "coffee")):
        vector = document_vector([text for _, text, _, _ in transcript(lang)], e5)
        (labels,) = classifier.classify_vectors(vector)
        assert labels and labels[0].label == topic, (lang, labels)


def test_a_media_about_one_topic_gets_it_as_its_first_label(e5):
    data = load_data("classify")
    classifier = ZeroShotClassifier(parse_taxonomy(data["taxonomy"]), e5)
    for label in classifier.taxonomy.names:
        for lang in ("en", "es"):
            texts = [i["text"] for i in data["items"] if i["lang"] == lang and i["labels"] == [label]]
            (found,) = classifier.classify_vectors(document_vector(texts, e5))
            assert found and found[0].label == label, (label, lang, found)


def test_an_empty_media_has_a_zero_vector_and_no_labels(e5):
    classifier = ZeroShotClassifier(parse_taxonomy(load_data("classify")["taxonomy"]), e5)
    vector = document_vector(["", "   "], e5)
    assert vector.shape == (384,) and not vector.any()
    assert classifier.classify_vectors(vector) == [[]]
