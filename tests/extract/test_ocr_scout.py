"""The OCR scout (``ocr_scout``): half-scale detection says a photo holds no text, or where its lines
are, or hands the picture to the full pass; what it reads is what the full pass reads."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from mediasift.ocr.rapidocr import RapidOcrEngine
from mediasift.ocr.text_scout import scout_regions

from .imaging_samples import ENGLISH, FONT, SPANISH, cer, degrade, photo, render_text, settings, shared
from .test_ocr import read_text


@pytest.fixture(scope="module")
def scouting() -> RapidOcrEngine:
    from mediasift.ocr.factory import get_ocr_engine

    return get_ocr_engine(shared()[0], settings(ocr_scout=True))  # type: ignore[return-value]


@pytest.fixture(scope="module")
def full() -> RapidOcrEngine:
    from mediasift.ocr.factory import get_ocr_engine

    return get_ocr_engine(shared()[0], settings(ocr_scout=False))  # type: ignore[return-value]


def scout(engine: RapidOcrEngine, rgb: np.ndarray) -> np.ndarray | None:
    with engine.loaded() as weights:
        return scout_regions(weights.det, np.ascontiguousarray(rgb[:, :, ::-1]))


def test_a_photo_without_text_costs_one_half_scale_pass_and_reads_nothing(scouting) -> None:
    camera = np.asarray(photo("camera"))
    found = scout(scouting, camera)
    assert found is not None and len(found) == 0  # no text: no full pass, no recognition
    assert scouting.read([camera]) == [[]]


@pytest.mark.parametrize(("language", "lines"), [("en", ENGLISH), ("es", SPANISH)])
def test_the_lines_it_finds_read_as_well_as_the_full_pass(scouting, full, language, lines) -> None:
    clean = np.asarray(render_text(lines))
    found = scout(scouting, clean)
    assert found is not None and len(found) == len(lines)  # the scout vouched for every line
    for degraded in (False, True):
        reference = "\n".join(lines)
        scouted, whole = read_text(scouting, lines, degraded), read_text(full, lines, degraded)
        errors = cer(reference, scouted), cer(reference, whole)
        print(f"scout {language} degraded={degraded}: CER {errors[0]:.3f} (full pass {errors[1]:.3f})")
        assert cer(reference, scouted) <= cer(reference, whole)


def test_a_caption_on_a_photo_is_read_from_the_picture_at_full_resolution(scouting) -> None:
    picture = photo("coffee")
    ImageDraw.Draw(picture).text(
        (10, 10), "Fresh coffee every morning", fill="red", font=ImageFont.truetype(FONT, 28)
    )
    rgb = np.asarray(picture)
    (quad,) = scout(scouting, rgb)
    (line,) = scouting.read([rgb])[0]
    assert line.text == "Fresh coffee every morning"
    assert line.box == (
        float(quad[:, 0].min()),
        float(quad[:, 1].min()),
        float(quad[:, 0].max()),
        float(quad[:, 1].max()),
    )  # in the picture's own pixels
    assert line.box[1] < 20 and line.box[3] > 35


def test_text_too_small_to_box_at_half_scale_goes_to_the_full_pass(scouting, full) -> None:
    # 14 px letters in a 1,600 px screenshot: 4 px at half the library's detection scale
    image = Image.new("RGB", (1600, 1200), "white")
    draw, font = ImageDraw.Draw(image), ImageFont.truetype(FONT, 14)
    draw.text((200, 400), "Fresh coffee beans every morning", fill="black", font=font)
    draw.text((200, 428), "Open daily from 7 to 19", fill="black", font=font)
    rgb = np.asarray(image)
    assert scout(scouting, rgb) is None
    assert [ln.text for ln in scouting.read([rgb])[0]] == [ln.text for ln in full.read([rgb])[0]]


def test_scanned_pages_are_left_to_the_full_pass(scouting, full) -> None:
    page = np.asarray(degrade(render_text(ENGLISH * 8, size=28, width=2000)))
    assert scout(scouting, page) is None
    assert scouting.read([page]) == full.read([page])
