"""The image extractor: OCR, image vector, tags, EXIF (GPS only on request), phash, thumbnail, limits."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import ExifTags, Image

from mediasift.domain import Modality
from mediasift.errors import CorruptMedia, LimitExceeded
from mediasift.extract.image import extract_image
from mediasift.media.images import FLAT_RANGE, decode_image, is_flat, perceptual_hash, phash_distance
from mediasift.store.base import processed_key

from .imaging_samples import SPANISH, cer, context, photo, render_text


def camera_jpeg(path: Path) -> Path:
    """The cat photo as a camera would save it: make/model, capture time and a GPS fix."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "EOS 5D"
    exif[ExifTags.IFD.Exif] = {ExifTags.Base.DateTimeOriginal: "2024:05:17 14:03:59"}
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (40.0, 25.0, 1.2),
        ExifTags.GPS.GPSLongitudeRef: "W",
        ExifTags.GPS.GPSLongitude: (3.0, 42.0, 9.0),
    }
    photo("chelsea").save(path, format="JPEG", quality=92, exif=exif)
    return path


def by_modality(extraction, modality: Modality) -> list:
    return [s for s in extraction.segments if s.modality == modality]


def test_a_photo_becomes_an_image_vector_and_searchable_tags(tmp_path) -> None:
    ctx = context(tmp_path, camera_jpeg(tmp_path / "cat.jpg"), mime="image/jpeg")
    extraction = extract_image(ctx)

    (image,) = by_modality(extraction, Modality.IMAGE)
    assert image.text == "" and image.meta["image_model"] == "efficientnet-lite0"
    vector = np.asarray(extraction.image_vectors[image.id])
    assert vector.shape == (1280,) and abs(np.linalg.norm(vector) - 1) < 1e-5

    tags = by_modality(extraction, Modality.TAG)
    assert tags and all(0 < t.confidence <= 1 for t in tags)
    assert any("cat" in t.text.split(", ") and "animal" in t.text for t in tags)
    assert extraction.info["metadata"]["tags"] == [t.meta["label"] for t in tags]  # what the library lists
    assert not by_modality(extraction, Modality.OCR)  # a cat has nothing written on it
    assert {s.media_id for s in extraction.segments} == {"01TESTMEDIA"}


def test_a_picture_of_one_flat_colour_is_neither_read_nor_tagged(tmp_path) -> None:
    # a swatch's labels ("velvet", "window shade") had ranked it among the photos for many descriptions
    swatch = tmp_path / "swatch.png"
    Image.new("RGB", (16, 16), (180, 40, 60)).save(swatch)
    extraction = extract_image(context(tmp_path, swatch))
    assert not by_modality(extraction, Modality.TAG) and not by_modality(extraction, Modality.OCR)
    assert extraction.info["metadata"]["tags"] == [] and extraction.info["metadata"]["flat"] is True
    (image,) = by_modality(extraction, Modality.IMAGE)  # still found by look-alikes
    assert image.id in extraction.image_vectors
    # a blank scan with a page number in its corner is read, not taken for flat
    page = tmp_path / "page.png"
    render_text(["Page 12"], size=40, width=3000).save(page)
    assert "flat" not in extract_image(context(tmp_path, page)).info["metadata"]


def test_flat_means_no_channel_ranges_over_the_flat_range() -> None:
    base = Image.new("RGB", (64, 64), (100, 100, 100))
    within, beyond = base.copy(), base.copy()
    within.putpixel((3, 5), (100, 100 + FLAT_RANGE, 100))  # one pixel, one channel, at the bound
    beyond.putpixel((3, 5), (100, 100, 100 - FLAT_RANGE - 1))
    assert is_flat(base) and is_flat(within) and not is_flat(beyond)
    # grey and palette pictures are judged on their colours too
    assert is_flat(base.convert("L")) and not is_flat(beyond.convert("P"))
    red_green = Image.new("RGB", (2, 1), (200, 60, 60))
    red_green.putpixel((1, 0), (60, 120, 60))  # near in lightness, apart in colour
    assert not is_flat(red_green)


def test_exif_facts_are_kept_but_gps_is_stripped_by_default(tmp_path) -> None:
    info = extract_image(context(tmp_path, camera_jpeg(tmp_path / "cat.jpg"))).info
    assert (info["width"], info["height"]) == (451, 300)
    assert info["metadata"]["camera"] == "Canon EOS 5D"
    assert info["metadata"]["taken_at"] == "2024-05-17T14:03:59"
    assert "gps" not in info["metadata"]
    assert len(info["metadata"]["phash"]) == 16


def test_gps_is_kept_when_the_setting_asks(tmp_path) -> None:
    info = extract_image(context(tmp_path, camera_jpeg(tmp_path / "cat.jpg"), keep_gps=True)).info
    gps = info["metadata"]["gps"]
    assert gps["lat"] == pytest.approx(40.41700, abs=1e-4) and gps["lon"] == pytest.approx(-3.70250, abs=1e-4)


def test_thumbnail_is_stored_without_exif(tmp_path) -> None:
    ctx = context(tmp_path, camera_jpeg(tmp_path / "cat.jpg"))
    extract_image(ctx)
    thumb = Image.open(io.BytesIO(ctx.store.get_bytes(processed_key("acme", "01TESTMEDIA", "thumb.jpg"))))
    assert thumb.format == "JPEG" and max(thumb.size) <= 512
    assert ExifTags.IFD.GPSInfo not in thumb.getexif()


def test_text_in_a_screenshot_becomes_an_ocr_segment(tmp_path) -> None:
    path = tmp_path / "aviso.png"
    render_text(SPANISH).save(path)
    (ocr,) = by_modality(extract_image(context(tmp_path, path)), Modality.OCR)
    assert cer("\n".join(SPANISH), ocr.text) <= 0.03
    assert 0.5 < ocr.confidence <= 1 and ocr.meta["ocr_engine"].startswith("rapidocr")
    assert [line["text"] for line in ocr.meta["lines"]] == ocr.text.split("\n")


def test_ocr_boxes_are_in_original_pixels_when_a_large_image_is_read_downscaled(tmp_path) -> None:
    path = tmp_path / "poster.png"
    render_text(["GRAND OPENING"], size=320, width=4000).save(path)  # text ~2800 px wide
    (ocr,) = by_modality(extract_image(context(tmp_path, path)), Modality.OCR)
    assert "GRAND OPENING" in ocr.text
    assert ocr.meta["lines"][0]["box"][2] > 2000  # the text spans well past the 2000 px OCR input


def test_too_many_pixels_is_rejected_before_decoding(tmp_path) -> None:
    path = tmp_path / "bomb.png"
    Image.new("1", (6000, 6000)).save(path)  # 36 MP of zeros compresses to a few kB
    assert path.stat().st_size < 100_000
    with pytest.raises(LimitExceeded, match="36000000 pixels"):
        extract_image(context(tmp_path, path, max_pixels=20_000_000))


@pytest.mark.parametrize("payload", [b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\0" * 64])
def test_garbage_is_corrupt_media(tmp_path, payload) -> None:
    path = tmp_path / "broken.png"
    path.write_bytes(payload)
    with pytest.raises(CorruptMedia):
        extract_image(context(tmp_path, path))


def test_a_truncated_jpeg_is_corrupt_media(tmp_path) -> None:
    path = camera_jpeg(tmp_path / "cat.jpg")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CorruptMedia):
        extract_image(context(tmp_path, path))


def formats() -> dict[str, bytes]:
    coffee = photo("coffee")
    out: dict[str, bytes] = {}
    for fmt in ("PNG", "WEBP", "BMP", "TIFF", "HEIF"):
        buffer = io.BytesIO()
        coffee.save(buffer, format=fmt)
        out[fmt] = buffer.getvalue()
    frames = [coffee, photo("rocket").resize(coffee.size)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    out["GIF"] = buffer.getvalue()
    return out


def test_every_supported_format_decodes_to_the_same_picture() -> None:
    reference = perceptual_hash(photo("coffee"))
    for fmt, data in formats().items():
        image = decode_image(data, max_pixels=10_000_000)
        assert image.mode == "RGB" and image.size == (600, 400), fmt
        assert phash_distance(perceptual_hash(image), reference) <= 10, fmt  # GIF: first frame, 256 colours


def test_transparent_png_is_flattened_on_white_and_16_bit_tiff_is_stretched() -> None:
    rgba = Image.new("RGBA", (40, 40), (255, 0, 0, 0))
    buffer = io.BytesIO()
    rgba.save(buffer, format="PNG")
    assert decode_image(buffer.getvalue(), 10_000).getpixel((5, 5)) == (255, 255, 255)
    deep = Image.fromarray((np.arange(64 * 64).reshape(64, 64) * 16).astype(np.uint16))
    buffer = io.BytesIO()
    deep.save(buffer, format="TIFF")
    decoded = np.asarray(decode_image(buffer.getvalue(), 10_000))
    assert decoded.min() == 0 and decoded.max() == 255


def test_a_recompressed_copy_has_a_near_identical_phash() -> None:
    original = photo("astronaut")
    buffer = io.BytesIO()
    original.resize((256, 256)).save(buffer, format="JPEG", quality=40)
    copy = decode_image(buffer.getvalue(), 10_000_000)
    assert phash_distance(perceptual_hash(original), perceptual_hash(copy)) <= 6
    assert phash_distance(perceptual_hash(original), perceptual_hash(photo("coffee"))) > 20


_PICTURES = ["astronaut", "camera", "coffee", "chelsea", "rocket", "page", "text", "checkerboard"]


@pytest.mark.parametrize("picture", [*_PICTURES, "black", "grey", "ramp"])
def test_the_phash_is_imagehashs_bit_for_bit(picture) -> None:
    # Hashes stored before (keyframes' and images' metadata) stay comparable: the same 64 bits as
    # imagehash.phash, flat pictures (ties at the median) included.
    import imagehash
    import skimage.data

    flat = {
        "black": np.zeros((50, 80), np.uint8),
        "grey": np.full((40, 40, 3), 200, np.uint8),
        "ramp": np.tile(np.arange(64, dtype=np.uint8), (64, 1)),
    }
    pixels = flat[picture] if picture in flat else getattr(skimage.data, picture)()
    image = Image.fromarray(pixels)
    assert perceptual_hash(image) == str(imagehash.phash(image))
