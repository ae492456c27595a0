"""RapidOCR: PP-OCR (detection + recognition) ONNX models from the ``rapidocr`` wheel.

A picture costs one detection pass over its pixels and one recognition pass per line found; most
photos hold no text, and a caption's letters are large. So each picture is first *scouted*: the
detector runs at half the scale the library would use (a quarter of the pixels), and

- no pixel reaches the detector's own text threshold: the picture holds no text, and is done;
- every region that does is inside a line box of a trustworthy height (``_LINE_PX`` at scout
  scale: big enough to have been found whole, small enough to be one line and not a textured
  surface): those lines are cut from the picture at full resolution and recognised;
- anything else (letters too small to box at half scale, fragments, a region the size of a wall):
  the library's own full pass reads the picture, exactly as before the scout existed.

``scout_regions`` in ``ocr/text_scout.py`` makes that decision; tests/extract/test_ocr.py and
test_ocr_scout.py hold it to the full pass's results. The recogniser reads the same crops at the
same 48 px height either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from mediasift.errors import BackendUnavailable
from mediasift.models.onnx_session import cpu_session, shipped_graph
from mediasift.models.registry import InferenceModel
from mediasift.ocr import rapidocr_import
from mediasift.ocr.base import OcrLine, as_rgb, reading_order
from mediasift.ocr.detector_input import DetectorInput
from mediasift.ocr.text_scout import scout_regions

if TYPE_CHECKING:
    from rapidocr import RapidOCR
    from rapidocr.ch_ppocr_det import TextDetector
    from rapidocr.ch_ppocr_rec import TextRecognizer


@dataclass(frozen=True, slots=True)
class _Weights:
    ocr: RapidOCR  # the library's pipeline, on the detector and recogniser below
    det: TextDetector
    rec: TextRecognizer
    scout: bool


class RapidOcrEngine(InferenceModel[_Weights]):
    """PP-OCR (det + rec, no angle classifier) under ONNX Runtime, via ``rapidocr``.

    ``limit_type=max, limit_side_len=960`` caps detection at 960 px on the long side: the library's
    default (``min``, 736) *upscales* small images and costs ~1.5 s per image instead of ~0.2 s.
    ``scout=False`` reads every picture with the library's full pass (the reference the scout is
    tested and benchmarked against). ``cache_dirs``: where the library's graphs, stripped of their
    subnormal weights, are kept (``models/onnx_session.shipped_graph``).
    """

    id = "rapidocr-3.10-ppocrv6-small"

    def __init__(
        self,
        threads: int = 2,
        min_confidence: float = 0.5,
        scout: bool = False,
        cache_dirs: Sequence[Path] = (),
    ) -> None:
        self._threads, self._min_confidence, self._scout = threads, min_confidence, scout
        self._cache_dirs = tuple(cache_dirs)

    def load(self) -> _Weights:
        try:
            library = rapidocr_import.imported()
        except ImportError as exc:  # pragma: no cover - rapidocr is a core dependency
            raise BackendUnavailable("OCR engine 'rapidocr' needs: pip install rapidocr onnxruntime") from exc
        ocr = library.RapidOCR(
            params={
                "Global.log_level": "error",  # "warning" logs every picture without text
                "Global.use_cls": False,
                "Global.text_score": self._min_confidence,
                "Det.limit_type": "max",
                "Det.limit_side_len": 960,
            }
        )
        det, rec = _on_own_sessions(ocr, self._threads, self._cache_dirs)
        return _Weights(ocr, det, rec, self._scout)

    def read(self, images: list[np.ndarray]) -> list[list[OcrLine]]:
        with self.loaded() as weights:
            return [_read_one(weights, as_rgb(image)) for image in images]


def _on_own_sessions(
    ocr: RapidOCR, threads: int, cache_dirs: Sequence[Path]
) -> tuple[TextDetector, TextRecognizer]:
    """The library's detector and recogniser, built on sessions of our own (``cpu_session``: threads
    that sleep when idle, where the library's spin; graphs without the subnormal weights the
    detector ships, which slow an Intel core ~3x) and installed in ``ocr``, where it would build
    its own at its first call."""
    from omegaconf import DictConfig, OmegaConf
    from rapidocr.ch_ppocr_det import TextDetector
    from rapidocr.ch_ppocr_rec import TextRecognizer
    from rapidocr.inference_engine.base import FileInfo, InferSession

    def section(cfg: DictConfig) -> dict[str, Any]:
        built = OmegaConf.create({}, flags={"allow_objects": True})
        for key in cfg:
            built[key] = cfg[key]
        built.engine_cfg = ocr.cfg.EngineConfig[cfg.engine_type.value]
        built.model_root_dir = ocr.cfg.Global.model_root_dir
        built.font_path = ocr.cfg.Global.font_path
        info = FileInfo(cfg.engine_type, cfg.ocr_version, cfg.task_type, cfg.lang_type, cfg.model_type)
        name = InferSession.get_model_url(info)["model_dir"].rsplit("/", 1)[-1]
        built.session = cpu_session(shipped_graph(built.model_root_dir / name, cache_dirs), threads)
        return cast("dict[str, Any]", built)  # the library reads its sections as DictConfig

    det, rec = TextDetector(section(ocr.cfg.Det)), TextRecognizer(section(ocr.cfg.Rec))

    def tabled() -> Any:  # the library's input, the same array computed by table (detector_input.py)
        return DetectorInput(int(det.limit_side_len or 0), str(det.limit_type), det.mean, det.std)

    det.get_preprocess = tabled  # type: ignore[method-assign]
    ocr.text_det, ocr.text_rec = det, rec  # type: ignore[assignment]  # typed None until loaded
    return det, rec


def _read_one(weights: _Weights, rgb: np.ndarray) -> list[OcrLine]:
    # rapidocr treats a bare ndarray as OpenCV's BGR; our contract is RGB.
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    quads = scout_regions(weights.det, bgr) if weights.scout else None
    if quads is None:
        return _full_pass(weights.ocr, bgr)
    return _recognised(weights, bgr, quads)


def _full_pass(ocr: RapidOCR, bgr: np.ndarray) -> list[OcrLine]:
    from rapidocr.utils.output import RapidOCROutput

    result = ocr(bgr)
    # detection, classification and recognition all on: the full result, never a stage's own
    assert isinstance(result, RapidOCROutput)
    if result.boxes is None or result.txts is None or result.scores is None:
        return []
    return _lines(result.boxes, result.txts, result.scores, ocr.text_score)


def _recognised(weights: _Weights, bgr: np.ndarray, quads: np.ndarray) -> list[OcrLine]:
    """The lines in ``quads`` (4 x 2 corner points each, picture pixels), read as the library's
    full pass reads the boxes it detects."""
    if not len(quads):
        return []
    from rapidocr.ch_ppocr_rec import TextRecInput
    from rapidocr.utils.process_img import get_rotate_crop_image

    crops = [get_rotate_crop_image(bgr, quad.astype(np.float32)) for quad in quads]
    result = weights.rec(TextRecInput(img=crops))
    if result.txts is None:
        return []
    return _lines(quads, result.txts, result.scores, weights.ocr.text_score)


def _lines(quads: Any, texts: Any, scores: Any, min_score: float) -> list[OcrLine]:
    lines = []
    for quad, text, score in zip(quads, texts, scores, strict=True):
        if not text.strip() or score < min_score:
            continue
        xs, ys = quad[:, 0], quad[:, 1]
        box = (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))
        lines.append(OcrLine(text=text.strip(), confidence=float(score), box=box))
    return reading_order(lines)
