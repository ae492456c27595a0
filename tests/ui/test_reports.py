"""Reports in a browser: a real spoken video's HTML report, saved to a file as a user would, renders
in Chromium with its keyframes, and a timestamp in it opens the web UI's player at that second;
a collection's report shows a photo beside a file whose job is dead."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests import mediagen
from tests.ui.conftest import screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not mediagen.have_tools(), reason="needs ffmpeg, espeak-ng, fonts-dejavu-core"),
]

SCRIPT = [
    ("en", "Yesterday the baristas from Lisbon travelled to London to taste a new espresso."),
    ("en", "The espresso machine heats the water to ninety degrees before every coffee."),
    ("en", "Later that week the coffee machine was shown to the cooks of Madrid."),
    ("en", "Every barista said that the machine makes a very good espresso."),
]


def said_as(text: str, utterances: list[mediagen.Utterance]) -> mediagen.Utterance:
    """The utterance a transcribed sentence is: the one sharing most of its words."""
    words = set(text.lower().split())
    return max(utterances, key=lambda u: len(words & set(u.text.lower().split())))


def broken_file(path: Path) -> Path:
    """Bytes no decoder takes, named as a video; unique to ``path`` (same bytes would be a duplicate)."""
    path.write_bytes(bytes(range(256)) * 4 + path.name.encode())
    return path


def test_html_report_renders_and_its_timestamps_open_the_player(page, server, tmp_path: Path):
    talk = mediagen.talk_video(tmp_path / "video", "mp4", script=SCRIPT)
    video = shutil.copy(talk.path, tmp_path / "clase-espresso.mp4")
    media = server.ingest(Path(video), collection="cursos-ui")

    response = server.client.get(f"/v1/media/{media['id']}/report", params={"format": "html"})
    assert response.status_code == 200, response.text
    saved = tmp_path / "report.html"
    saved.write_bytes(response.content)
    page.goto(saved.as_uri())
    page.locator("#summary li").first.wait_for()
    # every picture is inline and decodes; nothing was fetched from anywhere
    sizes = page.eval_on_selector_all("img", "imgs => imgs.map((i) => [i.complete, i.naturalWidth])")
    assert sizes and all(done and width > 0 for done, width in sizes), sizes
    assert page.eval_on_selector_all("img", "imgs => imgs.every((i) => i.src.startsWith('data:image/jpeg'))")
    screenshot(page, "report-media")

    # a summary sentence said after the first: its link points at the second it is said, in the
    # web UI's player (which sentences the summary keeps depends on what Whisper heard)
    lines = page.locator("#summary li")
    heard = [said_as(lines.nth(i).inner_text(), talk.utterances) for i in range(lines.count())]
    index, said = next((i, u) for i, u in enumerate(heard) if u is not talk.utterances[0])
    link = lines.nth(index).locator("a.when")
    href = link.get_attribute("href") or ""
    parts = urlsplit(href)
    assert f"{parts.scheme}://{parts.netloc}" == server.base, href
    route, _, query = parts.fragment.partition("?")
    assert route == f"/media/{media['id']}", href
    second = float(parse_qs(query)["t"][0])
    assert abs(second - said.start_s) <= 1.5, (second, said)
    link.click()
    page.wait_for_selector("#player")
    page.wait_for_function(
        "() => { const v = document.querySelector('#player');"
        " return v.readyState >= 1 && !v.seeking && v.currentTime > 0; }"
    )
    position = page.evaluate("document.querySelector('#player').currentTime")
    assert abs(position - second) <= 1.0, (position, second)
    screenshot(page, "report-link-player")

    # and the media page links back to its reports, which open in the browser
    link = page.locator('.report-links a[data-format="html"]')
    assert link.get_attribute("href") == f"/v1/media/{media['id']}/report?format=html"
    with page.context.expect_page() as opened:
        link.click()
    report = opened.value
    report.wait_for_load_state()
    assert report.locator("#summary li").count() >= 1
    report.close()


def test_collection_report_renders_with_each_media_and_its_state(page, server, tmp_path: Path):
    from PIL import Image
    from skimage import data

    photo = tmp_path / "camera.png"
    Image.fromarray(data.camera()).save(photo)
    server.ingest(photo, collection="fotos-ui")
    broken = server.upload(broken_file(tmp_path / "vacio.mp4"), collection="fotos-ui")
    assert server.wait_for_job(broken["job"]["id"])["status"] == "dead"

    response = server.client.get("/v1/collections/fotos-ui/report", params={"format": "html"})
    assert response.status_code == 200, response.text
    saved = tmp_path / "fotos.html"
    saved.write_bytes(response.content)
    page.goto(saved.as_uri())
    items = page.locator("article.item")
    assert items.count() == 2
    assert items.filter(has_text="vacio.mp4").locator(".badge.state-dead").is_visible()
    assert items.filter(has_text="camera.png").locator(".badge.state-ready").is_visible()
    thumb = items.filter(has_text="camera.png").locator("img")
    assert page.evaluate("(img) => img.naturalWidth", thumb.element_handle()) > 0
    screenshot(page, "report-collection")
