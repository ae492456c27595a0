"""Pictures made from videos and images: animated previews, contact sheets, still-image formats,
resizing and EXIF, each read back with Pillow."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import ExifTags, Image

from mediasift.convert.images import convert_image
from mediasift.convert.previews import animated_preview, contact_sheet
from mediasift.convert.targets import resolve
from mediasift.errors import CorruptMedia, LimitExceeded
from tests.conftest import test_settings


def _options(kind: str, to: str, **given) -> dict:
    return resolve(kind, "video/mp4" if kind == "video" else "image/jpeg", to, given)[1]


@pytest.mark.parametrize("fmt", ["gif", "webp"])
def test_animated_preview_lasts_its_span_at_its_frame_rate(
    pattern: Path, tmp_path: Path, convert_settings, fmt
):
    dest = tmp_path / f"preview.{fmt}"
    info = animated_preview(
        pattern, dest, fmt, _options("video", fmt, start=1.0, end=3.5, fps=8, width=240), convert_settings
    )
    with Image.open(dest) as image:
        assert image.format == fmt.upper() and image.size == (240, 135) and image.is_animated
        durations = []
        for index in range(image.n_frames):
            image.seek(index)
            image.load()  # WebP reads a frame's duration as it decodes it
            durations.append(image.info["duration"])
    assert len(durations) == info["frames"] == 20  # 2.5 s at 8 fps
    assert abs(sum(durations) / 1000 - 2.5) <= 0.1


def test_a_preview_longer_than_the_limit_is_limit_exceeded(pattern: Path, tmp_path: Path):
    settings = test_settings(tmp_path / "home", convert_max_preview_s=2.0)
    with pytest.raises(LimitExceeded, match="limit is 2 s"):
        animated_preview(pattern, tmp_path / "p.gif", "gif", _options("video", "gif", end=4.0), settings)


def test_contact_sheet_is_a_grid_of_evenly_spaced_frames(pattern: Path, tmp_path: Path, convert_settings):
    dest = tmp_path / "sheet.jpg"
    info = contact_sheet(
        pattern, dest, _options("video", "contact-sheet", count=6, columns=3, width=200), convert_settings
    )
    with Image.open(dest) as sheet:
        label, tile = max(14, 200 // 16), round(360 * 200 / 640)
        assert sheet.format == "JPEG" and sheet.size == (600, 2 * (tile + label)) == (
            info["width"],
            info["height"],
        )
        # Test-pattern frames differ over time: no two tiles of the sheet are the same picture.
        row = tile + label
        tiles = [
            sheet.crop((x * 200, y * row, x * 200 + 200, y * row + tile)) for y in (0, 1) for x in range(3)
        ]
    digests = {tile.resize((16, 9)).tobytes() for tile in tiles}
    assert len(digests) == 6


def _photo(path: Path, size=(800, 600), mode="RGB") -> Path:
    image = Image.new(mode, size, (200, 120, 40) if mode == "RGB" else (200, 120, 40, 128))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "EOS 5D"
    exif[ExifTags.Base.Orientation] = 6  # stored sideways: shown rotated 90°
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (40.0, 25.0, 0.0)
    if mode == "RGB":
        image.save(path, format="JPEG", exif=exif)
    else:
        image.save(path, format="PNG", exif=exif)
    return path


@pytest.mark.parametrize("fmt", ["jpeg", "png", "webp", "avif"])
def test_image_formats_are_upright_resized_and_keep_exif_unless_asked(tmp_path: Path, convert_settings, fmt):
    source = _photo(tmp_path / "photo.jpg")
    kept = tmp_path / f"kept.{fmt}"
    info = convert_image(source, kept, fmt, _options("image", fmt, width=300), convert_settings)
    with Image.open(kept) as image:
        assert image.format == fmt.upper() and image.size == (300, 400)  # upright: 600x800 scaled
        exif = image.getexif()
        # upright now (AVIF's reader takes orientation out of EXIF into its own irot box)
        assert exif.get(ExifTags.Base.Make) == "Canon" and exif.get(ExifTags.Base.Orientation) in (1, None)
    assert info == {"width": 300, "height": 400, "format": fmt, "exif": True}
    stripped = tmp_path / f"stripped.{fmt}"
    convert_image(source, stripped, fmt, _options("image", fmt, strip_exif=True), convert_settings)
    with Image.open(stripped) as image:
        assert image.size == (600, 800) and len(image.getexif()) == 0
        assert b"Canon" not in stripped.read_bytes()


@pytest.mark.parametrize(
    ("fit", "size"), [("contain", (200, 150)), ("cover", (200, 200)), ("fill", (200, 200))]
)
def test_fit_into_a_box(tmp_path: Path, convert_settings, fit, size):
    source = tmp_path / "wide.png"
    Image.new("RGB", (800, 600), "white").save(source)
    dest = tmp_path / "out.png"
    convert_image(
        source, dest, "png", _options("image", "png", width=200, height=200, fit=fit), convert_settings
    )
    with Image.open(dest) as image:
        assert image.size == size


def test_transparency_is_kept_in_png_and_laid_on_white_in_jpeg(tmp_path: Path, convert_settings):
    source = tmp_path / "clear.png"
    Image.new("RGBA", (40, 30), (255, 0, 0, 0)).save(source)
    convert_image(source, tmp_path / "a.webp", "webp", _options("image", "webp"), convert_settings)
    convert_image(source, tmp_path / "b.jpg", "jpeg", _options("image", "jpeg"), convert_settings)
    with Image.open(tmp_path / "a.webp") as keeps, Image.open(tmp_path / "b.jpg") as flat:
        assert keeps.mode == "RGBA" and keeps.getpixel((5, 5))[3] == 0
        assert flat.mode == "RGB" and min(flat.getpixel((5, 5))) > 240


def test_image_limits_and_corrupt_bytes(tmp_path: Path, convert_settings):
    source = tmp_path / "big.png"
    Image.new("RGB", (400, 300)).save(source)
    tight = test_settings(tmp_path / "h2", max_pixels=100_000)
    with pytest.raises(LimitExceeded, match="120000 pixels"):
        convert_image(source, tmp_path / "o.png", "png", _options("image", "png"), tight)
    with pytest.raises(LimitExceeded, match="output of 800x600"):
        convert_image(
            source,
            tmp_path / "o.png",
            "png",
            _options("image", "png", width=800),
            test_settings(tmp_path / "h3", max_pixels=200_000),
        )
    broken = tmp_path / "broken.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64)).save(buffer, format="JPEG")
    broken.write_bytes(buffer.getvalue()[:200])
    with pytest.raises(CorruptMedia):
        convert_image(broken, tmp_path / "o.png", "png", _options("image", "png"), convert_settings)
