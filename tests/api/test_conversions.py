"""Conversions through the API: a job per conversion on the same queue, the file streamed with
Range requests, the same request answered by the same conversion, and every failure confined to
its own job. Each output is decoded (PyAV, Pillow, python-docx, PDFium)."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mediasift.asr.factory import get_speech_recognizer
from mediasift.media.audio import iter_audio
from tests import mediagen
from tests.conftest import upload, wait_for_job
from tests.convert.decoding import decode
from tests.docgen import Slide, make_docx, make_odt, make_pdf, make_pptx

pytestmark = pytest.mark.skipif(
    not mediagen.have_tools(), reason="needs ffmpeg, espeak-ng, fonts-dejavu-core"
)
TOLERANCE_S = 0.1


@pytest.fixture(scope="module")
def talk(module_api: TestClient, tmp_path_factory: pytest.TempPathFactory) -> tuple[mediagen.Talk, str]:
    video = mediagen.talk_video(
        tmp_path_factory.mktemp("gen"), "mp4", script=[("en", s) for s in mediagen.EN_SENTENCES]
    )
    created = upload(module_api, video.path)
    job = wait_for_job(module_api, created["job"]["id"], timeout_s=300)
    assert job["status"] == "succeeded", job
    return video, created["media"]["id"]


def convert(api: TestClient, media_id: str, to: str, expect: str = "succeeded", **options) -> dict:
    """Ask for a conversion, wait for its job, and return the conversion as it ended."""
    asked = api.post(f"/v1/media/{media_id}/conversions", json={"to": to, "options": options})
    assert asked.status_code in (200, 202), asked.text
    job = wait_for_job(api, asked.json()["job"]["id"])
    assert job["status"] == expect, job
    return api.get(f"/v1/media/{media_id}/conversions/{asked.json()['id']}").json()


def download(api: TestClient, conversion: dict, dest: Path, piece: int = 10_000) -> Path:
    """The file in pieces with Range requests, as a player seeking through it fetches it."""
    url = conversion["file_url"]
    size, data = conversion["bytes"], b""
    while len(data) < size:
        part = api.get(url, headers={"Range": f"bytes={len(data)}-{len(data) + piece - 1}"})
        assert part.status_code == 206, part.text
        assert part.headers["content-range"] == f"bytes {len(data)}-{min(size, len(data) + piece) - 1}/{size}"
        data += part.content
    whole = api.get(url)
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["content-type"].split(";")[0] == conversion["mime"].split(";")[0]
    # saved as the media's name with the new type's extension (the tests name outputs by type)
    assert whole.headers["content-disposition"].endswith(f"talk{dest.suffix}")
    dest.write_bytes(data)
    return dest


def test_a_clip_of_a_search_hit_plays_from_the_second_the_words_are_said(module_api, talk, tmp_path):
    video, media_id = talk
    said = video.utterances[1]  # "Please remember to charge the battery…"
    hit = module_api.get(
        "/v1/search", params={"q": "charge the battery before a journey", "modality": "speech"}
    ).json()["hits"][0]
    assert hit["media_id"] == media_id and abs(hit["start_s"] - said.start_s) <= 2.0
    start, end = max(0.0, hit["start_s"] - 0.3), hit["end_s"] + 0.3
    clip = convert(module_api, media_id, "mp4", start=start, end=end, width=320)
    assert clip["status"] == "succeeded" and clip["target"] == "mp4" and clip["mime"] == "video/mp4"
    out = decode(download(module_api, clip, tmp_path / "clip.mp4"))
    assert out.video and (out.video.codec, out.video.width, out.video.height) == ("h264", 320, 180)
    assert out.audio and out.audio.codec == "aac"
    assert (
        abs(out.video.seconds - (end - start)) <= TOLERANCE_S
        and abs(out.audio.seconds - (end - start)) <= TOLERANCE_S
    )
    # What the clip says from its first second is the sentence the hit found.
    recognizer = get_speech_recognizer(
        module_api.app.state.runtime.models, module_api.app.state.runtime.settings
    )
    heard = " ".join(seg.text for seg in recognizer.transcribe(iter_audio(tmp_path / "clip.mp4"))).lower()
    assert "battery" in heard and "charge" in heard, heard
    assert "library" not in heard and "lake" not in heard, heard  # not the sentences around it


def test_the_transcript_as_docx_and_as_subtitles_of_a_clip(module_api, talk, tmp_path):
    import docx

    video, media_id = talk
    document = convert(module_api, media_id, "docx")
    paragraphs = [
        p.text for p in docx.Document(io.BytesIO(module_api.get(document["file_url"]).content)).paragraphs
    ]
    assert paragraphs[0] == "talk.mp4" and len(paragraphs) - 1 == document["info"]["cues"] >= 3
    assert any("library" in p.lower() and p.startswith("[00:00:") for p in paragraphs[1:])
    third = video.utterances[2]
    srt = convert(module_api, media_id, "srt", start=third.start_s - 0.5, end=third.end_s + 0.5)
    text = module_api.get(srt["file_url"]).text
    assert "library" in text.lower() and "battery" not in text.lower()
    assert text.startswith("1\n00:00:0")  # its times count from the clip's start


def test_the_same_conversion_asked_again_is_the_same_conversion(module_api, talk):
    _, media_id = talk
    first = convert(module_api, media_id, "mp3", bitrate="64k")
    again = module_api.post(
        f"/v1/media/{media_id}/conversions", json={"to": "MP3", "options": {"bitrate": "64k"}}
    )
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["id"] == first["id"] and again.json()["job"]["id"] == first["job"]["id"]
    defaults = module_api.post(f"/v1/media/{media_id}/conversions", json={"to": "gif"}).json()
    spelled = module_api.post(
        f"/v1/media/{media_id}/conversions", json={"to": "gif", "options": {"width": 320, "fps": 10}}
    )
    assert spelled.status_code == 200 and spelled.json()["id"] == defaults["id"]
    listed = module_api.get(f"/v1/media/{media_id}/conversions").json()["conversions"]
    assert [c["id"] for c in listed].count(first["id"]) == 1
    wait_for_job(module_api, defaults["job"]["id"])
    # The media's own job is still its ingest: conversions do not change the media.
    detail = module_api.get(f"/v1/media/{media_id}").json()
    assert detail["status"] == "ready" and detail["job"]["type"] == "ingest"
    assert any(a.startswith("conversions/") for a in detail["artifacts"])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"to": "mp4", "options": {"width": 100_000}}, "options.width"),
        ({"to": "mp3", "options": {"volume": 11}}, "options.volume"),
        ({"to": "mp3", "options": {"start": 4, "end": 2}}, "end must be after start"),
        ({"to": "pdf"}, "cannot be converted to 'pdf'"),
        ({"to": "bmp"}, "cannot be converted to 'bmp'"),
        ({"to": "mp3", "options": [1, 2]}, "options"),
        # the media is known to be shorter: a job could only die of it, or write an empty file
        ({"to": "mp3", "options": {"start": 10_000, "end": 10_010}}, "past the end of the media"),
        ({"to": "srt", "options": {"start": 10_000}}, "past the end of the media"),
    ],
)
def test_bad_options_are_a_422_and_make_nothing(module_api, talk, body, message):
    _, media_id = talk
    before = len(module_api.get(f"/v1/media/{media_id}/conversions").json()["conversions"])
    answer = module_api.post(f"/v1/media/{media_id}/conversions", json=body)
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_request"
    assert message in answer.json()["message"]
    assert len(module_api.get(f"/v1/media/{media_id}/conversions").json()["conversions"]) == before


def test_another_tenants_conversions_are_not_found(module_api, talk):
    _, media_id = talk
    mine = convert(module_api, media_id, "wav", start=0.0, end=1.0)
    other = {"X-Mediasift-Tenant": "someone-else"}
    assert (
        module_api.post(f"/v1/media/{media_id}/conversions", json={"to": "wav"}, headers=other).status_code
        == 404
    )
    assert module_api.get(f"/v1/media/{media_id}/conversions", headers=other).status_code == 404
    assert module_api.get(mine["file_url"], headers=other).status_code == 404


def test_a_conversion_over_a_limit_fails_its_own_job(module_api, talk, monkeypatch):
    _, media_id = talk
    monkeypatch.setattr(module_api.app.state.runtime.settings, "convert_max_output_bytes", 50_000)
    failed = convert(module_api, media_id, "wav", expect="dead")
    assert failed["job"]["error_code"] == "limit_exceeded" and failed["job"]["attempts"] == 1
    assert failed["file_url"] is None
    refused = module_api.get(f"/v1/media/{media_id}/conversions/{failed['id']}/file")
    assert refused.status_code == 409 and refused.json()["code"] == "conflict"
    assert module_api.get(f"/v1/media/{media_id}").json()["status"] == "ready"
    # Purging the dead-letter queue takes the dead conversion, not the media it copied.
    assert module_api.post("/v1/admin/dlq/purge", json={}).json()["count"] == 0  # media deleted
    assert module_api.get(f"/v1/media/{media_id}").json()["status"] == "ready"
    left = module_api.get(f"/v1/media/{media_id}/conversions").json()["conversions"]
    assert failed["id"] not in [c["id"] for c in left] and left


def test_a_corrupt_source_fails_its_conversion_with_its_code(module_api, tmp_path):
    whole = mediagen.faststart_copy(mediagen.pattern_video(tmp_path, duration_s=8.0), tmp_path / "fast.mp4")
    cut = mediagen.truncated_copy(whole, tmp_path / "cut.mp4", 0.5)  # opens, then stops half way
    created = upload(module_api, cut)
    ingest = wait_for_job(module_api, created["job"]["id"])
    assert ingest["status"] == "dead" and ingest["error_code"] == "corrupt_media"
    media_id = created["media"]["id"]
    failed = convert(module_api, media_id, "mp3", expect="dead")
    assert failed["job"]["error_code"] == "corrupt_media" and "truncated" in failed["job"]["error"]
    assert module_api.get(f"/v1/media/{media_id}").json()["status"] == "failed"  # as ingest left it


def test_documents_to_markdown_json_text_and_page_pictures(module_api, tmp_path):
    from PIL import Image

    deck = make_pptx(
        tmp_path / "plan.pptx",
        [Slide("Launch plan", ["Book the venue", "Print the flyers"], notes="Ask Rosa about the budget"),
         Slide("Timeline", ["Week one: design"])],
    )  # fmt: skip
    sheet = make_docx(
        tmp_path / "menu.docx",
        ["Lunch menu for the week."],
        table=[["Dish", "Price"], ["Soup", "4"], ["Bread", "1"]],
    )
    scan = make_pdf(tmp_path / "two.pdf", [["First page about valves."], ["Second page about pumps."]])
    ids = {}
    for path in (deck, sheet, scan):
        created = upload(module_api, path)
        assert wait_for_job(module_api, created["job"]["id"])["status"] == "succeeded"
        ids[path.name] = created["media"]["id"]

    md = module_api.get(convert(module_api, ids["plan.pptx"], "md")["file_url"]).text
    assert md.startswith("# plan.pptx\n") and "## Slide 1: Launch plan" in md and "## Slide 2: Timeline" in md
    assert "> **Notes:** Ask Rosa about the budget" in md and "- Book the venue\n- Print the flyers" in md
    table = module_api.get(convert(module_api, ids["menu.docx"], "md")["file_url"]).text
    assert "| Dish | Price |\n| --- | --- |\n| Soup | 4 |\n| Bread | 1 |" in table
    structure = json.loads(module_api.get(convert(module_api, ids["menu.docx"], "json")["file_url"]).text)
    assert structure["filename"] == "menu.docx" and structure["sections"][0]["tables"] == [
        [["Dish", "Price"], ["Soup", "4"], ["Bread", "1"]]
    ]
    text = module_api.get(convert(module_api, ids["two.pdf"], "txt")["file_url"]).text
    assert text.index("valves") < text.index("\f") < text.index("pumps")  # a form feed between pages
    page = convert(module_api, ids["two.pdf"], "png", page=2, width=306)
    with Image.open(io.BytesIO(module_api.get(page["file_url"]).content)) as picture:
        assert picture.format == "PNG" and picture.size == (306, 396)
    assert page["info"]["pages"] == 2
    # a page the document does not have is refused when asked, not by a dead job
    past = module_api.post(
        f"/v1/media/{ids['two.pdf']}/conversions", json={"to": "png", "options": {"page": 7}}
    )
    assert past.status_code == 422 and "the document has 2" in past.json()["message"]


def test_text_made_from_the_catalog_is_made_again_when_what_it_reads_changes(module_api, tmp_path):
    """A document's text and Markdown are made from what extraction stored, not from its bytes:
    the cache had answered a media renamed, or extracted again, with the file it made before."""
    from sqlalchemy import update

    from mediasift.catalog.models import SegmentRow

    note = tmp_path / "ferry.txt"
    note.write_text("The ferry leaves the harbour at nine. Tickets are sold on board.", encoding="utf-8")
    created = upload(module_api, note)
    assert wait_for_job(module_api, created["job"]["id"])["status"] == "succeeded"
    media_id = created["media"]["id"]
    first = convert(module_api, media_id, "md")
    assert module_api.get(first["file_url"]).text.startswith("# ferry.txt\n")
    assert first["job"]["filename"] == "ferry.txt"  # a convert job names its media, as ingest's does
    again = module_api.post(f"/v1/media/{media_id}/conversions", json={"to": "md"}).json()
    assert again["duplicate"] and again["id"] == first["id"]  # nothing changed: the same file

    renamed = module_api.patch(
        f"/v1/media/{media_id}", json={"source": "notes/boat.txt", "filename": "boat.txt"}
    )
    assert renamed.status_code == 200, renamed.text
    md = convert(module_api, media_id, "md")
    assert md["id"] != first["id"] and module_api.get(md["file_url"]).text.startswith("# boat.txt\n")

    text = convert(module_api, media_id, "txt")
    runtime = module_api.app.state.runtime
    with runtime.catalog.session() as s:  # extracted again, and it reads otherwise now
        s.execute(
            update(SegmentRow).where(SegmentRow.media_id == media_id).values(text="The ferry leaves at ten.")
        )
    redone = convert(module_api, media_id, "txt")
    reprocess = module_api.post(f"/v1/media/{media_id}/reprocess").json()
    assert reprocess["type"] == "reprocess" and reprocess["filename"] == "boat.txt"
    wait_for_job(module_api, reprocess["id"])
    assert redone["id"] != text["id"]
    assert module_api.get(redone["file_url"]).text.strip() == "The ferry leaves at ten."


def test_a_document_s_headings_are_markdown_headings(module_api, tmp_path):
    import docx

    handbook = docx.Document()
    handbook.add_heading("Staff handbook", level=0)  # Word's "Title"
    handbook.add_heading("Vacation policy", level=1)
    handbook.add_paragraph("Staff take 25 days of leave a year.")
    handbook.add_heading("Carry-over", level=2)
    handbook.add_paragraph("Vacation policy questions go to the office.")  # not a heading here
    handbook.add_paragraph("Bring your badge", style="List Bullet")  # a list's items stay a list
    handbook.add_paragraph("Sign the form", style="List Number")
    handbook.save(tmp_path / "handbook.docx")
    (tmp_path / "recipe.html").write_text(
        "<html><body><h1>Gazpacho</h1><p>A cold soup.</p><h2>Steps</h2><ol><li>Chop the tomatoes.</li>"
        "<li>Blend them.</li></ol></body></html>",
        encoding="utf-8",
    )
    drawn = {}
    for name in ("handbook.docx", "recipe.html"):
        created = upload(module_api, tmp_path / name)
        assert wait_for_job(module_api, created["job"]["id"])["status"] == "succeeded"
        drawn[name] = module_api.get(convert(module_api, created["media"]["id"], "md")["file_url"]).text
    assert drawn["handbook.docx"] == (
        "# handbook.docx\n\n## Staff handbook\n\n## Vacation policy\n\nStaff take 25 days of leave a year."
        "\n\n### Carry-over\n\nVacation policy questions go to the office.\n\n- Bring your badge\n\n"
        "- Sign the form\n"
    )
    assert (
        "## Gazpacho\n\nA cold soup.\n\n### Steps\n\n- Chop the tomatoes.\n\n- Blend them."
        in drawn["recipe.html"]
    )


@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")
def test_office_documents_to_pdf_and_slides_to_pictures(module_api, tmp_path):
    import pypdfium2 as pdfium

    odt = upload(
        module_api, make_odt(tmp_path / "notes.odt", "Minutes", ["The committee approved the new bridge."])
    )
    assert wait_for_job(module_api, odt["job"]["id"])["status"] == "succeeded"
    hits = module_api.get("/v1/search", params={"q": "committee approved bridge"}).json()["hits"]
    assert hits and hits[0]["media_id"] == odt["media"]["id"]  # ODT is searchable too now
    pdf = convert(module_api, odt["media"]["id"], "pdf")
    document = pdfium.PdfDocument(module_api.get(pdf["file_url"]).content)
    try:
        assert len(document) == 1 and "new bridge" in document[0].get_textpage().get_text_bounded()
    finally:
        document.close()
    deck = upload(module_api, make_pptx(tmp_path / "deck.pptx", [Slide("One", ["a"]), Slide("Two", ["b"])]))
    assert wait_for_job(module_api, deck["job"]["id"])["status"] == "succeeded"
    slide = convert(module_api, deck["media"]["id"], "png", page=2, width=400)
    assert slide["info"] == {"page": 2, "pages": 2, "width": 400, "height": 300}  # a 4:3 deck


def test_without_libreoffice_pdf_is_a_501_before_any_job(module_api, tmp_path, monkeypatch):
    created = upload(module_api, make_docx(tmp_path / "x.docx", ["Nothing to see."]))
    assert wait_for_job(module_api, created["job"]["id"])["status"] == "succeeded"
    monkeypatch.setattr(module_api.app.state.runtime.settings, "libreoffice_path", "no-such-soffice")
    answer = module_api.post(f"/v1/media/{created['media']['id']}/conversions", json={"to": "pdf"})
    assert answer.status_code == 501 and answer.json()["code"] == "converter_unavailable"
    assert "LibreOffice" in answer.json()["message"]


def test_a_conversion_raises_its_webhook_when_written_and_when_dead(module_api, talk, monkeypatch):
    from mediasift.services import webhooks

    _, media_id = talk
    rt = module_api.app.state.runtime
    monkeypatch.setattr(rt.settings, "webhook_allow_hosts", ["127.0.0.1"])
    events = ["media.conversion_ready", "media.conversion_failed"]
    made = module_api.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "events": events})
    assert made.status_code == 201, made.text
    written = convert(module_api, media_id, "wav", start=1.0, end=2.0)
    monkeypatch.setattr(rt.settings, "convert_max_output_bytes", 10_000)
    dead = convert(module_api, media_id, "wav", expect="dead", start=0.0, end=5.0)

    # only the two conversions' events: the subscription did not ask for ingest's
    deliveries = sorted(webhooks.list_deliveries(rt, "default", made.json()["id"]), key=lambda d: d.id)
    assert [d.event for d in deliveries] == events
    ready, failed = (d.payload["data"] for d in deliveries)
    assert ready["media_id"] == media_id and ready["status"] == "succeeded"
    assert ready["conversion"]["id"] == written["id"]
    assert ready["conversion"]["file_url"] == written["file_url"]
    assert ready["conversion"]["target"] == "wav" and ready["conversion"]["bytes"] == written["bytes"]
    assert failed["conversion"]["id"] == dead["id"] and failed["conversion"]["file_url"] is None
    assert failed["error_code"] == "limit_exceeded"
    assert module_api.delete(f"/v1/webhooks/{made.json()['id']}").status_code == 204
