"""Tesseract: the ``tesseract`` binary run as a subprocess per image, its TSV output read into lines."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess

import numpy as np

from mediasift.errors import BackendUnavailable
from mediasift.models.registry import InferenceModel
from mediasift.ocr.base import OcrLine, as_rgb, reading_order

# ISO 639-1 (settings.ocr_languages) -> Tesseract traineddata names.
_TESSERACT_LANGS = {"en": "eng", "es": "spa", "fr": "fra", "de": "deu", "it": "ita", "pt": "por"}


class TesseractEngine(InferenceModel[str]):
    """The ``tesseract`` binary (Debian ``tesseract-ocr`` + language packs), one subprocess per image.

    ``OMP_THREAD_LIMIT=1``: Tesseract's OpenMP threads slow it down when worker threads already
    use every core. Word confidences (0-100) are averaged into a line confidence in [0, 1]. It has
    no weights: ``load`` hands over the binary found when the engine was built.
    """

    def __init__(self, languages: list[str] | None = None, binary: str = "tesseract") -> None:
        path = shutil.which(binary)
        if path is None:
            raise BackendUnavailable(
                "OCR engine 'tesseract' needs: apt-get install tesseract-ocr tesseract-ocr-spa"
            )
        self._binary = path
        codes = [_TESSERACT_LANGS.get(lang, lang) for lang in (languages or ["en", "es"])]
        self.languages = "+".join(codes)
        self.id = f"tesseract-{self.languages}"

    def load(self) -> str:
        return self._binary

    def read(self, images: list[np.ndarray]) -> list[list[OcrLine]]:
        with self.loaded() as binary:
            return [self._read_one(binary, as_rgb(image)) for image in images]

    def _read_one(self, binary: str, rgb: np.ndarray) -> list[OcrLine]:
        from PIL import Image

        png = io.BytesIO()
        Image.fromarray(rgb).save(png, format="PNG", compress_level=1)
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        proc = subprocess.run(
            [binary, "stdin", "stdout", "-l", self.languages, "--psm", "3", "tsv"],
            input=png.getvalue(),
            capture_output=True,
            env=env,
            timeout=300,
            check=False,
        )
        if proc.returncode != 0:
            message = proc.stderr.decode(errors="replace").strip()
            raise BackendUnavailable(f"tesseract failed ({proc.returncode}): {message[-300:]}")
        return reading_order(_lines_from_tsv(proc.stdout.decode("utf-8", errors="replace")))


def _lines_from_tsv(tsv: str) -> list[OcrLine]:
    """Group Tesseract's word rows (level 5) into lines by (block, paragraph, line) number."""
    words: dict[tuple[str, str, str], list[dict[str, str]]] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row.get("level") == "5" and (row.get("text") or "").strip() and float(row["conf"]) >= 0:
            words.setdefault((row["block_num"], row["par_num"], row["line_num"]), []).append(row)
    lines = []
    for group in words.values():
        x0 = min(float(w["left"]) for w in group)
        y0 = min(float(w["top"]) for w in group)
        x1 = max(float(w["left"]) + float(w["width"]) for w in group)
        y1 = max(float(w["top"]) + float(w["height"]) for w in group)
        confidence = sum(float(w["conf"]) for w in group) / len(group) / 100.0
        text = " ".join(w["text"].strip() for w in group)
        lines.append(OcrLine(text=text, confidence=round(confidence, 4), box=(x0, y0, x1, y1)))
    return lines
