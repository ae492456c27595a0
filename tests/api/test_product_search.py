"""Visual product search end to end: "which products look like this photo?".

Three products are made from real photos (scikit-image's cup of coffee, cat and rocket), each
sold as two pictures: different crops, one recoloured. The query photos are yet other crops and
recolourings of each, so no query is a copy of a stored picture. A fourth picture, an exact copy
of a query's source photo, carries no sku: grouping must leave it out however similar it is.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageEnhance, ImageOps

from tests.conftest import wait_for_job
from tests.extract.imaging_samples import photo

PRODUCTS = {"SKU-CUP": "coffee", "SKU-CAT": "chelsea", "SKU-ROCKET": "rocket"}
OTHER_TENANT = {"X-Mediasift-Tenant": "globex"}


def crop(image: Image.Image, left: float, top: float, keep: float) -> Image.Image:
    """The part of ``image`` of ``keep`` its width and height starting at (left, top) fractions."""
    w, h = image.size
    x, y = int(w * left), int(h * top)
    return image.crop((x, y, x + int(w * keep), y + int(h * keep)))


def recolour(image: Image.Image, channels: str) -> Image.Image:
    """The colour channels reordered ("BGR", "GBR"…): a colour variant of the same product."""
    bands = dict(zip("RGB", image.split(), strict=True))
    return Image.merge("RGB", [bands[c] for c in channels])


# Each product's two catalogue pictures, and the query photos (neither of them).
CATALOGUE: list[Callable[[Image.Image], Image.Image]] = [
    lambda im: crop(im, 0.0, 0.0, 0.85),
    lambda im: recolour(crop(im, 0.15, 0.1, 0.8), "BRG"),
]
QUERIES: dict[str, Callable[[Image.Image], Image.Image]] = {
    "cropped": lambda im: crop(im, 0.08, 0.12, 0.75),
    "recoloured and mirrored": lambda im: ImageOps.mirror(recolour(im, "GBR")),
    "desaturated, cropped and small": lambda im: (
        ImageEnhance.Color(crop(im, 0.1, 0.05, 0.8)).enhance(0.3).resize((240, 180))
    ),
}


def jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=88)
    return buffer.getvalue()


def add(api: TestClient, name: str, picture: Image.Image, metadata: dict | None = None, headers=None) -> dict:
    form = {"metadata": json.dumps(metadata)} if metadata else {}
    response = api.post("/v1/media", data=form, files={"file": (name, jpeg(picture))}, headers=headers or {})
    assert response.status_code == 202, response.text
    return response.json()


@pytest.fixture(scope="module")
def catalogue(module_api: TestClient) -> dict[str, list[str]]:
    """The products' media ids by sku (plus "" for the picture without a sku), all processed."""
    created: dict[str, list[dict]] = {sku: [] for sku in PRODUCTS}
    for sku, name in PRODUCTS.items():
        for i, make in enumerate(CATALOGUE):
            meta = {"sku": sku, "client": "acme", "media_type": "image"}
            created[sku].append(add(module_api, f"{sku}-{i}.jpg", make(photo(name)), meta))
    created[""] = [add(module_api, "loose-cat.jpg", photo("chelsea"))]
    # another tenant's copy of a product picture, under the same sku: never seen by this tenant
    theirs = add(module_api, "their-cup.jpg", photo("coffee"), {"sku": "SKU-CAT"}, OTHER_TENANT)
    for batch in created.values():
        for c in batch:
            assert wait_for_job(module_api, c["job"]["id"])["status"] == "succeeded"
    assert wait_for_job(module_api, theirs["job"]["id"], tenant="globex")["status"] == "succeeded"
    return {sku: [c["media"]["id"] for c in batch] for sku, batch in created.items()}


@pytest.mark.parametrize("edit", list(QUERIES))
@pytest.mark.parametrize("sku", list(PRODUCTS))
def test_group_by_sku_ranks_the_photographed_product_first(
    module_api: TestClient, catalogue: dict[str, list[str]], sku: str, edit: str
) -> None:
    query = jpeg(QUERIES[edit](photo(PRODUCTS[sku])))
    response = module_api.post(
        "/v1/search", files={"image": ("query.jpg", query)}, data={"group_by": "sku", "group_size": "2"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    groups = body["groups"]
    assert body["group_by"] == "sku"
    assert groups[0]["value"] == sku
    assert sorted(g["value"] for g in groups) == sorted(PRODUCTS)  # one group per product, no loose picture
    for group in groups:
        assert group["key"] == "sku" and 1 <= len(group["hits"]) <= 2
        assert group["score"] == group["hits"][0]["score"]
        assert {h["media_meta"]["sku"] for h in group["hits"]} == {group["value"]}
        assert {h["media_id"] for h in group["hits"]} <= set(catalogue[group["value"]])
        assert all(h["modality"] == "image" for h in group["hits"])
    assert [g["score"] for g in groups] == sorted((g["score"] for g in groups), reverse=True)
    assert body["hits"] == [h for g in groups for h in g["hits"]]


def test_image_search_filtered_by_sku_finds_only_that_products_pictures(
    module_api: TestClient, catalogue: dict[str, list[str]]
) -> None:
    query = jpeg(QUERIES["cropped"](photo("chelsea")))
    response = module_api.post(
        "/v1/search", files={"image": ("q.jpg", query)}, data={"meta": ["sku=SKU-CUP"], "limit": "20"}
    )
    assert response.status_code == 200, response.text
    hits = response.json()["hits"]
    assert hits and {h["media_id"] for h in hits} <= set(catalogue["SKU-CUP"])
    assert hits[0]["media_meta"] == {"sku": "SKU-CUP", "client": "acme", "media_type": "image"}
    assert response.json()["groups"] is None


def test_text_search_groups_by_sku_on_get(module_api: TestClient, catalogue: dict[str, list[str]]) -> None:
    response = module_api.get("/v1/search", params={"q": "a cat", "group_by": "sku", "limit": 2})
    assert response.status_code == 200, response.text
    groups = response.json()["groups"]
    assert len(groups) == 2 and groups[0]["value"] == "SKU-CAT"


def test_a_product_page_lists_its_media_tags_and_look_alike_products(
    module_api: TestClient, catalogue: dict[str, list[str]]
) -> None:
    response = module_api.get("/v1/products/SKU-CAT", params={"look_alikes": 5})
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["sku"] == "SKU-CAT"
    assert [m["id"] for m in page["media"]] == catalogue["SKU-CAT"]
    assert all(m["metadata"]["sku"] == "SKU-CAT" and m["thumbnail_url"] for m in page["media"])
    assert page["tags"] and page["tags"][0]["media"] >= 1
    look_alikes = page["look_alikes"]
    assert sorted(x["sku"] for x in look_alikes) == ["SKU-CUP", "SKU-ROCKET"]  # never itself, nor no-sku
    assert all(x["media_id"] in catalogue[x["sku"]] and 0 < x["score"] <= 1 for x in look_alikes)
    assert module_api.get(look_alikes[0]["thumbnail_url"]).status_code == 200


def test_a_product_of_another_tenant_or_none_is_not_found(
    module_api: TestClient, catalogue: dict[str, list[str]]
) -> None:
    assert module_api.get("/v1/products/SKU-NOPE").status_code == 404
    # globex's SKU-CAT is a coffee cup: globex sees only its own media under that sku
    theirs = module_api.get("/v1/products/SKU-CAT", headers=OTHER_TENANT).json()
    assert [m["filename"] for m in theirs["media"]] == ["their-cup.jpg"] and theirs["look_alikes"] == []
    assert module_api.get("/v1/products/SKU-CUP", headers=OTHER_TENANT).status_code == 404
