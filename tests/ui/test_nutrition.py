"""Nutrition in the browser: a food video's page offers the analysis, then shows the table — each
evidence a link to the player at its second, totals and per serving — and a row corrected there
changes the totals."""

from __future__ import annotations

import pytest

from tests import mediagen
from tests.ui.conftest import Server, open_view, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not mediagen.have_tools(), reason="needs ffmpeg, espeak-ng, fonts-dejavu-core"),
]
SCRIPT = [("en", "This salad serves two people."), ("en", "Add two tablespoons of olive oil to the bowl.")]


@pytest.fixture(scope="module")
def video(server: Server, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, mediagen.Talk]:
    talk = mediagen.talk_video(
        tmp_path_factory.mktemp("ui-nutrition"),
        "mp4",
        script=SCRIPT,
        captions=[mediagen.Caption("ARROZ 200 g", 1.0, 5.0)],
    )
    return server.ingest(talk.path), talk


def test_a_food_video_shows_its_nutrition_table_and_a_row_can_be_corrected(page, server: Server, video):  # type: ignore[no-untyped-def]
    media, talk = video
    open_view(page, f"#/media/{media['id']}")
    section = page.locator("#nutrition")
    section.get_by_role("button", name="Analyse nutrition").click()
    table = section.locator("table.nutrition-table")
    table.wait_for(timeout=120_000)
    oil = table.locator("tr[data-key='astra:olive_oil']")
    assert "Olive oil" in oil.inner_text() and "27" in oil.inner_text()
    said = oil.get_by_role("link", name="said")
    expected = talk.utterances[1].start_s
    href = said.get_attribute("href")
    assert href is not None and f"/media/{media['id']}?t=" in href
    assert abs(float(href.split("t=")[1].split("&")[0]) - expected) <= 2.0
    assert "per serving (2)" in table.locator("tfoot").inner_text()
    total_before = table.locator("tfoot tr").first.inner_text()

    said.click()  # the player seeks to the second it is said
    page.wait_for_function(
        "([t]) => Math.abs(document.querySelector('video').currentTime - t) <= 2.5", arg=[expected]
    )
    oil.get_by_role("button", name="Correct Olive oil").click()
    editor = section.locator("form.nutrition-editor")
    editor.get_by_label("Amount in grams").fill("10")
    editor.get_by_role("button", name="Save").click()
    page.wait_for_function(
        "() => document.querySelector(\"tr[data-key='astra:olive_oil'] .badge\")?.textContent === 'corrected'"
    )
    assert table.locator("tfoot tr").first.inner_text() != total_before
    screenshot(page, "nutrition-table")
    results = server.client.get(f"/v1/media/{media['id']}/nutrition").json()
    oil_row = next(f for f in results["foods"] if f["key"] == "astra:olive_oil")
    assert oil_row["amount_g"] == 10 and oil_row["corrected"]
