"""Every main page renders without a script error, reachable by keyboard; screenshots for a person."""

from __future__ import annotations

import pytest

from tests.ui.conftest import open_view, screenshot

pytestmark = pytest.mark.browser


def test_main_pages_render_and_are_keyboard_reachable(page, server, tmp_path):
    note = tmp_path / "pages-note.txt"
    note.write_text("Quarterly inventory counts happen on the first Monday of each quarter.")
    media = server.ingest(note, collection="notes")

    open_view(page, "#/library")
    row = page.locator(f'table.library tr[data-media-id="{media["id"]}"]')
    row.wait_for()
    assert "ready" in row.inner_text() and "notes" in row.inner_text()
    screenshot(page, "library")

    row.get_by_role("link", name="pages-note.txt").click()
    page.locator(".media-header h1").filter(has_text="pages-note.txt").wait_for()
    assert page.locator(".details").get_by_text("notes", exact=True).count() == 1
    screenshot(page, "media-document")

    open_view(page, "#/ops")
    page.locator("#card-queue").wait_for()
    page.locator("#card-models").wait_for()
    assert page.locator("#ops-body .error").count() == 0
    screenshot(page, "operations")

    # "/" jumps to the search box from anywhere; Tab reaches the navigation links in order
    page.locator("main").focus()
    page.keyboard.press("/")
    page.wait_for_url("**/#/search")
    page.locator("#q").wait_for()
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("inventory counts")
    page.keyboard.press("Enter")
    page.locator(f'.result-card[data-media-id="{media["id"]}"]').wait_for()
    assert page.get_by_role("link", name="pages-note.txt").count() == 1
    screenshot(page, "search-document")
    page.focus(".skip-link")  # the first stop of the page's tab order
    names = []
    for _ in range(8):
        page.keyboard.press("Tab")
        names.append(page.evaluate("document.activeElement.textContent.trim()"))
    assert [n for n in names if n != "Ask"][:7] == [
        "mediasift",
        "Search",
        "Upload",
        "Library",
        "For you",
        "Workflows",
        "Operations",
    ]


def test_the_library_lists_an_images_automatic_tags(page, server, tmp_path):
    from PIL import Image
    from skimage import data

    photo = tmp_path / "chelsea.jpg"
    Image.fromarray(data.chelsea()).save(photo, quality=90)
    media = server.ingest(photo)
    open_view(page, "#/library")
    row = page.locator(f'table.library tr[data-media-id="{media["id"]}"]')
    row.wait_for()
    tags_cell = row.locator("td").nth(5).inner_text().lower()  # the Tags column (Name is the row header)
    assert "tabby" in tags_cell or "cat" in tags_cell, tags_cell
