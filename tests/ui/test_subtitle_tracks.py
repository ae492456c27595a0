"""A video's translation track is offered in its player, not mixed into its transcript's lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import mediagen
from tests.mediagen import SubtitleTrack
from tests.ui.conftest import open_view

pytestmark = pytest.mark.browser

ENGLISH = [(1.0, 3.0, "The market opens at seven."), (4.0, 6.0, "Fresh fish arrives on Thursdays.")]
SPANISH = [(1.0, 3.0, "El mercado abre a las siete."), (4.0, 6.0, "El pescado fresco llega los jueves.")]


def test_a_spanish_track_beside_the_transcript_is_a_player_track_of_its_own(page, server, tmp_path: Path):
    if not mediagen.have_tools():
        pytest.skip("needs ffmpeg, espeak-ng and DejaVu fonts")
    clip = mediagen.pattern_video(tmp_path, duration_s=7.0, ext="mkv", name="market")
    film = mediagen.with_subtitles(
        clip,
        tmp_path / "market-tracks.mkv",
        [SubtitleTrack(ENGLISH, "eng", default=True), SubtitleTrack(SPANISH, "spa")],
        audio_language="eng",
    )
    created = server.upload(film)
    assert server.wait_for_job(created["job"]["id"])["status"] == "succeeded"

    open_view(page, f"#/media/{created['media']['id']}")
    lines = page.locator(".transcript-lines .line")
    lines.first.wait_for()
    texts = lines.all_inner_texts()
    assert len(texts) == 2 and all("market" in t or "fish" in t for t in texts), texts
    tracks = page.locator("#player track")
    assert tracks.count() == 2
    spanish = tracks.nth(1)
    assert (spanish.get_attribute("srclang"), spanish.get_attribute("label")) == ("es", "Subtitles (es)")
    vtt = page.evaluate("(src) => fetch(src).then((r) => r.text())", spanish.get_attribute("src"))
    assert (
        vtt.startswith("WEBVTT")
        and "00:00:04.000 --> 00:00:06.000\nEl pescado fresco llega los jueves." in vtt
    )
    assert "Also subtitles in es" in page.locator(".transcript").inner_text()


def test_on_a_phone_the_media_library_and_operations_pages_do_not_scroll_sideways(
    page, server, tmp_path: Path
):
    # At 390 px the media page was 501 px wide (a long download link), the library 809 px and the
    # operations page 662 px (their tables): the whole page scrolled, the top bar stopping short.
    if not mediagen.have_tools():
        pytest.skip("needs ffmpeg, espeak-ng and DejaVu fonts")
    clip = mediagen.pattern_video(
        tmp_path, duration_s=4.0, ext="mp4", name="a-rather-long-file-name-for-a-phone-screen"
    )
    created = server.upload(clip)
    assert server.wait_for_job(created["job"]["id"])["status"] == "succeeded"
    made = server.client.post(f"/v1/media/{created['media']['id']}/conversions", json={"to": "mp3"}).json()
    server.wait_for_job(made["job"]["id"])
    page.set_viewport_size({"width": 390, "height": 900})
    for view, ready in (
        (f"#/media/{created['media']['id']}", ".details"),
        ("#/library", "table.library"),
        ("#/ops", ".ops .card"),
    ):
        open_view(page, view)
        page.locator(ready).first.wait_for()
        page.wait_for_timeout(300)  # the rest of the page's requests
        width = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate(  # what passes the screen, to say in the failure
            "[...document.querySelectorAll('body *')]"
            ".filter((e) => e.getBoundingClientRect().right > 392).slice(0, 6)"
            ".map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)"
        )
        assert width <= 390, (view, width, wide)
