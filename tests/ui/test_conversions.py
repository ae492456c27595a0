"""Conversions in the browser: a media's page offers the formats its kind has, converts on a click,
and lists the conversion with a download link once its job has written it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from tests.extract.imaging_samples import photo
from tests.ui.conftest import Server, open_view, screenshot

pytestmark = pytest.mark.browser


def test_a_photo_is_converted_to_png_from_its_page_and_downloads(page, server: Server, tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "chelsea-convert.jpg"
    photo("chelsea").save(path, quality=90)
    media = server.ingest(path)
    open_view(page, f"#/media/{media['id']}")
    section = page.locator("#conversions")
    options = section.locator("#convert-to option").all_inner_texts()
    assert options == ["jpeg", "png", "webp", "avif"], options
    assert section.locator("#convert-start").count() == 0  # no time range for a picture

    section.locator("#convert-to").select_option("png")
    section.get_by_role("button", name="Convert").click()
    done = section.locator('li[data-target="png"][data-status="succeeded"]')
    done.wait_for(timeout=120_000)
    link = done.get_by_role("link", name="Download png")
    href = link.get_attribute("href")
    assert href and f"/v1/media/{media['id']}/conversions/" in href
    screenshot(page, "media-conversions")

    body = server.client.get(href).content
    converted = Image.open(io.BytesIO(body))
    assert converted.format == "PNG" and converted.size == Image.open(path).size

    # the same request again is the same conversion, not a second one
    section.get_by_role("button", name="Convert").click()
    page.wait_for_timeout(500)
    assert section.locator('li[data-target="png"]').count() == 1
