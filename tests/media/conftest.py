"""Generated media shared by the decoding tests (made once per test session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import mediagen


@pytest.fixture(scope="session")
def talk_mp4(tmp_path_factory: pytest.TempPathFactory) -> mediagen.Talk:
    if not mediagen.have_tools():
        pytest.skip("needs ffmpeg, espeak-ng and fonts-dejavu-core")
    return mediagen.talk_video(tmp_path_factory.mktemp("talk"), "mp4")


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")
