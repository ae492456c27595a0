"""Images end to end: what a photo shows (tags, multilingual), what is written in it (OCR), look-alikes."""

import io
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw, ImageFont

from tests.conftest import upload, wait_for_job

skimage_data = pytest.importorskip("skimage.data", reason="scikit-image ships the sample photos")
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _save(array: np.ndarray, path: Path) -> Path:
    Image.fromarray(array).convert("RGB").save(path, quality=92)
    return path


@pytest.fixture
def photos(api: TestClient, tmp_path: Path) -> dict[str, str]:
    ids = {}
    for name in ("coffee", "chelsea", "rocket"):
        created = upload(api, _save(getattr(skimage_data, name)(), tmp_path / f"{name}.jpg"))
        assert wait_for_job(api, created["job"]["id"])["status"] == "succeeded"
        ids[name] = created["media"]["id"]
    return ids


def _top_media(api: TestClient, query: str, n: int = 3) -> list[str]:
    hits = api.get("/v1/search", params={"q": query, "kind": "image", "limit": 10}).json()["hits"]
    ranked: list[str] = []
    for h in hits:
        if h["media_id"] not in ranked:
            ranked.append(h["media_id"])
    return ranked[:n]


def test_plain_descriptions_find_the_photo(api: TestClient, photos: dict[str, str]):
    assert _top_media(api, "a cup of coffee")[0] == photos["coffee"]
    assert photos["chelsea"] in _top_media(api, "a cat")
    assert photos["chelsea"] in _top_media(api, "un gato")  # Spanish query, English tags
    assert photos["rocket"] in _top_media(api, "a rocket on the launch pad")


def test_a_mirrored_copy_finds_the_original_first(api: TestClient, photos: dict[str, str]):
    mirrored = np.ascontiguousarray(skimage_data.chelsea()[:, ::-1])
    buffer = io.BytesIO()
    Image.fromarray(mirrored).resize((300, 200)).save(buffer, format="JPEG", quality=40)
    response = api.post("/v1/search", files={"image": ("query.jpg", buffer.getvalue())})
    assert response.status_code == 200, response.text
    hits = response.json()["hits"]
    assert hits[0]["media_id"] == photos["chelsea"] and hits[0]["modality"] == "image"


def test_a_resized_copy_is_listed_as_a_near_duplicate(api: TestClient, photos: dict, tmp_path: Path):
    small = Image.fromarray(skimage_data.coffee()).resize((200, 150))
    path = tmp_path / "coffee-small.jpg"
    small.save(path, quality=50)
    copy = upload(api, path)
    assert wait_for_job(api, copy["job"]["id"])["status"] == "succeeded"
    detail = api.get(f"/v1/media/{copy['media']['id']}").json()
    assert [d["media_id"] for d in detail["duplicates"]] == [photos["coffee"]]


def test_text_written_in_an_image_is_searchable(api: TestClient, tmp_path: Path):
    picture = Image.new("RGB", (900, 220), "white")
    draw = ImageDraw.Draw(picture)
    draw.text((30, 40), "Oferta especial: café de Colombia", fill="black", font=ImageFont.truetype(FONT, 44))
    draw.text((30, 120), "Válido hasta el sábado", fill="black", font=ImageFont.truetype(FONT, 44))
    path = tmp_path / "poster.png"
    picture.save(path)
    created = upload(api, path)
    assert wait_for_job(api, created["job"]["id"])["status"] == "succeeded"
    hits = api.get("/v1/search", params={"q": "oferta café Colombia"}).json()["hits"]
    assert hits[0]["media_id"] == created["media"]["id"] and hits[0]["modality"] == "ocr"
    assert "Colombia" in hits[0]["text"]


def test_a_bad_query_image_is_a_clear_error(api: TestClient):
    response = api.post("/v1/search", files={"image": ("x.jpg", b"not an image")})
    assert response.status_code == 400 and response.json()["code"] == "invalid_request"
