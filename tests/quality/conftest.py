"""Real media and copies of it degraded on purpose, made once per session.

Audio: a spoken English track (espeak-ng, ``tests/mediagen``) and clipped, quiet, noisy and
mostly-silent copies made with numpy. Video: FFmpeg's moving ``testsrc2`` picture over that speech,
and blurred, darkened, blacked-out, frozen, downscaled, shaky and noisy-audio copies (and a smooth
pan) made with FFmpeg filters. Images: scikit-image's real photos and blurred, darkened,
overexposed, noisy and shrunk copies made with Pillow and numpy.
"""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from tests import mediagen

AUDIO_DEGRADATIONS = ("clipped", "quiet", "noisy", "silent")
VIDEO_DEGRADATIONS = {
    "blurred": "gblur=sigma=6",
    "darkened": "lutyuv=y=val*0.15",
    "blacked": "drawbox=c=black:t=fill:enable='between(t,2,5)'",
    "frozen": "loop=loop=75:size=1:start=50,trim=duration=8",
    "downscaled": "scale=160:90",
    # a hand-held camera: the frame's window jumps about by up to 4 % of the width every frame
    "shaky": "crop=576:324:'32+24*sin(n*2.3)':'18+14*sin(n*1.9+1)',scale=640:360",
}
PANNED = "crop=576:324:'t*8':18,scale=640:360"  # a smooth pan: moving, and not shaky


def _write_wav(path: Path, samples: np.ndarray, rate: int) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype(np.int16).tobytes())
    return path


@pytest.fixture(scope="session")
def speech_copies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``{"original": path, "clipped": path, ...}``: WAVs of the same ~19 s of speech."""
    if not mediagen.have_tools():
        pytest.skip("ffmpeg / espeak-ng not installed")
    out = tmp_path_factory.mktemp("quality-audio")
    talk = mediagen.speech_track(out, [("en", s) for s in mediagen.EN_SENTENCES[:3]])
    with wave.open(str(talk.path)) as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float64) / 32768
    voiced_rms = float(np.sqrt(np.mean(x[np.abs(x) > 0.01] ** 2)))
    noise = np.random.default_rng(0).normal(0, voiced_rms / np.sqrt(10), x.size)  # speech at ~10 dB
    copies = {
        "original": x,
        "clipped": x * 6,  # driven 15.6 dB into full scale
        "quiet": x * 0.01,  # 40 dB down
        "noisy": x + noise,
        "silent": np.concatenate([x, np.zeros(x.size * 6)]),  # the speech, then six times as much nothing
    }
    return {name: _write_wav(out / f"{name}.wav", y, rate) for name, y in copies.items()}


@pytest.fixture(scope="session")
def video_copies(tmp_path_factory: pytest.TempPathFactory, speech_copies: dict[str, Path]) -> dict[str, Path]:
    """8 s 640x360 25 fps H.264/AAC videos: the moving test picture over speech, and its degraded copies."""
    out = tmp_path_factory.mktemp("quality-video")
    source = "testsrc2=s=640x360:r=25:d=8"
    videos: dict[str, Path] = {}
    filters = {"original": "null", "panned": PANNED, **VIDEO_DEGRADATIONS}
    for name, vf in filters.items():
        videos[name] = out / f"{name}.mp4"
        _ffmpeg("-f", "lavfi", "-i", source, "-i", str(speech_copies["original"]), "-vf", vf,
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
                "-t", "8", str(videos[name]))  # fmt: skip
    videos["noisy-sound"] = out / "noisy-sound.mp4"
    _ffmpeg("-i", str(videos["original"]), "-i", str(speech_copies["noisy"]), "-map", "0:v", "-map", "1:a",
            "-c:v", "copy", "-c:a", "aac", "-t", "8", str(videos["noisy-sound"]))  # fmt: skip
    return videos


@pytest.fixture(scope="session")
def photo_copies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """``{photo: {"original": path, "blurred": path, ...}}`` for three real scikit-image photos."""
    import skimage.data

    out = tmp_path_factory.mktemp("quality-images")
    photos: dict[str, dict[str, Path]] = {}
    rng = np.random.default_rng(1)
    for photo in ("astronaut", "coffee", "chelsea"):
        image = Image.fromarray(getattr(skimage.data, photo)()).convert("RGB")
        pixels = np.asarray(image).astype(np.float64)
        copies = {
            "original": image,
            "blurred": image.filter(ImageFilter.GaussianBlur(4)),
            "darkened": Image.fromarray((pixels * 0.15).astype(np.uint8)),
            "overexposed": Image.fromarray(np.clip(pixels * 2.5, 0, 255).astype(np.uint8)),
            "noisy": Image.fromarray(
                np.clip(pixels + rng.normal(0, 20, pixels.shape), 0, 255).astype(np.uint8)
            ),
            "shrunk": image.resize((image.width // 8, image.height // 8)),
        }
        photos[photo] = {}
        for name, copy in copies.items():
            photos[photo][name] = out / f"{photo}-{name}.png"
            copy.save(photos[photo][name])
    return photos


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-y", "-v", "error", *args], check=True, timeout=120)
