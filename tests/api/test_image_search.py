"""Images end to end over HTTP: what a photo shows (tags, multilingual), what is written in it
(OCR), look-alikes.

Every one of scikit-image's real sample photos is ingested into one tenant, so a description has
to pick its photo out of fourteen rather than three: a top-3 assertion can fail.
"""

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw, ImageFont, ImageOps

from tests.conftest import upload, wait_for_job
from tests.extract.imaging_samples import PHOTOS, photo

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

# What a person would type to find each photo, one description per sample photo.
ENGLISH: list[tuple[str, str]] = [
    ("a cup of coffee", "coffee"),
    ("an astronaut", "astronaut"),
    ("a rocket on the launch pad", "rocket"),
    ("a cat", "chelsea"),
    ("a man with a camera", "camera"),
    ("old coins", "coins"),
    ("the surface of the moon", "moon"),
    ("a page of text", "page"),
    ("galaxies in deep space", "hubble_deep_field"),
    ("cells under a microscope", "immunohistochemistry"),
    ("the retina of an eye", "retina"),
    ("a horse", "horse"),
    ("a brick wall", "brick"),
    ("grass", "grass"),
]
# The photos whose ImageNet tags name what they show (espresso/coffee, missile/rocket, tabby/cat):
# these must rank first, through the keyword and the vector index alike.
GROUNDED = [d for d in ENGLISH if d[1] in {"coffee", "rocket", "chelsea"}]
# Spanish queries reach the English tags only through the multilingual text vectors.
SPANISH = [("un gato", "chelsea"), ("una taza de café", "coffee")]
# Measured: 10 of 14 (the astronaut, coins, microscope cells and grass are missed).
FOUND_FLOOR = 10


@pytest.fixture(scope="module")
def photos(module_api: TestClient, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every sample photo, uploaded first and then waited for, so the worker never idles."""
    folder = tmp_path_factory.mktemp("photos")
    created = {}
    for name in PHOTOS:
        path = folder / f"{name}.jpg"
        photo(name).save(path, quality=92)
        created[name] = upload(module_api, path)
    for name, c in created.items():
        job = wait_for_job(module_api, c["job"]["id"])
        assert job["status"] == "succeeded", (name, job)
    return {name: c["media"]["id"] for name, c in created.items()}


def _top_media(api: TestClient, query: str, n: int = 3, *, ties: bool = False) -> list[str]:
    """The first ``n`` distinct media among the hits, in rank order (a photo has several hits).
    ``ties``: and after them every media whose best hit scores exactly as the ``n``-th's: photos
    given the same tag (the moon, the Hubble field and the coins are all tagged "bubble, globule,
    ball…") score the same, and the order among them is the index's, not a judgement."""
    hits = api.get("/v1/search", params={"q": query, "kind": "image", "limit": 50}).json()["hits"]
    best: dict[str, float] = {}
    for h in hits:
        best.setdefault(h["media_id"], h["score"])
    ranked = list(best)
    if not ties or len(ranked) <= n:
        return ranked[:n]
    return ranked[:n] + [m for m in ranked[n:] if best[m] == best[ranked[n - 1]]]


def test_all_sample_photos_are_ingested_as_distinct_media(photos: dict[str, str]):
    assert set(photos) == set(PHOTOS) and len(set(photos.values())) == len(PHOTOS) >= 14


@pytest.mark.parametrize(("description", "name"), GROUNDED)
def test_a_description_the_tags_name_finds_its_photo_first(module_api: TestClient, photos, description, name):
    assert _top_media(module_api, description)[0] == photos[name]


@pytest.mark.parametrize(("description", "name"), SPANISH)
def test_a_spanish_description_finds_the_photo_through_english_tags(module_api, photos, description, name):
    assert photos[name] in _top_media(module_api, description)


def test_plain_descriptions_find_most_sample_photos_in_the_top_3(module_api: TestClient, photos):
    """The tags of the other photos do not name what they show (the astronaut is tagged "football
    helmet", the coins "bubble"), so some are found only through weaker semantic neighbours and
    some not at all: count them and hold the measured floor. A photo tied with the third counts
    (``_top_media(..., ties=True)``): "galaxies in deep space" finds the Hubble field, the moon and the
    coins at one score, through their one tag, and which of the three came third varied between
    runs of the suite."""
    names = {media_id: name for name, media_id in photos.items()}
    found = []
    for description, name in ENGLISH:
        top = _top_media(module_api, description, ties=True)
        print(f"{description!r}: {[names[m] for m in top]}")
        if photos[name] in top:
            found.append(name)
    missed = sorted({n for _, n in ENGLISH} - set(found))
    print(f"{len(found)} of {len(ENGLISH)} sample photos found in the top 3 by a plain description")
    print(f"missed: {missed}")
    assert {name for _, name in GROUNDED} <= set(found)
    assert len(found) >= FOUND_FLOOR


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def _crop(image: Image.Image, keep: float) -> Image.Image:
    w, h = image.size
    dx, dy = int(w * (1 - keep) / 2), int(h * (1 - keep) / 2)
    return image.crop((dx, dy, w - dx, h - dy))


# Query images as a user would have them: made smaller, cut and re-saved, flipped and shrunk.
EDITS: dict[str, Callable[[Image.Image], bytes]] = {
    "resized": lambda im: _jpeg(im.resize((im.width // 3, im.height // 3)), 90),
    "cropped and recompressed": lambda im: _jpeg(_crop(im, 0.8), 25),
    "mirrored, resized and recompressed": lambda im: _jpeg(ImageOps.mirror(im).resize((300, 200)), 40),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_an_edited_copy_finds_its_original_first(module_api: TestClient, photos, edit):
    wrong = {}
    for name in PHOTOS:
        response = module_api.post("/v1/search", files={"image": ("query.jpg", EDITS[edit](photo(name)))})
        assert response.status_code == 200, response.text
        top = response.json()["hits"][0]
        assert top["modality"] == "image"
        if top["media_id"] != photos[name]:
            wrong[name] = top["filename"]
    assert not wrong, f"{edit} copies found another photo first: {wrong}"


def test_a_resized_copy_is_listed_as_a_near_duplicate_of_its_original_only(module_api, photos, tmp_path):
    path = tmp_path / "coffee-small.jpg"
    photo("coffee").resize((200, 150)).save(path, quality=50)
    copy = upload(module_api, path)["media"]["id"]
    try:
        assert wait_for_job(module_api, _job_of(module_api, copy))["status"] == "succeeded"
        detail = module_api.get(f"/v1/media/{copy}").json()
        assert [d["media_id"] for d in detail["duplicates"]] == [photos["coffee"]]
    finally:  # the other tests search these fourteen photos and nothing else
        assert module_api.delete(f"/v1/media/{copy}").status_code == 204


def test_text_written_in_an_image_is_found_among_the_photos(module_api: TestClient, photos, tmp_path: Path):
    picture = Image.new("RGB", (900, 220), "white")
    draw = ImageDraw.Draw(picture)
    draw.text((30, 40), "Oferta especial: café de Colombia", fill="black", font=ImageFont.truetype(FONT, 44))
    draw.text((30, 120), "Válido hasta el sábado", fill="black", font=ImageFont.truetype(FONT, 44))
    path = tmp_path / "poster.png"
    picture.save(path)
    poster = upload(module_api, path)["media"]["id"]
    try:
        assert wait_for_job(module_api, _job_of(module_api, poster))["status"] == "succeeded"
        hits = module_api.get("/v1/search", params={"q": "oferta café Colombia"}).json()["hits"]
        assert hits[0]["media_id"] == poster and hits[0]["modality"] == "ocr"
        assert "Colombia" in hits[0]["text"]
    finally:
        assert module_api.delete(f"/v1/media/{poster}").status_code == 204


def test_a_bad_query_image_is_a_clear_error(module_api: TestClient):
    response = module_api.post("/v1/search", files={"image": ("x.jpg", b"not an image")})
    assert response.status_code == 400 and response.json()["code"] == "invalid_request"


def _job_of(api: TestClient, media_id: str) -> str:
    return api.get(f"/v1/media/{media_id}").json()["job"]["id"]
