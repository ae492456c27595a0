"""Keyframes follow what is on screen: cuts and new captions, at most one per minimum interval,
and no copies of a picture that has not changed."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from mediasift.extract.keyframes import (
    Keyframe,
    KeyframeSelector,
    assign_spans,
    frame_artifact_name,
    jpeg_bytes,
)
from mediasift.media.frames import SampledFrame, iter_frames
from tests import mediagen

SIZE = (360, 640)  # (height, width) in pixels


def flat(rgb: tuple[int, int, int]) -> np.ndarray:
    return np.full((*SIZE, 3), rgb, dtype=np.uint8)


def with_caption(image: np.ndarray, text: str) -> np.ndarray:
    picture = Image.fromarray(image)
    font = ImageFont.truetype(str(mediagen.FONT), 40)
    ImageDraw.Draw(picture).text((60, 260), text, fill=(255, 255, 255), font=font)
    return np.asarray(picture)


def run(selector: KeyframeSelector, frames: list[tuple[float, np.ndarray]]) -> list[Keyframe]:
    kept = []
    for time_s, image in frames:
        keyframe = selector.offer(SampledFrame(time_s, image))
        if keyframe is not None:
            kept.append(keyframe)
    return kept


def every_half_second(duration_s: float, picture_at) -> list[tuple[float, np.ndarray]]:  # type: ignore[no-untyped-def]
    return [(t / 2, picture_at(t / 2)) for t in range(int(duration_s * 2))]


def test_a_static_picture_gives_one_keyframe_however_long_it_lasts() -> None:
    selector = KeyframeSelector(min_interval_s=2, max_interval_s=10)
    kept = run(selector, every_half_second(60, lambda t: flat((30, 60, 90))))
    assert [k.time_s for k in kept] == [0.0]
    assert selector.dropped_duplicates >= 5  # checked at every max interval, dropped as duplicates


def test_a_cut_between_scenes_of_equal_brightness_is_a_keyframe() -> None:
    # 0x1f3a5f and 0x5f1f3a have the same grey level: only colour tells them apart.
    frames = every_half_second(20, lambda t: flat((31, 58, 95)) if t < 8 else flat((95, 31, 58)))
    assert [k.time_s for k in run(KeyframeSelector(), frames)] == [0.0, 8.0]


def test_a_caption_appearing_on_an_unchanged_background_is_a_keyframe() -> None:
    background = flat((31, 58, 95))
    captioned = with_caption(background, "FRESH ORANGE JUICE")
    frames = every_half_second(20, lambda t: captioned if 6 <= t < 12 else background)
    kept = run(KeyframeSelector(min_interval_s=2, max_interval_s=10), frames)
    assert [(k.time_s, k.scene_change) for k in kept] == [(0.0, True), (6.0, True), (12.0, True)]


def test_changes_closer_than_the_minimum_interval_wait_for_it() -> None:
    colours = [(200, 30, 30), (30, 200, 30), (30, 30, 200)]
    frames = every_half_second(10, lambda t: flat(colours[int(t * 2) % 3]))  # flicker every frame
    kept = run(KeyframeSelector(min_interval_s=2, max_interval_s=10), frames)
    assert [k.time_s for k in kept] == [0.0, 2.0, 4.0, 6.0, 8.0]


def test_a_subtle_change_is_sampled_at_the_maximum_interval_unless_it_is_a_near_duplicate() -> None:
    # A faint pattern (±8 grey levels) turning into its negative: no cell moves by 20 levels,
    # but the perceptual hash sees a different picture.
    rows, cols = np.mgrid[0 : SIZE[0], 0 : SIZE[1]]
    wave = np.sin(cols / SIZE[1] * 6 * np.pi) * np.sin(rows / SIZE[0] * 4 * np.pi) * 8
    left = np.repeat((106 + wave)[:, :, None], 3, axis=2).astype(np.uint8)
    right = np.repeat((106 - wave)[:, :, None], 3, axis=2).astype(np.uint8)
    frames = every_half_second(30, lambda t: left if t < 4 else right)
    kept = run(KeyframeSelector(min_interval_s=2, max_interval_s=10), frames)
    assert [(k.time_s, k.scene_change) for k in kept] == [(0.0, True), (10.0, False)]


def test_each_keyframe_spans_until_the_next_and_the_last_until_the_end() -> None:
    kept = run(
        KeyframeSelector(), every_half_second(12, lambda t: flat((200, 0, 0)) if t < 5 else flat((0, 0, 200)))
    )
    assign_spans(kept, end_s=12.0)
    assert [(k.time_s, k.end_s) for k in kept] == [(0.0, 5.0), (5.0, 12.0)]


def test_artifact_names_sort_by_time_and_say_the_millisecond() -> None:
    assert frame_artifact_name(0.0) == "frames/000000000.jpg"
    assert frame_artifact_name(83.5334) == "frames/000083533.jpg"
    assert frame_artifact_name(3600.0) < frame_artifact_name(36000.0)


def test_keyframe_jpegs_are_small_and_at_most_640_pixels_wide() -> None:
    data = jpeg_bytes(with_caption(flat((31, 58, 95)), "MERCADO CENTRAL").repeat(3, axis=0).repeat(3, axis=1))
    picture = Image.open(io.BytesIO(data))
    assert picture.format == "JPEG" and max(picture.size) == 640
    assert len(data) < 60_000


def test_every_caption_of_a_generated_video_is_on_some_keyframe(tmp_path) -> None:  # type: ignore[no-untyped-def]
    if not mediagen.have_tools():
        pytest.skip("needs ffmpeg, espeak-ng and fonts-dejavu-core")
    talk = mediagen.talk_video(tmp_path, "mp4", script=[("en", "Captions come and go.")], min_duration_s=30)
    selector = KeyframeSelector(min_interval_s=2, max_interval_s=10)
    kept = [k for f in iter_frames(talk.path, every_s=0.5) if (k := selector.offer(f)) is not None]
    for caption in talk.captions:
        on_screen = [k for k in kept if caption.start_s <= k.time_s <= caption.end_s]
        assert on_screen, (caption, [k.time_s for k in kept])
        # The caption's white glyphs are in that keyframe's pixels.
        assert (on_screen[0].image[250:330] > 230).all(axis=2).sum() > 300
    assert len(kept) <= talk.duration_s / 2
