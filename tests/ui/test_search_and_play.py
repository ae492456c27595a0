"""Search → the hit → the player at the second the words are said; look-alikes by dropping an image."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest

from tests import mediagen
from tests.ui.conftest import open_view, screenshot

pytestmark = pytest.mark.browser

SCRIPT = [("en", s) for s in mediagen.EN_SENTENCES]  # English only: a shorter video to transcribe


@pytest.mark.skipif(not mediagen.have_tools(), reason="needs ffmpeg and espeak-ng")
def test_spoken_phrase_hit_plays_the_video_at_the_spoken_second(page, server, tmp_path: Path):
    talk = mediagen.talk_video(tmp_path, "mp4", script=SCRIPT)
    said = talk.utterances[1]  # "Please remember to charge the battery before every long journey."

    open_view(page, "#/upload")
    page.set_input_files("#file-input", str(talk.path))
    row = f'.upload-item[data-filename="{talk.path.name}"]'
    page.locator(f"{row} progress").wait_for()
    page.locator(f'{row}[data-state="done"]').wait_for(timeout=240_000)
    screenshot(page, "upload-done")

    open_view(page, "#/search")
    page.fill("#q", "charge the battery before a long journey")
    page.keyboard.press("Enter")
    card = page.locator(".result-card").filter(has_text=talk.path.name).first
    spoken = card.locator("a.hit").filter(has=page.locator(".why-speech")).first
    spoken.wait_for()
    assert spoken.locator(".why").inner_text() == "said"
    assert "battery" in [m.lower() for m in spoken.locator("mark").all_inner_texts()]
    # the moment's picture is the keyframe the API gave the speech hit
    assert "/artifacts/frames/" in spoken.locator("img.hit-frame").get_attribute("src")
    screenshot(page, "search-results")

    spoken.click()
    page.wait_for_selector("#player")
    page.wait_for_function(
        "() => { const v = document.querySelector('#player');"
        " return v.readyState >= 1 && !v.seeking && v.currentTime > 0; }"
    )
    position = page.evaluate("document.querySelector('#player').currentTime")
    assert abs(position - said.start_s) <= 2.0, (position, said)
    # the transcript beside the player follows it, and a click on a line seeks there
    page.locator(".transcript button.line[aria-current=true]").wait_for()
    screenshot(page, "media-player")
    first_line = page.locator(".transcript button.line").first
    first_line.click()
    page.wait_for_function("() => document.querySelector('#player').currentTime < 3")
    # subtitles come from the transcript's WebVTT
    assert page.locator("#player track[kind=subtitles]").count() == 1


def test_dropping_an_image_on_the_search_box_finds_look_alikes(page, server, tmp_path: Path):
    from PIL import Image
    from skimage import data

    original = tmp_path / "astronaut.png"
    Image.fromarray(data.astronaut()).save(original)
    decoy = tmp_path / "coffee.png"
    Image.fromarray(data.coffee()).save(decoy)
    media = server.ingest(original)
    server.ingest(decoy)

    # the query: a cropped, re-encoded copy, dropped as a file on the search box
    query = io.BytesIO()
    Image.fromarray(data.astronaut()).crop((40, 40, 480, 480)).save(query, "JPEG", quality=80)
    open_view(page, "#/search")
    page.evaluate(
        """([name, b64]) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const dt = new DataTransfer();
            dt.items.add(new File([bytes], name, { type: "image/jpeg" }));
            const zone = document.getElementById("search-drop");
            const init = { dataTransfer: dt, bubbles: true, cancelable: true };
            zone.dispatchEvent(new DragEvent("dragover", init));
            zone.dispatchEvent(new DragEvent("drop", init));
        }""",
        ["astronaut-crop.jpg", base64.b64encode(query.getvalue()).decode()],
    )
    first = page.locator(".result-card").first
    first.wait_for()
    assert first.get_attribute("data-media-id") == media["id"]
    assert "Look-alikes of astronaut-crop.jpg" in page.locator("#search-status").inner_text()
    screenshot(page, "search-look-alikes")


def test_the_added_date_filter_is_applied_by_the_server(page, server, tmp_path: Path):
    from datetime import date, timedelta

    note = tmp_path / "lighthouse-log.txt"
    note.write_text("The lighthouse lamp was cleaned and its lens polished on the morning shift.")
    server.ingest(note)
    today = date.today()

    open_view(page, "#/search")
    page.fill("#q", "lighthouse lamp lens polished")
    page.keyboard.press("Enter")
    card = page.locator(".result-card").filter(has_text=note.name).first
    card.wait_for()

    with page.expect_request(lambda r: "/v1/search?" in r.url and "added_after=" in r.url) as sent:
        page.fill("#from", (today + timedelta(days=1)).isoformat())
    assert "added_after=" in sent.value.url  # the window travels to the API, not filtered here
    page.wait_for_function(
        "() => document.querySelector('#search-status').textContent.includes('No matches')"
    )
    assert card.count() == 0

    page.fill("#from", (today - timedelta(days=1)).isoformat())
    page.fill("#to", today.isoformat())
    page.locator(".result-card").filter(has_text=note.name).first.wait_for()
    screenshot(page, "search-date-filter")
