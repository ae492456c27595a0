"""Long pictures (full-page screenshots, receipts) are read in tiles, so their text keeps its size:
every line is found once, with its box where it was drawn."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from mediasift.extract.ocr_tiles import read_picture
from mediasift.media.images import bounded
from mediasift.ocr.factory import get_ocr_engine

from .imaging_samples import FONT, settings, shared

WIDTH, HEIGHT, MAX_SIDE = 900, 7200, 2000
# (text, top y in px): one line straddles the first tile boundary, which is at 1,900 px.
LINES = [
    ("Order number 4417 confirmed", 120),
    ("Delivery window Tuesday morning", 1880),
    ("Invoice total ninety dollars", 3350),
    ("Warranty card enclosed", 5100),
    ("Thank you for shopping", 7050),
]


@pytest.fixture(scope="module")
def engine():  # type: ignore[no-untyped-def]
    return get_ocr_engine(shared()[0], settings())


@pytest.fixture(scope="module")
def screenshot() -> Image.Image:
    font = ImageFont.truetype(FONT, 30)
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    for text, top in LINES:
        draw.text((40, top), text, fill="black", font=font)
    return image


def _normalised(text: str) -> str:
    return " ".join(text.lower().split())


def test_every_line_of_a_long_screenshot_is_read_once_where_it_was_drawn(engine, screenshot) -> None:
    lines = read_picture(engine, screenshot, MAX_SIDE)
    for text, top in LINES:
        found = [ln for ln in lines if _normalised(text) in _normalised(ln.text)]
        assert len(found) == 1, (text, [ln.text for ln in lines])
        x0, y0, x1, _y1 = found[0].box
        assert abs(y0 - top) < 25 and x0 < 80 and x1 <= WIDTH, (text, found[0].box)
    tops = [ln.box[1] for ln in lines]
    assert tops == sorted(tops)  # reading order runs down the page


def test_scaling_the_whole_screenshot_to_fit_would_lose_its_text(engine, screenshot) -> None:
    # Why tiles: shrunk to 2,000 px tall, the 30 px letters are 8 px and most lines are lost.
    small = bounded(screenshot, MAX_SIDE)
    (lines,) = engine.read([np.asarray(small)])
    read = _normalised(" ".join(ln.text for ln in lines))
    assert sum(_normalised(text) in read for text, _ in LINES) < len(LINES)


def test_a_picture_that_fits_is_read_in_one_pass_with_boxes_in_its_own_pixels(engine) -> None:
    font = ImageFont.truetype(FONT, 60)
    image = Image.new("RGB", (3000, 2400), "white")  # larger than MAX_SIDE but not elongated
    ImageDraw.Draw(image).text((600, 1500), "Fits in one pass", fill="black", font=font)
    (line,) = read_picture(engine, image, MAX_SIDE)
    assert _normalised(line.text) == "fits in one pass"
    assert abs(line.box[0] - 600) < 30 and abs(line.box[1] - 1500) < 30  # mapped back from 2000 px


@pytest.mark.parametrize("size", [(2_000, 1), (1_000_000, 1), (1, 1_000_000), (3, 40_000)])
def test_a_strip_too_thin_for_a_line_of_text_is_not_read(engine, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    # rapidocr scaled a 2,000 x 1 strip up to 32 px and padded it to a quarter of its length
    # (60,000 x 15,000): 2.6 GB traced for a picture under every pixel limit, a worker's MemoryError.
    import tracemalloc

    strip = Image.new("RGB", size, (240, 240, 240))
    tracemalloc.start()
    try:
        assert read_picture(engine, strip, 2000) == []
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20, peak
