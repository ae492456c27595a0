"""Reading text in pictures: the ``OcrEngine`` interface and the lines it returns.

An engine takes RGB ``uint8`` arrays (H x W x 3) and returns, per image, the lines it read in
reading order (top to bottom, then left to right), each with a confidence in [0, 1] and a pixel box
``(x0, y0, x1, y1)`` in the coordinates of the image it was given.

Engines (``factory.py`` picks one by ``settings.ocr_engine``):

- ``rapidocr`` (default, ``rapidocr.py``): PP-OCR ONNX models bundled in the ``rapidocr`` wheel.
  Measured in DESIGN.md "Engines" far ahead of Tesseract on degraded and photographed text; the
  bundled recogniser reads Spanish accents (á é í ó ú ñ ¿) correctly.
- ``tesseract`` (``tesseract.py``): the Debian ``tesseract`` binary with ``eng+spa`` traineddata,
  run as a subprocess (TSV output). Good on clean renders, much worse on degraded ones.

Engines are safe to share between worker threads (ONNX Runtime sessions are thread-safe;
Tesseract runs one process per image).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

Box = tuple[float, float, float, float]


@dataclass(slots=True)
class OcrLine:
    """One line of text: ``box`` is ``(x0, y0, x1, y1)`` in pixels, ``confidence`` in [0, 1]."""

    text: str
    confidence: float
    box: Box


class OcrEngine(Protocol):
    id: str  # recorded on every OCR segment, so a model change can be reindexed

    def read(self, images: list[np.ndarray]) -> list[list[OcrLine]]:
        """Lines read from each RGB uint8 image (H x W x 3), in reading order; one list per image."""
        ...


def reading_order(lines: list[OcrLine]) -> list[OcrLine]:
    """Sort lines top-to-bottom, and left-to-right among lines that share a row.

    Two lines share a row when their vertical centres are closer than half the smaller height,
    which keeps side-by-side columns of a slide or a label on one row but never merges two rows.
    """
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda ln: (ln.box[1] + ln.box[3]) / 2):
        centre = (line.box[1] + line.box[3]) / 2
        height = line.box[3] - line.box[1]
        if rows:
            last = rows[-1][-1]
            last_centre = (last.box[1] + last.box[3]) / 2
            if abs(centre - last_centre) < min(height, last.box[3] - last.box[1]) / 2:
                rows[-1].append(line)
                continue
        rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda ln: ln.box[0])]


def as_rgb(image: np.ndarray) -> np.ndarray:
    if image.dtype != np.uint8:
        raise ValueError(f"OCR expects uint8 pixels, got {image.dtype}")
    if image.ndim == 2:
        return np.repeat(image[:, :, None], 3, axis=2)
    if image.ndim == 3 and image.shape[2] == 4:
        return image[:, :, :3]
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    raise ValueError(f"OCR expects an H x W x 3 image, got shape {image.shape}")
