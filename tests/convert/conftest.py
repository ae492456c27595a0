"""Generated sources shared by the conversion tests of a module (made once: they cost seconds)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mediasift.config import Settings
from tests import mediagen
from tests.conftest import test_settings

needs_ffmpeg = pytest.mark.skipif(
    shutil.which("ffmpeg") is None, reason="needs ffmpeg (scripts/system-deps.sh test)"
)


@pytest.fixture(scope="module")
def pattern(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6 s of 640x360 test pattern at 15 fps over a 44.1 kHz tone, H.264/AAC in MP4."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("needs ffmpeg")
    return mediagen.pattern_video(tmp_path_factory.mktemp("pattern"), duration_s=6.0)


@pytest.fixture
def convert_settings(tmp_path: Path) -> Settings:
    return test_settings(tmp_path / "home")
