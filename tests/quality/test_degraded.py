"""The degraded copy of a real media always scores lower than its original and names the reason."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mediasift.quality import assess

MAX_PIXELS = 50_000_000


@pytest.mark.parametrize(
    ("copy", "reason"),
    [
        ("clipped", "clipping_ratio"),
        ("quiet", "loudness_lufs"),
        ("noisy", "snr_db"),
        ("silent", "silence_ratio"),
    ],
)
def test_degraded_speech_scores_lower_and_names_the_reason(
    speech_copies: dict[str, Path], copy: str, reason: str
) -> None:
    original = assess("audio", speech_copies["original"], [], {}, MAX_PIXELS)
    degraded = assess("audio", speech_copies[copy], [], {}, MAX_PIXELS)
    assert original.overall >= 0.95, original.reasons
    assert degraded.overall < original.overall - 0.1
    assert reason in degraded.names()


def test_speech_measures_are_plausible(speech_copies: dict[str, Path]) -> None:
    measures = assess("audio", speech_copies["original"], [], {}, MAX_PIXELS).measures
    assert -26 < measures["loudness_lufs"] < -16  # espeak-ng speaks at about -21 LUFS
    assert measures["clipping_ratio"] == 0
    assert 0.4 < measures["speech_ratio"] < 0.9  # sentences with 2 s pauses between them
    noisy = assess("audio", speech_copies["noisy"], [], {}, MAX_PIXELS).measures
    assert 6 < noisy["snr_db"] < 14  # noise was added 10 dB under the voiced speech


def test_a_dark_title_card_is_not_a_black_screen(tmp_path: Path) -> None:
    """White letters on navy (mean level 17, ~1 % of the pixels lit) had read as a black screen
    and, with no frame left to judge, as "mean brightness 0/255" too; a black frame with a
    channel's small logo is black."""
    import subprocess

    card, black = tmp_path / "card.mp4", tmp_path / "black.mp4"
    for path, colour, vf in (
        (card, "navy", "drawbox=x=224:y=174:w=192:h=12:c=white:t=fill"),
        (black, "black", "drawbox=x=600:y=10:w=20:h=10:c=white:t=fill"),  # a channel's small logo
    ):
        subprocess.run(
            ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"color=c={colour}:s=640x360:r=25:d=3", "-vf", vf,
             "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)],
            check=True,
        )  # fmt: skip
    titled = assess("video", card, [], {}, MAX_PIXELS)
    assert titled.measures["black_ratio"] == 0 and titled.measures["brightness"] > 10
    assert "black_ratio" not in titled.names()
    blank = assess("video", black, [], {}, MAX_PIXELS)
    assert blank.measures["black_ratio"] > 0.9 and blank.measures["brightness"] is None
    assert "black_ratio" in blank.names() and "brightness" not in blank.names()


@pytest.mark.parametrize(
    ("copy", "reason"),
    [
        ("blurred", "sharpness"),
        ("darkened", "brightness"),
        ("blacked", "black_ratio"),
        ("frozen", "frozen_ratio"),
        ("downscaled", "height"),
        ("shaky", "shake"),
        ("noisy-sound", "snr_db"),
    ],
)
def test_degraded_video_scores_lower_and_names_the_reason(
    video_copies: dict[str, Path], copy: str, reason: str
) -> None:
    original = assess("video", video_copies["original"], [], {}, MAX_PIXELS)
    degraded = assess("video", video_copies[copy], [], {}, MAX_PIXELS)
    assert degraded.overall < original.overall - 0.05
    assert reason in degraded.names()
    assert reason not in original.names()


def test_a_smooth_pan_is_not_shaky(video_copies: dict[str, Path]) -> None:
    """The camera moves in both; only the hand-held one jolts at every sample."""
    panned = assess("video", video_copies["panned"], [], {}, MAX_PIXELS)
    shaky = assess("video", video_copies["shaky"], [], {}, MAX_PIXELS)
    assert "shake" not in panned.names()
    assert panned.measures["shake"] < 1.0 < 5.0 < shaky.measures["shake"]


def test_black_and_frozen_stretches_say_when(video_copies: dict[str, Path]) -> None:
    black = assess("video", video_copies["blacked"], [], {}, MAX_PIXELS)
    [[start, end]] = black.measures["black_stretches"]
    assert start == pytest.approx(2.0, abs=0.5) and end == pytest.approx(5.0, abs=0.6)
    assert "2.0–5" in next(r.message for r in black.reasons if r.measure == "black_ratio")
    frozen = assess("video", video_copies["frozen"], [], {}, MAX_PIXELS).measures["frozen_stretches"]
    assert frozen and frozen[0][0] == pytest.approx(2.0, abs=0.6) and frozen[0][1] >= 4.5
    assert assess("video", video_copies["original"], [], {}, MAX_PIXELS).measures["frozen_stretches"] == []


@pytest.mark.parametrize(
    ("copy", "reason"),
    [
        ("blurred", "sharpness"),
        ("darkened", "brightness"),
        ("overexposed", "highlights_clipped"),
        ("noisy", "noise_sigma"),
        ("shrunk", "megapixels"),
    ],
)
def test_degraded_photo_scores_lower_and_names_the_reason(
    photo_copies: dict[str, dict[str, Path]], copy: str, reason: str
) -> None:
    for photo, paths in photo_copies.items():
        original = assess("image", paths["original"], [], {}, MAX_PIXELS)
        degraded = assess("image", paths[copy], [], {}, MAX_PIXELS)
        assert degraded.overall < original.overall - 0.1, photo
        assert reason in degraded.names(), (photo, degraded.reasons)
        assert reason not in original.names(), photo


@pytest.mark.parametrize("size", [(1280, 2), (2, 1280)])
def test_a_video_two_pixels_thin_is_measured_without_a_shake(tmp_path: Path, size: tuple[int, int]) -> None:
    # OpenCV's phase correlation refused its shake samples (a window needs 2 pixels a side), and
    # the video's whole ingest failed, three times, over a quality measure.
    from mediasift.quality.video import measure_video
    from tests import mediagen

    path = mediagen.noise_video(tmp_path / "strip.mp4", size)

    measures = measure_video(path)

    assert (measures["width"], measures["height"]) == size
    assert measures["shake"] in (None, 0.0) and measures["sharpness"] is not None


def test_a_picture_of_one_flat_colour_is_not_called_blurred(tmp_path: Path) -> None:
    # a 16x16 swatch had read "blurred: variance of the Laplacian 0": it has no edges to judge by
    from PIL import Image

    swatch = tmp_path / "swatch.png"
    Image.new("RGB", (640, 480), (120, 30, 200)).save(swatch)
    found = assess("image", swatch, [], {}, MAX_PIXELS)
    assert "sharpness" not in found.names() and "sharpness" not in found.measures, found.reasons
    blurred = tmp_path / "edges.png"
    picture = Image.new("L", (640, 480), 40)
    picture.paste(200, (200, 150, 440, 330))  # a square: edges, then blurred past recognition
    from PIL import ImageFilter

    picture.filter(ImageFilter.GaussianBlur(12)).save(blurred)
    assert "sharpness" in assess("image", blurred, [], {}, MAX_PIXELS).names()


@pytest.mark.parametrize("brightness", [0.3, 0.15, 0.12])
def test_a_dark_photo_is_judged_for_focus_as_a_bright_one(tmp_path: Path, brightness: float) -> None:
    # Its Laplacian shrinks with its contrast: a sharp cat at 15 % read "blurred: 11", and at 12 %
    # was taken for one flat colour and never judged, so its blurred copy outscored it.
    import cv2
    import skimage.data
    from PIL import Image

    dark = (skimage.data.chelsea().astype(np.float64) * brightness).astype(np.uint8)
    sharp, blurred = tmp_path / "dark.png", tmp_path / "dark_blurred.png"
    Image.fromarray(dark).save(sharp)
    Image.fromarray(cv2.GaussianBlur(dark, (0, 0), 5)).save(blurred)
    found = assess("image", sharp, [], {}, MAX_PIXELS)
    soft = assess("image", blurred, [], {}, MAX_PIXELS)
    assert "brightness" in found.names() and "sharpness" not in found.names(), found.reasons
    assert "sharpness" in soft.names() and soft.overall < found.overall, soft.reasons


def test_a_screenshot_of_text_is_not_overexposed_a_white_photo_is(tmp_path: Path) -> None:
    # a clean invoice screenshot had scored "overexposed: 99% of pixels burnt white"
    from PIL import Image, ImageDraw

    from mediasift.domain import Modality, Segment

    page = Image.new("RGB", (800, 600), "white")
    draw = ImageDraw.Draw(page)
    for i in range(8):
        draw.text((40, 40 + 60 * i), f"Invoice line {i}: 3 widgets at 12.50 EUR", fill="black")
    path = tmp_path / "invoice.png"
    page.save(path)
    lines = " ".join(f"Invoice line {i}: 3 widgets at 12.50 EUR" for i in range(8))
    read = [Segment(id="o", media_id="m", tenant_id="t", modality=Modality.OCR, text=lines)]
    assert "highlights_clipped" not in assess("image", path, read, {}, MAX_PIXELS).names()
    assert "highlights_clipped" in assess("image", path, [], {}, MAX_PIXELS).names()  # no text read: white
