"""The offline (extractive) answerer over real ingested documents: the right page, cited."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from fastapi.testclient import TestClient

from tests.conftest import upload, wait_for_job
from tests.docgen import make_pdf
from tests.rag.conftest import ApiFactory

FRIDGE = (
    "Keep the refrigerator temperature at or below four degrees Celsius. "
    "Check the door seal every month and defrost the freezer when ice builds up."
)
WARRANTY = (
    "The warranty covers the compressor for five years from the date of purchase. "
    "Keep the receipt as proof of purchase."
)


def ingest_manual(api: TestClient, tmp_path: Path, tenant: str | None = None) -> dict:
    # Lines are wrapped to fit the page: text beyond the page's edge is not part of it.
    pages = [
        "Welcome to the manual of the Frostline fridge.",
        "",
        FRIDGE,
        "Cleaning tips are on the next page.",
        WARRANTY,
    ]
    pdf = make_pdf(tmp_path / "manual.pdf", [textwrap.wrap(page, 70) for page in pages])
    created = upload(api, pdf, tenant=tenant)
    assert wait_for_job(api, created["job"]["id"], tenant=tenant)["status"] == "succeeded"
    return created["media"]


def test_answer_quotes_the_page_that_says_it(make_api: ApiFactory, tmp_path: Path):
    api, _ = make_api()
    media = ingest_manual(api, tmp_path)

    response = api.post("/v1/ask", json={"question": "What temperature should the fridge be kept at?"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"] == "extractive" and body["found"] is True
    assert "four degrees Celsius" in body["answer"]
    first = body["citations"][0]
    assert f"[{first['n']}]" in body["answer"]
    assert first["media_id"] == media["id"] and first["filename"] == "manual.pdf"
    assert first["page"] == 3 and first["kind"] == "document"
    assert "four degrees Celsius" in first["quote"]

    warranty = api.post("/v1/ask", json={"question": "How long is the compressor warranty?"}).json()
    assert warranty["citations"][0]["page"] == 5 and "five years" in warranty["answer"]


def test_unrelated_question_is_not_found_in_your_media(make_api: ApiFactory, tmp_path: Path):
    api, _ = make_api()
    ingest_manual(api, tmp_path)
    body = api.post("/v1/ask", json={"question": "Who won the football world cup in 1998?"}).json()
    assert body == {
        "answer": "Not found in your media.",
        "citations": [],
        "model": "extractive",
        "found": False,
        "dropped_citations": 0,
        "search_question": None,
    }


def test_a_question_asking_about_nothing_is_not_found(make_api: ApiFactory, tmp_path: Path):
    # Question words, stopwords and punctuation name nothing a sentence could answer, yet the text
    # model scores such a short text close to a short sentence of the same words: "and then?"
    # quoted the notes' "Then what?".
    api, _ = make_api()
    ingest_manual(api, tmp_path)
    notes = tmp_path / "notes.txt"
    notes.write_text("Then what? Defrost the freezer once a month.\n")
    assert wait_for_job(api, upload(api, notes)["job"]["id"])["status"] == "succeeded"
    for question in ("and then?", "the", "what?", "¿qué?", "how much is it?", "¿?", "..."):
        body = api.post("/v1/ask", json={"question": question}).json()
        assert body["found"] is False and body["citations"] == [], (question, body["answer"])
        spanish = question.startswith("¿")  # said in the question's language
        assert body["answer"] == ("No se encuentra en tus medios." if spanish else "Not found in your media.")
    # One word of content is a question: the fridge's page answers it.
    fridge = api.post("/v1/ask", json={"question": "fridge temperature?"}).json()
    assert fridge["found"] is True and "four degrees Celsius" in fridge["answer"]


def test_streamed_answer_is_tokens_then_citations_then_done(make_api: ApiFactory, tmp_path: Path):
    api, _ = make_api()
    ingest_manual(api, tmp_path)
    with api.stream(
        "POST", "/v1/ask", params={"stream": "true"}, json={"question": "When should I defrost the freezer?"}
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = parse_sse(response.iter_lines())
    names = [name for name, _ in events]
    assert names[-2:] == ["citations", "done"] and set(names[:-2]) == {"token"} and len(names) > 3
    streamed = "".join(data["text"] for name, data in events if name == "token")
    done = events[-1][1]
    assert streamed.strip() == done["answer"] and "defrost the freezer" in streamed
    assert events[-2][1][0]["page"] == 3


def test_filters_narrow_what_can_be_cited(make_api: ApiFactory, tmp_path: Path):
    api, _ = make_api()
    ingest_manual(api, tmp_path)
    body = api.post(
        "/v1/ask",
        json={"question": "What temperature should the fridge be kept at?", "filters": {"kinds": ["video"]}},
    ).json()
    assert body["found"] is False and body["citations"] == []


def parse_sse(lines) -> list[tuple[str, object]]:  # type: ignore[no-untyped-def]
    """(event name, decoded data) for each server-sent event."""
    events, name, data = [], None, []
    for line in lines:
        if not line:
            if name:
                events.append((name, json.loads("\n".join(data))))
            name, data = None, []
        elif line.startswith("event:"):
            name = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            data.append(line.split(":", 1)[1].strip())
    return events


def test_answer_says_only_what_answers_and_a_near_miss_is_not_found(make_api: ApiFactory, tmp_path: Path):
    api, _ = make_api()
    ingest_manual(api, tmp_path)

    fridge = api.post("/v1/ask", json={"question": "What temperature should the fridge be kept at?"}).json()
    assert fridge["found"] is True and "four degrees Celsius" in fridge["answer"]
    assert {c["page"] for c in fridge["citations"]} == {3}
    for unrelated in ("Welcome", "warranty", "receipt", "Cleaning"):
        assert unrelated not in fridge["answer"]

    # Same words (temperature, water), another subject: the manual does not say, so no quote of it.
    coffee = api.post(
        "/v1/ask", json={"question": "What water temperature should I use for filter coffee?"}
    ).json()
    assert coffee["found"] is False and coffee["citations"] == []
    assert coffee["answer"] == "Not found in your media."


def test_an_answer_from_a_workbook_quotes_its_row_not_its_sheet(make_api: ApiFactory, tmp_path: Path):
    import xlwt

    rows = [
        ("Item", "Price (euros)", "Supplier"),
        ("Espresso beans 1 kg", 24.5, "Harbour Roasters"),
        ("Oat milk 1 l", 2.1, "Verde Foods"),
        ("Paper cups, box of 500", 31, "PackCo"),
        ("Descaler tablets", 9.9, "CleanPro"),
    ]
    book = xlwt.Workbook()
    sheet = book.add_sheet("Supplies")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.save(str(tmp_path / "supplies.xls"))
    api, _ = make_api()
    created = upload(api, tmp_path / "supplies.xls")
    assert wait_for_job(api, created["job"]["id"])["status"] == "succeeded"

    body = api.post("/v1/ask", json={"question": "Who supplies the oat milk?"}).json()
    assert body["found"] is True, body
    assert body["citations"][0]["quote"] == "Oat milk 1 l | 2.1 | Verde Foods", body
