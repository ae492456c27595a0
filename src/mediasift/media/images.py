"""Still images: bounded decoding, EXIF facts, perceptual hash and thumbnails.

``decode_image`` reads only the header before checking the pixel limit, so a decompression bomb
(a small file that claims a huge canvas) is rejected before a single pixel is allocated.
Multi-frame files (GIF, animated WebP, multi-page TIFF) give their first frame. HEIC/HEIF decode
when ``pillow-heif`` is installed.
"""

from __future__ import annotations

import contextlib
import functools
import io
import warnings
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from mediasift.errors import CorruptMedia, LimitExceeded

if TYPE_CHECKING:
    import imagehash

try:  # optional: HEIC/HEIF support
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - depends on the install
    pass

# Pillow's own bomb check is only a fallback: we enforce settings.max_pixels ourselves, before load.
Image.MAX_IMAGE_PIXELS = None


def decode_image(source: Path | bytes, max_pixels: int) -> Image.Image:
    """The first frame as an upright RGB image (EXIF orientation applied; alpha over white).

    Raises ``LimitExceeded`` when width x height exceeds ``max_pixels`` (checked from the header,
    before decoding) and ``CorruptMedia`` when the bytes are not a decodable image.
    """
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(stream)
        width, height = image.size
        if width * height > max_pixels:
            raise LimitExceeded(
                f"image is {width}x{height} = {width * height} pixels; the limit is {max_pixels}"
            )
        image.seek(0)
        image.load()
        exif = image.getexif()
        rgb = _to_rgb(ImageOps.exif_transpose(image))
        rgb.info["exif_data"] = exif  # kept for exif_facts; the pixels no longer carry it
        return rgb
    except LimitExceeded:
        raise
    except UnidentifiedImageError:
        # Pillow's own message names the file's path, which a job's error leaves out (and then
        # read "cannot identify image file the file")
        raise CorruptMedia(
            "cannot decode image: no image format Pillow knows (damaged or unsupported)"
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptMedia(f"cannot decode image: {exc}") from exc


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        # 16-bit / float greyscale (scientific TIFFs): stretch to 8 bits instead of clipping.
        extrema = image.getextrema()
        low, high = extrema if isinstance(extrema[0], (int, float)) else extrema[0]
        scale = 255.0 / max(float(high) - float(low), 1e-9)
        return image.convert("F").point(lambda v: (v - low) * scale).convert("L").convert("RGB")
    return image.convert("RGB")


def _gps_degrees(values: Any, ref: str) -> float | None:
    try:
        d, m, s = (float(v) for v in values)
    except (TypeError, ValueError):
        return None
    degrees = d + m / 60 + s / 3600
    return round(-degrees if ref in ("S", "W") else degrees, 6)


def exif_facts(image: Image.Image, keep_gps: bool = False) -> dict[str, Any]:
    """``camera`` ("Make Model"), ``taken_at`` (ISO 8601, camera local time) and, only when
    ``keep_gps``, ``gps`` = {lat, lon} in decimal degrees. Missing facts are left out."""
    exif = image.info.get("exif_data") or image.getexif()
    facts: dict[str, Any] = {}
    camera = " ".join(
        str(exif.get(tag, "")).strip("\x00 ") for tag in (ExifTags.Base.Make, ExifTags.Base.Model)
    )
    if camera.strip():
        facts["camera"] = " ".join(camera.split())
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    stamp = sub.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    if stamp:
        with contextlib.suppress(ValueError):  # a malformed stamp is not a fact worth keeping
            facts["taken_at"] = datetime.strptime(str(stamp).strip("\x00 "), "%Y:%m:%d %H:%M:%S").isoformat()
    if keep_gps:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        lat = _gps_degrees(gps.get(ExifTags.GPS.GPSLatitude), str(gps.get(ExifTags.GPS.GPSLatitudeRef, "N")))
        lon = _gps_degrees(
            gps.get(ExifTags.GPS.GPSLongitude), str(gps.get(ExifTags.GPS.GPSLongitudeRef, "E"))
        )
        if lat is not None and lon is not None:
            facts["gps"] = {"lat": lat, "lon": lon}
    return facts


FLAT_RANGE = 24  # levels: JPEG's and a sensor's noise on one colour stays within it


def is_flat(thumb: Image.Image) -> bool:
    """Whether a picture, given as its thumbnail (``THUMB_SIDE``), is one flat colour (a swatch,
    a blank frame): no colour channel ranges over ``FLAT_RANGE`` levels. The range, not the
    spread: a page number or a signature on a blank scan, a few dark pixels, is something to
    read; and on colour, not grey: red beside a green of the same lightness is a picture."""
    # Pillow's own extrema: numpy's ``ptp`` over a 512 x 512 thumbnail's channels took 9 ms, as
    # long as the image model's pass; this takes 0.24 (scratch, 2026-12-07).
    extrema = thumb.convert("RGB").getextrema()
    return max(int(high) - int(low) for low, high in extrema) <= FLAT_RANGE  # type: ignore[misc]


def perceptual_hash(image: Image.Image) -> str:
    """64-bit DCT perceptual hash as 16 hex digits; near-duplicates differ in few bits."""
    return str(phash(image))


_HASH_SIDE = 8  # bits per side of the hash
_DCT_SIDE = 32  # imagehash's phash: the picture at 4x the hash's side, its lowest 8 x 8 frequencies


@functools.cache
def _dct_rows() -> np.ndarray:
    # The first rows of SciPy's unnormalised DCT-II (fftpack.dct: 2 sum x[n] cos(pi k (2n+1) / 2N)):
    # the only frequencies the hash reads.
    k = np.arange(_HASH_SIDE)[:, None]
    n = np.arange(_DCT_SIDE)[None, :]
    return 2 * np.cos(np.pi * k * (2 * n + 1) / (2 * _DCT_SIDE))


def phash(image: Image.Image) -> imagehash.ImageHash:
    """imagehash's ``phash``, bit for bit, without its import of SciPy (~0.2 s of CPU a process)."""
    import imagehash

    small = image.convert("L").resize((_DCT_SIDE, _DCT_SIDE), Image.Resampling.LANCZOS)
    pixels = np.asarray(small, np.float64)
    rows = _dct_rows()
    # Rounded: float noise (~1e-11) would otherwise break the ties of flat pictures (a black frame's
    # 63 zero frequencies) at random, where SciPy's transform reads exact zeros.
    low = np.round(rows @ pixels @ rows.T, 6)
    return imagehash.ImageHash(low > np.median(low))


def phash_distance(a: str, b: str) -> int:
    """Hamming distance (0-64 bits) between two ``perceptual_hash`` values."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


THUMB_SIDE = 512


def thumbnail_jpeg(image: Image.Image, max_side: int = THUMB_SIDE, quality: int = 82) -> bytes:
    """A JPEG no larger than ``max_side`` pixels on its long side; EXIF (and GPS) not copied."""
    return jpeg_bytes(bounded(image, max_side), quality)


def jpeg_bytes(image: Image.Image, quality: int = 82) -> bytes:
    """``image`` as a JPEG (EXIF, and GPS, not copied)."""
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()


def bounded(image: Image.Image, max_side: int) -> Image.Image:
    """The image scaled down (never up) so its long side is at most ``max_side`` pixels."""
    if max(image.size) <= max_side:
        return image
    copy = image.copy()
    copy.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return copy
