"""EfficientNet-Lite0: normalised vectors, near-duplicates find their original, labels become tags."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageOps

from mediasift.embed.image.efficientnet_lite import EfficientNetLite0Embedder
from mediasift.embed.image.factory import get_image_embedder, image_embedder_dim
from mediasift.enrich.tags import tag_text, tags_for

from .imaging_samples import PHOTOS, photo, settings, shared


@pytest.fixture(scope="module")
def embedder() -> EfficientNetLite0Embedder:
    return get_image_embedder(shared()[0], settings())  # type: ignore[return-value]


@pytest.fixture(scope="module")
def originals(embedder) -> np.ndarray:
    return embedder.embed([photo(name) for name in PHOTOS])


def jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def crop(image: Image.Image, keep: float) -> Image.Image:
    w, h = image.size
    dx, dy = int(w * (1 - keep) / 2), int(h * (1 - keep) / 2)
    return image.crop((dx, dy, w - dx, h - dy))


EDITS = {
    "resized": lambda im: im.resize((im.width // 3, im.height // 3)),
    "cropped": lambda im: crop(im, 0.8),
    "recompressed": lambda im: jpeg(im, 25),
    "mirrored": ImageOps.mirror,
}


def test_vectors_are_float32_unit_length_with_the_declared_dimension(embedder, originals) -> None:
    assert originals.shape == (len(PHOTOS), embedder.dim) == (len(PHOTOS), 1280)
    assert originals.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(originals, axis=1), 1.0, atol=1e-5)
    assert embedder.embed([]).shape == (0, 1280)
    # a home's index is opened with the dimension the factory knows without importing the engine
    assert image_embedder_dim(settings()) == EfficientNetLite0Embedder.dim == embedder.dim


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_an_edited_copy_finds_its_original_first(embedder, originals, edit) -> None:
    copies = embedder.embed([EDITS[edit](photo(name)) for name in PHOTOS])
    nearest = (copies @ originals.T).argmax(axis=1)
    found = int((nearest == np.arange(len(PHOTOS))).sum())
    print(f"image->image {edit}: {found}/{len(PHOTOS)} originals ranked first")
    assert found == len(PHOTOS)


def test_labels_name_what_the_photos_show(embedder) -> None:
    labels = embedder.labels([photo("coffee"), photo("chelsea"), photo("rocket")], k=5)
    assert all(len(top) == 5 for top in labels)
    assert labels[0][0][0] == "espresso"
    assert {"tabby cat", "Egyptian Mau"} & {name for name, _ in labels[1]}
    assert labels[2][0][0] == "missile"
    for top in labels:
        probabilities = [p for _, p in top]
        assert probabilities == sorted(probabilities, reverse=True) and 0 < sum(probabilities) <= 1.0001


def test_tag_text_expands_a_label_with_its_hypernyms() -> None:
    assert tag_text("tabby cat").split(", ")[:4] == ["tabby cat", "tabby", "domestic cat", "cat"]
    assert {"feline", "mammal", "animal"} <= set(tag_text("tabby cat").split(", "))
    assert "coffee" in tag_text("espresso").split(", ")
    assert "cup" in tag_text("tea cup").split(", ")  # WordNet's "cup" class is a punch; fixed in data


def test_tags_keep_the_top_label_and_other_confident_ones() -> None:
    tags = tags_for([("espresso", 0.6), ("tea cup", 0.2), ("consomme", 0.05), ("soup bowl", 0.01)])
    assert [t.label for t in tags] == ["espresso", "tea cup"]
    assert tags_for([("maze", 0.03), ("sundial", 0.02)])[0].label == "maze"


# What a person would type, and the word that must appear among the photo's expanded tags.
DESCRIPTIONS = {
    "coffee": ("a cup of coffee", "coffee"),
    "chelsea": ("a cat", "cat"),
    "rocket": ("a rocket on the launch pad", "rocket"),
    "camera": ("a man with a camera", "camera"),
    "astronaut": ("an astronaut", "astronaut"),
    "coins": ("old coins", "coin"),
    "moon": ("the surface of the moon", "moon"),
    "page": ("a page of text", "text"),
}


def test_plain_descriptions_match_the_expanded_tags_of_most_sample_photos(embedder) -> None:
    labels = embedder.labels([photo(name) for name in DESCRIPTIONS], k=5)
    matched = []
    for (name, (_description, word)), top in zip(DESCRIPTIONS.items(), labels, strict=True):
        terms = {term.lower() for tag in tags_for(top) for term in tag.text.split(", ")}
        if any(word == term or word in term.split() for term in terms):
            matched.append(name)
    print(f"descriptions matched by tags: {len(matched)}/{len(DESCRIPTIONS)} {matched}")
    assert {"coffee", "chelsea", "rocket"} <= set(matched)
