"""A broken upload shows its error and a retry button; an answer's citation opens the cited page."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import docgen, mediagen
from tests.ui.conftest import open_view, screenshot

pytestmark = pytest.mark.browser


def test_a_zero_byte_upload_shows_its_error_and_a_retry_button(page, server, tmp_path: Path):
    empty = mediagen.zero_byte_file(tmp_path, "broken-clip.mp4")
    notes = tmp_path / "fine-notes.txt"
    notes.write_text("The greenhouse sprinklers run every evening at seven.")

    open_view(page, "#/upload")
    page.set_input_files("#file-input", [str(empty), str(notes)])  # many files at once
    failed = page.locator('.upload-item[data-filename="broken-clip.mp4"][data-state="failed"]')
    failed.wait_for(timeout=60_000)
    assert "empty" in failed.locator(".upload-error").inner_text().lower()
    retry = failed.get_by_role("button", name="Retry broken-clip.mp4")
    assert retry.is_visible()
    page.locator('.upload-item[data-filename="fine-notes.txt"][data-state="done"]').wait_for(timeout=120_000)
    screenshot(page, "upload-failed")

    ended = server.client.get(f"/v1/jobs/{failed.get_attribute('data-job-id')}").json()["finished_at"]
    retry.click()  # the job goes back to the queue, runs again and fails again, visibly
    page.wait_for_function(
        """([id, ended]) => fetch(`/v1/jobs/${id}`).then((r) => r.json())
             .then((j) => j.status === "dead" && Date.parse(j.finished_at) > Date.parse(ended))""",
        arg=[failed.get_attribute("data-job-id"), ended],
        polling=250,
    )
    failed.locator(".upload-error").wait_for()  # the item shows the new failure once it polls

    # the operations page lists it among the dead letters, with its own retry
    open_view(page, "#/ops")
    dead = page.locator("section[aria-labelledby^=card-dead-letters] tr").filter(has_text="broken-clip.mp4")
    dead.wait_for()
    assert "empty file" in dead.inner_text()
    assert dead.get_by_role("button", name="Retry broken-clip.mp4").is_visible()
    screenshot(page, "operations-dead-letters")


def test_an_answer_citation_opens_the_cited_page(page, server, tmp_path: Path):
    pdf = docgen.make_pdf(
        tmp_path / "visitor-guide.pdf",
        [
            ["Welcome to the city museum.", "The collection covers four centuries of local history."],
            ["Opening hours.", "The museum opens at ten o'clock on Sundays and closes at five."],
            ["The cafe serves soup and sandwiches on the ground floor."],
        ],
    )
    media = server.ingest(pdf)
    if not any(p.startswith("/v1/ask") for p in server.client.get("/openapi.json").json()["paths"]):
        pytest.skip("this server has no /v1/ask")

    open_view(page, "#/ask")
    page.fill("#question", "When does the museum open on Sundays?")
    page.keyboard.press("Enter")
    citation = page.locator("ol.citations a.citation").first
    citation.wait_for(timeout=60_000)
    assert page.locator(".answer a.cite").count() >= 1  # [n] markers in the answer link too
    screenshot(page, "ask-answer")

    citation.click()
    page.wait_for_url(f"**/#/media/{media['id']}?*")
    current = page.locator(".document-view .page.current")
    current.wait_for()
    assert current.get_attribute("id") == "page-2"
    assert "ten o'clock" in current.inner_text()
    screenshot(page, "media-document-cited-page")


def test_an_upload_into_a_named_collection_is_filed_there(page, server, tmp_path: Path):
    # The page sent the collection after the file, and the server, which reads fields only before
    # the streamed file, refused every upload given a collection.
    notes = tmp_path / "harbour-notes.txt"
    notes.write_text("The harbour ferry leaves for the island every morning at eight.")
    open_view(page, "#/upload")
    page.fill("#upload-collection", "harbour")
    page.set_input_files("#file-input", [str(notes)])
    done = page.locator('.upload-item[data-filename="harbour-notes.txt"][data-state="done"]')
    done.wait_for(timeout=120_000)
    media = server.client.get("/v1/media", params={"collection": "harbour"}).json()["media"]
    assert [m["filename"] for m in media] == ["harbour-notes.txt"]
    # a name the server refuses is said before anything is sent (each file had failed, its Retry too)
    page.fill("#upload-collection", "my docs")
    page.set_input_files("#file-input", [str(notes)])
    page.locator("#collection-hint.upload-error").get_by_text("no collection name").wait_for()
    assert page.locator(".upload-item").count() == 1  # the first upload only


def test_a_video_and_its_subtitle_file_chosen_together_make_one_upload(page, server, tmp_path: Path):
    if not mediagen.have_tools():
        pytest.skip("needs ffmpeg, espeak-ng and DejaVu fonts")
    clip = mediagen.pattern_video(tmp_path, duration_s=4.0, ext="mp4", name="ferry-notes")
    subtitles = tmp_path / "ferry-notes.es.srt"
    subtitles.write_text(
        "1\n00:00:01,000 --> 00:00:03,000\nEl ferry sale del puerto a las nueve.\n", encoding="utf-8"
    )
    open_view(page, "#/upload")
    page.set_input_files("#file-input", [str(clip), str(subtitles)])
    done = page.locator('.upload-item[data-filename="ferry-notes.mp4"][data-state="done"]')
    done.wait_for(timeout=120_000)
    assert "ferry-notes.es.srt" in done.locator(".upload-subtitles").inner_text()
    assert page.locator('.upload-item[data-filename="ferry-notes.es.srt"]').count() == 0
    hits = server.client.get(
        "/v1/search", params={"q": "el ferry sale del puerto", "modality": "speech"}
    ).json()
    assert hits["hits"][0]["filename"] == "ferry-notes.mp4" and hits["hits"][0]["language"] == "es"


def test_subtitles_added_on_a_video_s_page_become_its_transcript(page, server, tmp_path: Path):
    if not mediagen.have_tools():
        pytest.skip("needs ffmpeg, espeak-ng and DejaVu fonts")
    # 5 s: the same pattern over 4 s is the ferry video above (the same bytes, the same media)
    clip = mediagen.pattern_video(tmp_path, duration_s=5.0, ext="mp4", name="bakery-tour")
    created = server.upload(clip)  # without its subtitles
    assert server.wait_for_job(created["job"]["id"])["status"] == "succeeded"
    subtitles = tmp_path / "bakery-tour.es.srt"
    subtitles.write_text(
        "1\n00:00:01,000 --> 00:00:03,000\nLa panadería abre a las siete.\n", encoding="utf-8"
    )
    open_view(page, f"#/media/{created['media']['id']}")
    page.locator("#subtitles .subtitle-files").get_by_text("None.").wait_for()
    page.set_input_files("#subtitles-add", [str(subtitles)])
    page.locator('#subtitles li[data-name="00.es.srt"]').wait_for(timeout=30_000)
    # the page reloads once the media is processed again: its transcript is the file's
    page.locator(".transcript").get_by_text("La panadería abre a las siete.").wait_for(timeout=120_000)
    screenshot(page, "media-subtitles")
    assert (
        server.client.get(f"/v1/media/{created['media']['id']}/subtitles").json()["files"][0]["language"]
        == "es"
    )
    # and removed from there: the page reloads without it once the media is processed again
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remove 00.es.srt").click()
    page.locator("#subtitles .subtitle-files").get_by_text("None.").wait_for(timeout=30_000)
    page.locator(".transcript").get_by_text("La panadería abre a las siete.").wait_for(
        state="detached", timeout=120_000
    )
    assert server.client.get(f"/v1/media/{created['media']['id']}/subtitles").json()["files"] == []
