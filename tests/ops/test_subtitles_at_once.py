"""Subtitle files added to one media by two requests at the same moment: both are kept."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import pytest

from mediasift.runtime import Runtime
from mediasift.services import subtitles
from mediasift.services.ingest import ingest_stream
from tests import mediagen


def _srt(text: str) -> bytes:
    return f"1\n00:00:01,000 --> 00:00:03,000\n{text}\n".encode()


def test_two_requests_adding_files_at_once_keep_both(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = mediagen.pattern_video(tmp_path, duration_s=2.0, ext="mp4", name="both")
    media = ingest_stream(runtime, "default", io.BytesIO(clip.read_bytes()), "both.mp4").media.id
    listed = subtitles._kept

    def slow_listing(rt: Runtime, tenant_id: str, media_id: str) -> list[subtitles.SubtitleFile]:
        files = listed(rt, tenant_id, media_id)
        time.sleep(0.3)  # the moment in which the other request lists the same files
        return files

    monkeypatch.setattr(subtitles, "_kept", slow_listing)
    errors: list[BaseException] = []

    def add(text: str) -> None:
        try:
            subtitles.add_subtitles(runtime, "default", media, [("both.en.srt", _srt(text))])
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(t,)) for t in ("The ferry leaves.", "The ferry docks.")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    kept = listed(runtime, "default", media)
    assert [f.name for f in kept] == ["00.en.srt", "01.en.srt"]
    prefix = f"{subtitles.subtitles_prefix('default', media)}"
    texts = {runtime.store.get_bytes(prefix + f.name).decode() for f in kept}
    assert texts == {_srt("The ferry leaves.").decode(), _srt("The ferry docks.").decode()}
