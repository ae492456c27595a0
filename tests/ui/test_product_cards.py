"""Visual product search in the browser: with "Group by" sku, a dropped photo lists products as
cards, the photographed product first, each with its own pictures."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest

from tests.extract.imaging_samples import photo
from tests.ui.conftest import open_view, screenshot

pytestmark = pytest.mark.browser


def test_a_dropped_photo_grouped_by_sku_shows_one_card_per_product(page, server, tmp_path: Path):
    products = {"SKU-HORSE": "horse", "SKU-MOON": "moon"}
    media: dict[str, list[str]] = {sku: [] for sku in products}
    for sku, name in products.items():
        for i, box in enumerate([(0, 0, 0.8), (0.2, 0.2, 0.8)]):
            picture = photo(name)
            w, h = picture.size
            path = tmp_path / f"{sku}-{i}.jpg"
            picture.crop(
                (int(w * box[0]), int(h * box[1]), int(w * (box[0] + box[2])), int(h * (box[1] + box[2])))
            ).save(path)
            media[sku].append(server.ingest(path, metadata=json.dumps({"sku": sku}))["id"])

    query = io.BytesIO()
    moon = photo("moon")
    moon.crop((30, 30, moon.width - 30, moon.height - 60)).save(query, "JPEG", quality=80)
    open_view(page, "#/search")
    page.fill("#group_by", "sku")
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
        ["moon-crop.jpg", base64.b64encode(query.getvalue()).decode()],
    )
    cards = page.locator(".product-card")
    cards.first.wait_for()
    values = [cards.nth(i).get_attribute("data-group-value") for i in range(cards.count())]
    assert values[0] == "SKU-MOON"
    assert set(products) <= set(values) and len(values) == len(set(values))
    first = cards.first
    links = first.locator(".product-pictures a")
    assert 1 <= links.count() <= 3
    assert all(links.nth(i).get_attribute("href").split("/")[2].split("?")[0] in media["SKU-MOON"]
               for i in range(links.count()))  # fmt: skip
    assert "Products like moon-crop.jpg" in page.locator("#search-status").inner_text()
    screenshot(page, "search-product-cards")
