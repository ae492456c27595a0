"""The entity recognisers stepped from Python find exactly what spaCy's own greedy parse finds
(enrich/ner_steps.py)."""

from __future__ import annotations

from typing import Any

import pytest

from mediasift.enrich import ner_models
from mediasift.enrich.ner_steps import _steppable, entity_docs
from tests.textgen import passages

from .conftest import load_data


def _entities(docs: Any) -> list[list[tuple[int, int, str]]]:
    return [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in docs]


@pytest.mark.parametrize(("language", "sets"), [
    ("en", ["ner_en"]),
    ("es", ["ner_es", "ner_es_heldout"]),
])  # fmt: skip
def test_steps_from_python_find_what_spacy_finds(language: str, sets: list[str]) -> None:
    model = ner_models.ner_model(language)
    if model is None:
        pytest.skip(f"the {language} NER model is not installed")
    assert all(_steppable(component) for _, component in model.nlp.pipeline)
    texts = [s["text"] for name in sets for s in load_data(name)["sentences"]]
    # passages of both languages, an empty text and one of spaces among them
    texts += [*passages(60), "", "   ", "Madrid."]
    by_spacy = _entities(model.nlp.pipe(texts, batch_size=16))
    assert sum(map(len, by_spacy)) > 100
    with model.lock:
        stepped = list(entity_docs(model.nlp, texts, batch_size=16))
    assert [doc.text for doc in stepped] == texts
    assert _entities(stepped) == by_spacy


def test_an_empty_batch_and_no_texts() -> None:
    model = ner_models.ner_model("en")
    if model is None:
        pytest.skip("the English NER model is not installed")
    assert list(entity_docs(model.nlp, [])) == []
    assert _entities(entity_docs(model.nlp, ["", " "])) == [[], []]


def test_other_components_run_as_spacy_runs_them() -> None:
    ner_models.import_spacy()  # as mediasift imports it: without torch
    import spacy
    from spacy.language import Language

    @Language.component("mediasift_test_shout")
    def shout(doc: Any) -> Any:
        doc.user_data["shouted"] = doc.text.upper()
        return doc

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("mediasift_test_shout")
    texts = ["One sentence. Two sentences.", "", "Three."]
    ours = list(entity_docs(nlp, texts, batch_size=2))
    theirs = list(nlp.pipe(texts, batch_size=2))
    assert [[s.text for s in d.sents] for d in ours] == [[s.text for s in d.sents] for d in theirs]
    assert [d.user_data["shouted"] for d in ours] == [t.upper() for t in texts]
