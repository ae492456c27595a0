"""One word written several ways is one word to search (``text_form.searchable``): an accent typed
as its own character (NFD: "n" + U+0303, as macOS and some PDFs write it) or with its letter (NFC:
"ñ"), a word with an invisible break point in it (a soft hyphen, a word joiner), a word a PDF
hyphenated at a line's end. Keyword search compares characters, so ingest and queries write them
alike."""

from __future__ import annotations

import unicodedata

import pytest
from fastapi.testclient import TestClient

from tests.conftest import upload, wait_for_job
from tests.docgen import Slide, make_pdf, make_pptx

DOCS = {
    "postre.txt": ("NFC", "La crème brûlée del señor Muñoz lleva azúcar quemado por encima."),
    "faro.txt": ("NFD", "El farero Ibáñez apagó la lámpara del faro en otoño."),
    "pan.txt": ("NFC", "El pan de centeno se hornea los viernes en la panadería."),
    "memo.html": (
        "NFC",
        "<!DOCTYPE html><html><body><p>The quarterly infor&shy;mation memo lists the sea\u2060wall "
        "repairs.</p></body></html>",
    ),
}


@pytest.fixture(scope="module")
def library(module_api: TestClient, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("composed")
    ids = {}
    lines = ["The ware-", "house inventory was counted by the lighthouse keep-", "er in March."]
    pdf = make_pdf(root / "inventory.pdf", [lines])
    created = upload(module_api, pdf)
    assert wait_for_job(module_api, created["job"]["id"])["status"] == "succeeded"
    ids["inventory.pdf"] = created["media"]["id"]
    # PowerPoint writes a line break inside a paragraph as a vertical tab, which the text model's
    # tokenizer deletes ("pressuregauge").
    deck = make_pptx(
        root / "boiler.pptx", [Slide(title="Boiler room", body=["Check the pressure\vgauge weekly"])]
    )
    created = upload(module_api, deck)
    assert wait_for_job(module_api, created["job"]["id"])["status"] == "succeeded"
    ids["boiler.pptx"] = created["media"]["id"]
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


@pytest.mark.parametrize(
    ("query", "found", "shown"),
    [
        ("warehouse", "inventory.pdf", "The warehouse inventory"),  # PDFium's "ware\x02house"
        ("keeper", "inventory.pdf", "lighthouse keeper in March"),
        ("information", "memo.html", "quarterly information memo"),  # "infor&shy;mation"
        ("seawall", "memo.html", "the seawall repairs"),  # a word joiner inside
        ("infor\u00admation", "memo.html", "quarterly information memo"),  # a query pasted with one
        ("gauge", "boiler.pptx", "Check the pressure\ngauge weekly"),
    ],
)
def test_a_word_broken_invisibly_is_found_whole(
    module_api: TestClient, library: dict[str, str], query: str, found: str, shown: str
) -> None:
    hits = module_api.get("/v1/search", params={"q": query, "mode": "keyword"}).json()["hits"]
    assert hits and hits[0]["media_id"] == library[found], (query, hits)
    assert shown in hits[0]["text"], hits[0]["text"]


def test_an_answer_quotes_a_decomposed_document_for_a_composed_question(
    module_api: TestClient, library: dict[str, str]
) -> None:
    answer = module_api.post("/v1/ask", json={"question": "¿Quién apagó la lámpara del faro?"}).json()
    assert answer["found"] and answer["citations"][0]["media_id"] == library["faro.txt"], answer


@pytest.mark.parametrize("query", ["?", "...", "¿?", "🙂", "%", "—"])
def test_a_query_of_punctuation_or_emoji_alone_finds_nothing(
    module_api: TestClient, library: dict[str, str], query: str
) -> None:
    # It names nothing: its vector's nearest passages were listed, all scored alike.
    for mode in ("hybrid", "vector", "keyword"):
        response = module_api.get("/v1/search", params={"q": query, "mode": mode})
        assert response.status_code == 200 and response.json()["hits"] == [], (query, mode)
    assert module_api.get("/v1/search", params={"q": "lámpara del faro"}).json()["hits"]
