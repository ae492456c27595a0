"""Still images to JPEG, PNG, WebP or AVIF (the codecs Pillow has here), resized, EXIF kept or not.

The pixel limit is checked from the header before any pixel is decoded (as ``media/images.py``
does). The picture is turned upright from its EXIF orientation, so the orientation written with
kept EXIF is 1 (upright). ``strip_exif`` leaves EXIF (camera, time, GPS) and XMP out; an ICC
colour profile is kept either way, since it changes how the picture looks, not who took it.
Transparency is kept where the format has it (PNG, WebP, AVIF) and laid over white for JPEG.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageOps, UnidentifiedImageError

from mediasift.errors import CorruptMedia, LimitExceeded

if TYPE_CHECKING:
    from mediasift.config import Settings

_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "avif": "AVIF"}
_ORIENTATION = 0x0112


def convert_image(
    source: Path, dest: Path, fmt: str, options: dict[str, Any], settings: Settings
) -> dict[str, Any]:
    """Write ``source`` as ``fmt`` to ``dest``; returns ``width``, ``height``, ``format``, ``exif``."""
    image = _open(source, settings.max_pixels)
    exif = image.getexif()
    icc = image.info.get("icc_profile")
    image = ImageOps.exif_transpose(image)
    image = _fit(image, options.get("width"), options.get("height"), options["fit"])
    if image.width * image.height > settings.max_pixels:
        raise LimitExceeded(
            f"output of {image.width}x{image.height} pixels; the limit is {settings.max_pixels}"
        )
    image = _mode_for(image, fmt)
    save: dict[str, Any] = {}
    if fmt in ("jpeg", "webp", "avif"):
        save["quality"] = int(options["quality"])
    if fmt == "png":
        save["optimize"] = True
    if icc:
        save["icc_profile"] = icc
    keep_exif = not options.get("strip_exif") and len(exif) > 0
    if keep_exif:
        exif[_ORIENTATION] = 1
        save["exif"] = exif.tobytes()
    out = io.BytesIO()
    image.save(out, format=_FORMATS[fmt], **save)
    if out.tell() > settings.convert_max_output_bytes:
        raise LimitExceeded(
            f"the output passed {settings.convert_max_output_bytes} bytes, the limit of one conversion"
        )
    dest.write_bytes(out.getvalue())
    return {"width": image.width, "height": image.height, "format": fmt, "exif": keep_exif}


def _open(source: Path, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(source)
        if image.width * image.height > max_pixels:
            raise LimitExceeded(
                f"image is {image.width}x{image.height} = {image.width * image.height} pixels; "
                f"the limit is {max_pixels}"
            )
        image.seek(0)
        image.load()
        return image
    except LimitExceeded:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptMedia(f"cannot decode image: {exc}") from exc


def _fit(image: Image.Image, width: int | None, height: int | None, fit: str) -> Image.Image:
    """``width`` and ``height`` both: the box, as ``fit`` says; one: scaled to it, aspect kept."""
    if width and height:
        if fit == "cover":
            return ImageOps.fit(image, (width, height), Image.Resampling.LANCZOS)
        if fit == "fill":
            return image.resize((width, height), Image.Resampling.LANCZOS)
        return ImageOps.contain(image, (width, height), Image.Resampling.LANCZOS)
    if width:
        return image.resize(
            (width, max(1, round(image.height * width / image.width))), Image.Resampling.LANCZOS
        )
    if height:
        return image.resize(
            (max(1, round(image.width * height / image.height)), height), Image.Resampling.LANCZOS
        )
    return image


def _mode_for(image: Image.Image, fmt: str) -> Image.Image:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if fmt == "jpeg" or not has_alpha:
        if has_alpha:
            rgba = image.convert("RGBA")
            background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            return Image.alpha_composite(background, rgba).convert("RGB")
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    return image.convert("RGBA")
