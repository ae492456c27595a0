from mediasift.enrich.classify import KeywordClassifier, ZeroShotClassifier, document_vector
from mediasift.enrich.scoring import macro_f1
from mediasift.enrich.taxonomy import parse_taxonomy
from tests.enrich.conftest import load_data, transcript


def _macro_f1(classifier, items, names) -> float:  # type: ignore[no-untyped-def]
    predicted = classifier.classify_texts([i["text"] for i in items])
    return macro_f1([[s.label for s in row] for row in predicted], [i["labels"] for i in items], names)


def test_zero_shot_beats_the_keyword_baseline_in_english_and_spanish(e5):
    data = load_data("classify")
    taxonomy = parse_taxonomy(data["taxonomy"])
    zero_shot, baseline = ZeroShotClassifier(taxonomy, e5), KeywordClassifier(taxonomy)
    for lang, floor in (("en", 0.8), ("es", 0.7)):
        items = [i for i in data["items"] if i["lang"] == lang]
        ours, theirs = _macro_f1(zero_shot, items, taxonomy.names), _macro_f1(baseline, items, taxonomy.names)
        assert ours >= floor and ours > theirs + 0.1, (lang, ours, theirs)


def test_several_labels_can_apply_and_scores_are_probabilities(e5):
    taxonomy = parse_taxonomy(load_data("classify")["taxonomy"])
    (labels,) = ZeroShotClassifier(taxonomy, e5, name="temas").classify_texts(
        ["Our espresso machine now connects to an app that logs every shot and its brew time."]
    )
    assert {s.label for s in labels} >= {"coffee"}
    assert all(0 < s.score < 1 and s.taxonomy == "temas" for s in labels)
    assert labels == sorted(labels, key=lambda s: -s.score)


def test_a_higher_threshold_keeps_fewer_labels(e5):
    doc = load_data("classify")["taxonomy"]
    texts = [i["text"] for i in load_data("classify")["items"]]
    loose = ZeroShotClassifier(parse_taxonomy({**doc, "threshold": 0.2}), e5).classify_texts(texts)
    strict = ZeroShotClassifier(parse_taxonomy({**doc, "threshold": 0.9}), e5).classify_texts(texts)
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
