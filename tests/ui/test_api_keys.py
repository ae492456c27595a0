"""With API keys enabled the page asks for a key, keeps it in session storage, and media bytes
(which the browser fetches without headers) still load: the service worker adds the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediasift.catalog.db import Catalog
from mediasift.config import Settings
from mediasift.services import auth
from tests.ui.conftest import running_server, screenshot

pytestmark = pytest.mark.browser


def test_with_api_keys_the_page_asks_for_a_key_and_loads_media_with_it(browser, tmp_path: Path):
    from PIL import Image
    from skimage import data

    photo = tmp_path / "rocket.png"
    Image.fromarray(data.rocket()).save(photo)
    with running_server(tmp_path / "keyed") as server:
        settings = Settings(_env_file=None, home=server.home)  # type: ignore[call-arg]
        catalog = Catalog(f"sqlite:///{server.home / 'catalog.db'}")
        key = auth.create_key(catalog, settings, "default", ["read", "write"], "ui-test").secret
        assert server.client.get("/v1/media").status_code == 401
        server.client.headers["Authorization"] = f"Bearer {key}"
        media = server.ingest(photo)

        context = browser.new_context(base_url=server.base, viewport={"width": 1280, "height": 860})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            page.goto("/#/library")  # the first request answers 401: the key dialog opens
            dialog = page.get_by_role("dialog", name="API key needed")
            dialog.wait_for()
            screenshot(page, "api-key-dialog")
            page.fill("#key-input", key)
            page.keyboard.press("Enter")
            page.locator(f'tr[data-media-id="{media["id"]}"]').wait_for()
            assert page.evaluate("sessionStorage.getItem('mediasift.key')") == key

            page.get_by_role("link", name="rocket.png").click()
            image = page.locator(".image-view img")
            image.wait_for()
            loaded = "(img) => img.complete && img.naturalWidth > 0"
            page.wait_for_function(loaded, arg=image.element_handle())
            screenshot(page, "media-image-with-key")
        finally:
            context.close()
        assert not errors, errors
