"""OCR engines read English and Spanish (accents included) in reading order, with confidences."""

from __future__ import annotations

import numpy as np
import pytest

from mediasift.ocr.base import OcrLine, reading_order
from mediasift.ocr.factory import get_ocr_engine
from mediasift.ocr.rapidocr import RapidOcrEngine
from mediasift.ocr.tesseract import TesseractEngine

from .imaging_samples import ENGLISH, SPANISH, cer, degrade, photo, render_text, settings, shared


@pytest.fixture(scope="module")
def rapid() -> RapidOcrEngine:
    return get_ocr_engine(shared()[0], settings())  # type: ignore[return-value]


@pytest.fixture(scope="module")
def tesseract() -> TesseractEngine:
    return get_ocr_engine(shared()[0], settings(ocr_engine="tesseract"))  # type: ignore[return-value]


def read_text(engine: RapidOcrEngine | TesseractEngine, lines: list[str], degraded: bool = False) -> str:
    image = render_text(lines)
    if degraded:
        image = degrade(image)
    (read,) = engine.read([np.asarray(image)])
    return "\n".join(line.text for line in read)


@pytest.mark.parametrize(("language", "lines", "max_cer"), [("en", ENGLISH, 0.02), ("es", SPANISH, 0.03)])
def test_rapidocr_reads_clean_text_in_english_and_spanish(rapid, language, lines, max_cer) -> None:
    text = read_text(rapid, lines)
    error = cer("\n".join(lines), text)
    print(f"rapidocr clean {language}: CER {error:.3f}")
    assert error <= max_cer, text


def test_rapidocr_keeps_spanish_accents_and_enye(rapid) -> None:
    text = read_text(rapid, SPANISH)
    for word in (
        "Dónde",
        "está",
        "estación",
        "niño",
        "comió",
        "piña",
        "jamón",
        "Información",
        "pública",
        "año",
    ):
        assert word in text


@pytest.mark.parametrize(("language", "lines"), [("en", ENGLISH), ("es", SPANISH)])
def test_rapidocr_reads_blurred_noisy_jpeg_text(rapid, language, lines) -> None:
    error = cer("\n".join(lines), read_text(rapid, lines, degraded=True))
    print(f"rapidocr degraded {language}: CER {error:.3f}")
    assert error <= 0.05


@pytest.mark.parametrize(("language", "lines"), [("en", ENGLISH), ("es", SPANISH)])
def test_tesseract_reads_clean_text_in_english_and_spanish(tesseract, language, lines) -> None:
    text = read_text(tesseract, lines)
    error = cer("\n".join(lines), text)
    print(f"tesseract clean {language}: CER {error:.3f}")
    assert error <= 0.03, text
    assert tesseract.languages == "eng+spa"


def test_lines_carry_confidence_and_pixel_boxes(rapid) -> None:
    (lines,) = rapid.read([np.asarray(render_text(["first line", "second line"]))])
    assert [ln.text for ln in lines] == ["first line", "second line"]
    for line in lines:
        assert 0.5 <= line.confidence <= 1.0
        x0, y0, x1, y1 = line.box
        assert 0 <= x0 < x1 <= 900 and 0 <= y0 < y1
    assert lines[0].box[3] <= lines[1].box[1] + 5  # the first line sits above the second


def test_one_list_per_image_and_blank_images_read_nothing(rapid) -> None:
    blank = np.full((200, 400, 3), 255, dtype=np.uint8)
    results = rapid.read([blank, np.asarray(render_text(["hola"])), blank])
    assert [len(r) for r in results] == [0, 1, 0]


def test_reading_order_goes_down_rows_then_left_to_right() -> None:
    right = OcrLine("right", 0.9, (300, 12, 400, 40))
    left = OcrLine("left", 0.9, (10, 10, 100, 38))
    below = OcrLine("below", 0.9, (10, 60, 100, 90))
    assert [ln.text for ln in reading_order([below, right, left])] == ["left", "right", "below"]


def test_factory_loads_each_engine_once_per_registry() -> None:
    models, _ = shared()
    first = get_ocr_engine(models, settings())
    assert get_ocr_engine(models, settings()) is first
    assert first.id.startswith("rapidocr")
    assert get_ocr_engine(models, settings(ocr_engine="tesseract")).id == "tesseract-eng+spa"


@pytest.mark.parametrize("limit", [960, 480])
def test_the_detector_input_is_the_librarys_own_bit_for_bit(rapid, limit) -> None:
    from rapidocr.ch_ppocr_det.utils import DetPreProcess

    from mediasift.ocr.detector_input import DetectorInput

    with rapid.loaded() as weights:
        det = weights.det
        assert isinstance(det.get_preprocess(), DetectorInput)  # what the full pass detects on
        pictures = [photo("astronaut"), photo("coffee").resize((1280, 853)), degrade(render_text(SPANISH))]
        for picture in pictures:
            bgr = np.ascontiguousarray(np.asarray(picture)[:, :, ::-1])
            library = DetPreProcess(limit, "max", det.mean, det.std)(bgr)
            tabled = DetectorInput(limit, "max", det.mean, det.std)(bgr)
            assert library is not None and tabled is not None
            assert tabled.dtype == library.dtype and np.array_equal(tabled, library)


def test_the_engine_reads_its_graphs_without_subnormal_weights_kept_in_the_model_cache(tmp_path) -> None:
    """RapidOCR's detector ships subnormal weights (an Intel core multiplies them ~3x slower); the
    engine's sessions are built from copies without them, kept in the model cache once."""
    import onnx
    from onnx import numpy_helper

    engine = RapidOcrEngine(threads=1, cache_dirs=[tmp_path])
    (read,) = engine.read([np.asarray(render_text(["Call us today"]))])
    assert cer("Call us today", "\n".join(line.text for line in read)) <= 0.05

    (detector,) = tmp_path.glob("PP-OCRv6_det_small-*.flushed.onnx")
    (recogniser,) = tmp_path.glob("PP-OCRv6_rec_small-*.flushed.onnx")  # 241 of its own
    tiny = np.finfo(np.float32).tiny
    for kept in (detector, recogniser):
        for weights in onnx.load(str(kept)).graph.initializer:
            values = numpy_helper.to_array(weights)
            if values.dtype == np.float32:
                assert not ((values != 0) & (np.abs(values) < tiny)).any(), weights.name
