"""The web UI acts as a user: the switcher names one in open mode, a like on a result shapes the
"For you" recommendations, a saved search's new match shows as a badge in the top bar."""

from __future__ import annotations

import pytest

from tests.ui.conftest import open_view, screenshot

pytestmark = pytest.mark.browser


def test_a_user_likes_a_result_saves_a_search_and_sees_a_new_match_badged(page, server, tmp_path):
    texts = {
        "ui-telescope.txt": "A small telescope shows the rings of Saturn on a clear night.",
        "ui-nebula.txt": "The Orion nebula glows where new stars are born, visible with a telescope.",
        "ui-bread.txt": "Sourdough bread rises overnight and bakes in a very hot oven.",
    }
    ids = {}
    for name, text in texts.items():
        path = tmp_path / name
        path.write_text(text)
        ids[name] = server.ingest(path)["id"]

    open_view(page, "#/search")
    page.fill("#user-input", "uitester")
    page.click(".user-switcher button[type=submit]")
    page.wait_for_function("document.querySelector('#user-input').value === 'uitester'")

    open_view(page, "#/search?q=telescope")
    card = page.locator(f".result-card[data-media-id='{ids['ui-telescope.txt']}']")
    card.wait_for()
    card.get_by_role("button", name="Like ui-telescope.txt").click()
    page.wait_for_function(
        "[...document.querySelectorAll('button')].some((b) => b.textContent.includes('Liked'))"
    )
    page.click("#save-search")
    page.locator("#save-search", has_text="Saved").wait_for()

    feedback = server.client.get("/v1/recommendations", headers={"X-Mediasift-User": "uitester"}).json()
    assert ids["ui-telescope.txt"] not in [i["media_id"] for i in feedback["items"]]  # liked: not again

    later = tmp_path / "ui-telescope-2.txt"
    later.write_text("Which telescope to buy first: a guide for beginners.")
    server.ingest(later)
    open_view(page, "#/saved")
    page.locator(".recommendations li").first.wait_for()
    assert page.locator(".recommendations li").first.inner_text().startswith(
        "ui-nebula.txt"
    ) or "ui-nebula.txt" in (page.locator(".recommendations").inner_text())
    page.locator(".saved-searches .badge.new", has_text="1 new").wait_for()
    # the nav badge refreshes on its own request: wait for it rather than read it at once
    page.locator("#saved-badge", has_text="1").wait_for()
    assert page.locator("#saved-badge").inner_text() == "1"
    screenshot(page, "for-you")

    open_view(page, f"#/media/{ids['ui-nebula.txt']}?similar=1")
    page.locator("#similar li").first.wait_for()
    assert "ui-telescope" in page.locator("#similar").inner_text()
