"""Documents end to end over HTTP: a slide deck, a PDF that is half scan, and a web page are uploaded
to one tenant; words from each part are found and cite the right slide or page.

Every part uses words no other part has, so the top hit must be that part's own segment.
"""

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests.conftest import upload, wait_for_job
from tests.docgen import SCAN_DPI, Slide, make_html, make_pdf, make_pptx
from tests.extract.imaging_samples import render_text

# (query, file, modality, slide or page) — what each part of each document must be found by.
DECK_PARTS = [
    ("harbour container throughput", "deck.pptx", "text", 1),  # title and body
    ("audit at the Valparaíso terminal", "deck.pptx", "note", 1),  # speaker notes
    ("refrigerated trailers for frozen fish", "deck.pptx", "text", 2),
    ("forklift licence renewal", "deck.pptx", "ocr", 2),  # a picture on a slide with text
    ("temperatura máxima cinco grados", "deck.pptx", "ocr", 3),  # a slide that is only a picture
]
PDF_PARTS = [
    ("invoice overdue penalty interest", "mixed.pdf", "text", 1),  # the text layer
    ("warehouse inventory shortfall", "mixed.pdf", "ocr", 2),  # the scanned page
    ("bicycle courier receipts", "mixed.pdf", "text", 3),
]
HTML_BODY = ("lighthouse keeper logs passing ships", "page.html", "text", None)
# Words only the page's <script> and <style> hold: they must not become searchable.
HIDDEN = ["quokka", "marmalade", "zanzibar", "fuchsia"]


def _scan(lines: list[str]) -> Image.Image:
    """A letter-size page scanned at SCAN_DPI with the lines near its top."""
    page = Image.new("RGB", (int(8.5 * SCAN_DPI), 11 * SCAN_DPI), "white")
    page.paste(render_text(lines, size=40, width=1600), (50, 150))
    return page


@pytest.fixture(scope="module")
def documents(module_api: TestClient, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("docs")
    deck = make_pptx(
        folder / "deck.pptx",
        [
            Slide(
                title="Harbour review",
                body=["Container throughput rose eleven percent"],
                notes="Remind everyone about the audit at the Valparaíso terminal",
            ),
            Slide(
                title="Cold chain",
                body=["Refrigerated trailers carry the frozen fish"],
                pictures=[render_text(["Forklift licence renewal due in March"], size=40)],
            ),
            Slide(pictures=[render_text(["Temperatura máxima: cinco grados"], size=40)]),
        ],
    )
    pdf = make_pdf(
        folder / "mixed.pdf",
        [
            ["Invoice 2291 is overdue.", "A penalty interest of two percent applies each month."],
            _scan(["Warehouse inventory count", "Shortfall of forty pallets in aisle seven"]),
            ["Bicycle courier receipts are attached for the quarter."],
        ],
    )
    page = make_html(
        folder / "page.html",
        "Coastal notes",
        ["The lighthouse keeper logs passing ships every night.", "Fog horns sound when visibility drops."],
        script='var quokka = "marmalade"; document.title = quokka;',
        style="body { color: fuchsia } /* zanzibar */",
    )
    created = {p.name: upload(module_api, p) for p in (deck, pdf, page)}
    for name, c in created.items():
        job = wait_for_job(module_api, c["job"]["id"])
        assert job["status"] == "succeeded", (name, job)
    return {name: c["media"]["id"] for name, c in created.items()}


@pytest.mark.parametrize(("query", "filename", "modality", "page"), [*DECK_PARTS, *PDF_PARTS, HTML_BODY])
def test_each_part_is_found_and_cites_its_slide_or_page(
    module_api, documents, query, filename, modality, page
):
    hits = module_api.get("/v1/search", params={"q": query}).json()["hits"]
    assert hits, query
    top = hits[0]
    assert (top["media_id"], top["filename"], top["kind"]) == (documents[filename], filename, "document")
    assert (top["modality"], top["page"]) == (modality, page), top


@pytest.mark.parametrize(("query", "filename", "modality", "page"), PDF_PARTS)
def test_a_pdf_hit_shows_a_picture_of_the_page_it_cites(
    module_api, documents, query, filename, modality, page
):
    from io import BytesIO

    top = module_api.get("/v1/search", params={"q": query}).json()["hits"][0]
    assert top["thumbnail_url"] == f"/v1/media/{documents[filename]}/artifacts/pages/{page:04d}.jpg"
    thumb = module_api.get(top["thumbnail_url"])
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    picture = Image.open(BytesIO(thumb.content))
    assert picture.width == 360 and picture.height > picture.width  # a portrait page, small


def test_the_deck_and_the_pdf_report_their_slide_and_page_counts(module_api, documents):
    deck = module_api.get(f"/v1/media/{documents['deck.pptx']}").json()
    pdf = module_api.get(f"/v1/media/{documents['mixed.pdf']}").json()
    assert (deck["pages"], pdf["pages"]) == (3, 3)
    # Only the page without a text layer was read by OCR.
    assert {s["page"] for s in pdf["segments"] if s["modality"] == "ocr"} == {2}


def test_script_and_style_of_a_web_page_are_not_searchable(module_api, documents):
    detail = module_api.get(f"/v1/media/{documents['page.html']}").json()
    text = " ".join(s["text"] for s in detail["segments"]).lower()
    assert "lighthouse keeper" in text and "fog horns" in text
    for word in HIDDEN:
        assert word not in text, word
        # Keyword search matches words, not neighbours: a hidden word must match nothing at all.
        hits = module_api.get("/v1/search", params={"q": word, "mode": "keyword"}).json()["hits"]
        assert hits == [], (word, hits)
    visible = module_api.get("/v1/search", params={"q": "lighthouse", "mode": "keyword"}).json()["hits"]
    assert [h["media_id"] for h in visible] == [documents["page.html"]]


def test_a_subtitle_file_is_searched_and_cited_to_the_second(module_api, tmp_path_factory):
    from tests.extract.test_subtitles import SRT

    path = tmp_path_factory.mktemp("subtitles") / "class.srt"
    path.write_bytes(SRT.encode())
    created = upload(module_api, path)
    assert wait_for_job(module_api, created["job"]["id"])["status"] == "succeeded"

    top = module_api.get("/v1/search", params={"q": "grind the beans like table salt"}).json()["hits"][0]
    assert (top["filename"], top["kind"], top["start_s"]) == ("class.srt", "text", 4.0), top
    assert "-->" not in top["text"] and "00:00" not in top["text"]
    answer = module_api.post("/v1/ask", json={"question": "How many degrees should the water be?"}).json()
    assert answer["found"] is True and "94 degrees" in answer["answer"], answer
    assert (answer["citations"][0]["filename"], answer["citations"][0]["start_s"]) == ("class.srt", 70.0)
