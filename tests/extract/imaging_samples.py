"""Shared material for the image/OCR/slide tests: real photos, rendered text, contexts, CER.

Models are loaded once per test session (one ``ModelRegistry``, one cache home for the exported
EfficientNet ONNX file), with 2 threads, as the brief for this machine asks.
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

import numpy as np
import skimage.data
from PIL import Image, ImageDraw, ImageFont

from mediasift.config import Settings
from mediasift.extract.base import ExtractContext
from mediasift.models.registry import ModelRegistry
from mediasift.store.local import LocalStore

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
PHOTOS = ["coffee", "astronaut", "rocket", "chelsea", "camera", "coins", "moon", "page", "hubble_deep_field",
          "immunohistochemistry", "retina", "horse", "brick", "grass"]  # fmt: skip

ENGLISH = ["Quarterly revenue grew twelve percent", "Shipping address: 42 Market Street", "Call us today"]
SPANISH = ["¿Dónde está la estación de tren?", "El niño comió piña y jamón", "Información pública: año 2024"]


@cache
def shared() -> tuple[ModelRegistry, Path]:
    """One registry and one model cache directory for the whole test session."""
    return ModelRegistry(), Path(tempfile.mkdtemp(prefix="mediasift-models-"))


def settings(**overrides: object) -> Settings:
    _, home = shared()
    return Settings(home=home, model_threads=2, **overrides)  # type: ignore[arg-type]


def photo(name: str) -> Image.Image:
    return Image.fromarray(getattr(skimage.data, name)()).convert("RGB")


def render_text(lines: list[str], size: int = 32, width: int = 900) -> Image.Image:
    """Black text on white, one line per row, as a screenshot or a slide picture would show it."""
    font = ImageFont.truetype(FONT, size)
    image = Image.new("RGB", (width, 40 + int(size * 1.8) * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((24, 20 + int(size * 1.8) * i), line, fill="black", font=font)
    return image


def context(
    tmp_path: Path, path: Path, kind: str = "image", mime: str = "image/png", **overrides: object
) -> ExtractContext:
    models, _ = shared()
    return ExtractContext(
        media_id="01TESTMEDIA",
        tenant_id="acme",
        kind=kind,
        mime=mime,
        path=path,
        filename=path.name,
        settings=settings(**overrides),
        models=models,
        store=LocalStore(tmp_path / "objects"),
    )


def cer(expected: str, actual: str) -> float:
    """Character error rate: Levenshtein distance / reference length."""
    previous = list(range(len(actual) + 1))
    for i, a in enumerate(expected, start=1):
        current = [i]
        for j, b in enumerate(actual, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b)))
        previous = current
    return previous[-1] / max(len(expected), 1)


def degrade(image: Image.Image, seed: int = 0) -> Image.Image:
    """Blur, sensor noise and heavy JPEG: roughly a phone photo of a screen."""
    from io import BytesIO

    from PIL import ImageFilter

    rng = np.random.default_rng(seed)
    blurred = np.asarray(image.filter(ImageFilter.GaussianBlur(1.2)), dtype=np.float32)
    noisy = np.clip(blurred + rng.normal(0, 12, blurred.shape), 0, 255).astype(np.uint8)
    buffer = BytesIO()
    Image.fromarray(noisy).save(buffer, format="JPEG", quality=35)
    return Image.open(BytesIO(buffer.getvalue())).convert("RGB")
