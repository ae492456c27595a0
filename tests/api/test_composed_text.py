"""An accent typed as its own character (NFD: "n" + U+0303, as macOS and some PDFs write it) and
one written with its letter (NFC: "ñ") are the same text to search: ingest and queries are
composed, so keyword search, which compares characters, finds either in the other."""

from __future__ import annotations

import unicodedata

import pytest
from fastapi.testclient import TestClient

from tests.conftest import upload, wait_for_job

DOCS = {
    "postre.txt": ("NFC", "La crème brûlée del señor Muñoz lleva azúcar quemado por encima."),
    "faro.txt": ("NFD", "El farero Ibáñez apagó la lámpara del faro en otoño."),
    "pan.txt": ("NFC", "El pan de centeno se hornea los viernes en la panadería."),
}


@pytest.fixture(scope="module")
def library(module_api: TestClient, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("composed")
    ids = {}
    for name, (form, text) in DOCS.items():
        path = root / name
        path.write_text(unicodedata.normalize(form, text), encoding="utf-8")
        created = upload(module_api, path)
        assert wait_for_job(module_api, created["job"]["id"])["status"] == "succeeded"
        ids[name] = created["media"]["id"]
    return ids


@pytest.mark.parametrize(
    ("query", "found"),
    [("crème brûlée", "postre.txt"), ("Muñoz", "postre.txt"), ("Ibáñez", "faro.txt"), ("otoño", "faro.txt")],
)
@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_keyword_search_finds_either_form_in_the_other(
    module_api: TestClient, library: dict[str, str], query: str, found: str, form: str
) -> None:
    q = unicodedata.normalize(form, query)
    hits = module_api.get("/v1/search", params={"q": q, "mode": "keyword"}).json()["hits"]
    assert hits and hits[0]["media_id"] == library[found], (form, query, hits)
    assert unicodedata.is_normalized("NFC", hits[0]["text"])


def test_an_answer_quotes_a_decomposed_document_for_a_composed_question(
    module_api: TestClient, library: dict[str, str]
) -> None:
    answer = module_api.post("/v1/ask", json={"question": "¿Quién apagó la lámpara del faro?"}).json()
    assert answer["found"] and answer["citations"][0]["media_id"] == library["faro.txt"], answer
