"""The generated media the tests and benchmarks rely on show what they claim to show."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests import mediagen

pytestmark = pytest.mark.skipif(not mediagen.have_tools(), reason="needs ffmpeg, espeak-ng and the font")


def _frame(video: Path, at_s: float) -> np.ndarray:
    """The frame at ``at_s`` seconds, gray."""
    png = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", str(at_s), "-i", str(video), "-frames:v", "1", "-f", "image2pipe",
         "-vcodec", "png", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"))


def test_a_caption_is_burned_in_as_written_per_cent_sign_included(tmp_path: Path) -> None:
    caption = mediagen.Caption("SUMMER SALE 30% OFF BIKES", 0.5, 2.5)
    talk = mediagen.talk_video(tmp_path, script=[("en", "Bikes are on sale.")], captions=[caption])
    gray = _frame(talk.path, 1.5)
    band = gray[int(gray.shape[0] * 0.7) :]  # where captions are drawn
    scene = int(np.median(gray[: gray.shape[0] // 2]))  # the plain scene colour above the caption
    assert band.max() > 200 and band.min() < scene - 15  # white letters on their darker box


def test_a_long_caption_fits_the_frame_and_a_short_one_keeps_its_size(tmp_path: Path) -> None:
    long, short = "PLATFORM 4 TRAINS TO VALENCIA", "MOUNTAIN BIKE SALE"
    assert mediagen.caption_size(short, (640, 360)) == 360 // 9
    assert mediagen.caption_size(long, (640, 360)) < 360 // 9
    caption = mediagen.Caption(long, 0.5, 2.5)
    talk = mediagen.talk_video(tmp_path, script=[("en", "Trains leave hourly.")], captions=[caption])
    gray = _frame(talk.path, 1.5)
    band = gray[int(gray.shape[0] * 0.7) :]
    scene = int(np.median(gray[: gray.shape[0] // 2]))  # the plain scene colour above the caption
    edges = np.concatenate([band[:, :4].ravel(), band[:, -4:].ravel()])
    assert np.all(np.abs(edges.astype(int) - scene) <= 3)  # neither the box nor a letter at the edges
