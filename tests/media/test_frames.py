"""Video frames stream at a fixed sampling rate, downscaled, in presentation order."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from mediasift.errors import CorruptMedia
from mediasift.media.frames import _luma, iter_frames, scaled_size
from mediasift.media.probe import probe
from tests import mediagen


def test_frames_are_sampled_every_half_second_as_rgb(talk_mp4: mediagen.Talk) -> None:
    frames = list(iter_frames(talk_mp4.path, every_s=0.5))
    times = [f.time_s for f in frames]
    assert times[0] == 0.0
    gaps = np.diff(times)
    assert gaps.min() >= 0.45 and gaps.max() <= 0.6  # 15 fps: the first frame at or after each 0.5 s
    assert len(frames) == pytest.approx(talk_mp4.duration_s / 0.5, abs=2)
    assert frames[0].image.dtype == np.uint8 and frames[0].image.shape == (360, 640, 3)


def test_frames_are_downscaled_to_the_longer_side_asked(talk_mp4: mediagen.Talk) -> None:
    first = next(iter_frames(talk_mp4.path, every_s=5.0, max_side=320))
    assert first.image.shape == (180, 320, 3)


def test_scaling_keeps_aspect_never_enlarges_and_rounds_to_even_pixels() -> None:
    assert scaled_size(1920, 1080, 960) == (960, 540)
    assert scaled_size(640, 360, 960) == (640, 360)
    assert scaled_size(1080, 1920, 500) == (282, 500)


def test_caption_pixels_are_in_the_frames_while_it_is_on_screen(talk_mp4: mediagen.Talk) -> None:
    caption = talk_mp4.captions[0]
    frames = {f.time_s: f.image for f in iter_frames(talk_mp4.path, every_s=0.5)}
    shown = frames[min(frames, key=lambda t: abs(t - (caption.start_s + 1.0)))]
    gone = frames[min(frames, key=lambda t: abs(t - (caption.end_s + 1.0)))]
    band = slice(int(360 * 0.7), int(360 * 0.9))
    assert (shown[band] > 230).all(axis=2).sum() > 500  # white glyphs
    assert (gone[band] > 230).all(axis=2).sum() == 0


@pytest.mark.parametrize("layout", ["yuv420p", "yuvj420p", "yuv422p", "yuv444p", "nv12", "nv21"])
@pytest.mark.parametrize("color_range", [0, 1, 2])
def test_luma_read_directly_is_the_gray_swscale_converts(layout: str, color_range: int) -> None:
    rng = np.random.default_rng(7)
    frame = av.VideoFrame(642, 362, layout)  # rows padded past the width
    frame.color_range = color_range
    for plane in frame.planes:
        plane.update(rng.integers(0, 256, plane.buffer_size, dtype=np.uint8))
    expected = frame.to_ndarray(width=642, height=362, format="gray")
    assert np.array_equal(_luma(frame, 642, 362), expected)
    assert np.array_equal(_luma(frame, 320, 180), frame.to_ndarray(width=320, height=180, format="gray"))


def test_gray_frames_are_the_luma_of_the_rgb_ones(talk_mp4: mediagen.Talk) -> None:
    grays = list(iter_frames(talk_mp4.path, every_s=2.0, gray=True))
    colours = list(iter_frames(talk_mp4.path, every_s=2.0))
    assert [g.time_s for g in grays] == [c.time_s for c in colours]
    assert grays[0].image.shape == (360, 640)
    for g, c in zip(grays, colours, strict=True):  # the same picture, up to the YUV matrix used
        assert np.abs(g.image.astype(int) - cv2.cvtColor(c.image, cv2.COLOR_RGB2GRAY)).mean() < 4


def test_index_first_mp4_cut_short_is_caught_as_truncated(talk_mp4: mediagen.Talk, tmp_path: Path) -> None:
    cut = mediagen.truncated_copy(
        mediagen.faststart_copy(talk_mp4.path, tmp_path / "fast.mp4"), tmp_path / "cut.mp4", 0.5
    )
    with pytest.raises(CorruptMedia, match="truncated"):
        for _ in iter_frames(cut, expected_duration_s=probe(cut).duration_s):
            pass
