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


def test_a_caption_is_burned_in_as_written_per_cent_sign_included(tmp_path: Path) -> None:
    caption = mediagen.Caption("SUMMER SALE 30% OFF BIKES", 0.5, 2.5)
    talk = mediagen.talk_video(tmp_path, script=[("en", "Bikes are on sale.")], captions=[caption])
    frame = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", "1.5", "-i", str(talk.path), "-frames:v", "1", "-f", "image2pipe",
         "-vcodec", "png", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    gray = np.asarray(Image.open(io.BytesIO(frame)).convert("L"))
    band = gray[int(gray.shape[0] * 0.7) :]  # where captions are drawn
    assert band.max() > 200 and band.min() < 60  # white letters on their dark box, not a flat scene
