"""A media's page shows its quality as a badge, with the reasons that lowered the score."""

from __future__ import annotations

import pytest

from tests.ui.conftest import open_view, screenshot

pytestmark = pytest.mark.browser


def test_a_blurred_photo_shows_a_quality_badge_with_its_reason(page, server, tmp_path):
    from PIL import Image, ImageFilter
    from skimage import data

    photo = tmp_path / "coffee-blurred.png"
    Image.fromarray(data.coffee()).filter(ImageFilter.GaussianBlur(4)).save(photo)
    media = server.ingest(photo)
    overall = server.client.get(f"/v1/media/{media['id']}").json()["quality"]["overall"]

    open_view(page, f"#/media/{media['id']}")
    badge = page.locator(".media-header .quality .badge")
    badge.wait_for()

    assert badge.inner_text() == f"quality {overall:.2f}"
    level = badge.get_attribute("class") or ""
    assert overall < 0.8 and ("quality-fair" in level or "quality-poor" in level)
    reasons = page.locator(".quality-reasons li").all_inner_texts()
    assert reasons and reasons[0].startswith("blurred: variance of the Laplacian")
    assert "null" not in page.locator("main").inner_text().split()  # no empty section printed as "null"
    screenshot(page, "media-quality-badge")
