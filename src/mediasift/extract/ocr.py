"""Reading text in pictures: the ``OcrEngine`` interface, its two engines and the factory.

An engine takes RGB ``uint8`` arrays (H x W x 3) and returns, per image, the lines it read in
reading order (top to bottom, then left to right), each with a confidence in [0, 1] and a pixel box
``(x0, y0, x1, y1)`` in the coordinates of the image it was given.

- ``rapidocr`` (default): PP-OCR ONNX models bundled in the ``rapidocr`` wheel. Measured in
  DESIGN.md "Engines" far ahead of Tesseract on degraded and photographed text; the bundled
  recogniser reads Spanish accents (á é í ó ú ñ ¿) correctly.
- ``tesseract``: the Debian ``tesseract`` binary with ``eng+spa`` traineddata, run as a subprocess
  (TSV output). Good on clean renders, much worse on degraded ones.

Engines are loaded once per process through ``ModelRegistry`` and are safe to share between worker
threads (ONNX Runtime sessions are thread-safe; Tesseract runs one process per image).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from mediasift.errors import BackendUnavailable

if TYPE_CHECKING:
    from mediasift.config import Settings
    from mediasift.models.registry import ModelRegistry

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


def _as_rgb(image: np.ndarray) -> np.ndarray:
    if image.dtype != np.uint8:
        raise ValueError(f"OCR expects uint8 pixels, got {image.dtype}")
    if image.ndim == 2:
        return np.repeat(image[:, :, None], 3, axis=2)
    if image.ndim == 3 and image.shape[2] == 4:
        return image[:, :, :3]
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    raise ValueError(f"OCR expects an H x W x 3 image, got shape {image.shape}")


class RapidOcrEngine:
    """PP-OCR (det + rec, no angle classifier) under ONNX Runtime, via ``rapidocr``.

    ``limit_type=max, limit_side_len=960`` caps detection at 960 px on the long side: the library's
    default (``min``, 736) *upscales* small images and costs ~1.5 s per image instead of ~0.2 s.
    """

    id = "rapidocr-3.10-ppocrv6-small"

    def __init__(self, threads: int = 2, min_confidence: float = 0.5) -> None:
        try:
            from rapidocr import RapidOCR
        except ImportError as exc:  # pragma: no cover - rapidocr is a core dependency
            raise BackendUnavailable("OCR engine 'rapidocr' needs: pip install rapidocr onnxruntime") from exc
        self._ocr = RapidOCR(
            params={
                "Global.log_level": "error",  # "warning" logs every picture without text
                "Global.use_cls": False,
                "Global.text_score": min_confidence,
                "Det.limit_type": "max",
                "Det.limit_side_len": 960,
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
        )

    def read(self, images: list[np.ndarray]) -> list[list[OcrLine]]:
        return [self._read_one(_as_rgb(image)) for image in images]

    def _read_one(self, rgb: np.ndarray) -> list[OcrLine]:
        # rapidocr treats a bare ndarray as OpenCV's BGR; our contract is RGB.
        result = self._ocr(np.ascontiguousarray(rgb[:, :, ::-1]))
        if result.boxes is None or result.txts is None:
            return []
        lines = []
        for quad, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
            if not text.strip():
                continue
            xs, ys = quad[:, 0], quad[:, 1]
            box = (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))
            lines.append(OcrLine(text=text.strip(), confidence=float(score), box=box))
        return reading_order(lines)


# ISO 639-1 (settings.ocr_languages) -> Tesseract traineddata names.
_TESSERACT_LANGS = {"en": "eng", "es": "spa", "fr": "fra", "de": "deu", "it": "ita", "pt": "por"}


class TesseractEngine:
    """The ``tesseract`` binary (Debian ``tesseract-ocr`` + language packs), one subprocess per image.

    ``OMP_THREAD_LIMIT=1``: Tesseract's OpenMP threads slow it down when worker threads already
    use every core. Word confidences (0-100) are averaged into a line confidence in [0, 1].
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

    def read(self, images: list[np.ndarray]) -> list[list[OcrLine]]:
        return [self._read_one(_as_rgb(image)) for image in images]

    def _read_one(self, rgb: np.ndarray) -> list[OcrLine]:
        from PIL import Image

        png = io.BytesIO()
        Image.fromarray(rgb).save(png, format="PNG", compress_level=1)
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        proc = subprocess.run(
            [self._binary, "stdin", "stdout", "-l", self.languages, "--psm", "3", "tsv"],
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


def get_ocr_engine(models: ModelRegistry, settings: Settings) -> OcrEngine:
    """The engine named by ``settings.ocr_engine``, loaded once per process through the registry."""
    name = settings.ocr_engine
    if name == "rapidocr":
        return models.get(
            f"ocr:rapidocr:{settings.model_threads}", lambda: RapidOcrEngine(settings.model_threads)
        )
    if name == "tesseract":
        langs = list(settings.ocr_languages)
        return models.get(f"ocr:tesseract:{'+'.join(langs)}", lambda: TesseractEngine(langs))
    raise BackendUnavailable(f"unknown OCR engine {name!r}; choose rapidocr or tesseract")
