"""Probing says what a file holds and refuses what cannot or must not be decoded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mediasift.config import Settings
from mediasift.errors import CorruptMedia, LimitExceeded
from mediasift.media.audio import iter_audio
from mediasift.media.probe import probe
from mediasift.media.sniff import sniff
from tests import mediagen

ONE_SENTENCE = [("en", "Short clips are probed in milliseconds.")]


def test_video_probe_reports_kind_duration_codecs_size_and_fps(talk_mp4: mediagen.Talk) -> None:
    media = probe(talk_mp4.path)
    assert media.kind == "video"
    assert media.duration_s == pytest.approx(talk_mp4.duration_s, abs=0.2)
    assert media.codecs == {"audio": "aac", "video": "h264"}
    assert (media.width, media.height) == (640, 360)
    assert media.fps == pytest.approx(15.0)
    assert media.has_audio


@pytest.mark.parametrize(
    ("fmt", "codec"),
    [
        ("wav", "pcm_s16le"),
        ("mp3", "mp3"),
        ("ogg", "vorbis"),
        ("flac", "flac"),
        ("m4a", "aac"),
        ("opus", "opus"),
    ],
)
def test_audio_formats_probe_as_audio_with_their_codec(media_dir: Path, fmt: str, codec: str) -> None:
    talk = mediagen.talk_audio(media_dir / fmt, fmt, ONE_SENTENCE)
    media = probe(talk.path)
    assert media.kind == "audio"
    assert media.codecs == {"audio": codec}
    assert media.width is None and media.fps is None
    assert media.duration_s == pytest.approx(talk.duration_s, abs=0.3)


@pytest.mark.parametrize("ext", ["mov", "mkv", "webm", "avi"])
def test_every_supported_video_container_probes_as_video(media_dir: Path, ext: str) -> None:
    talk = mediagen.talk_video(media_dir / ext, ext, ONE_SENTENCE, captions=[])
    media = probe(talk.path)
    assert media.kind == "video"
    assert media.duration_s == pytest.approx(talk.duration_s, abs=0.3)


def test_zero_byte_file_is_corrupt(tmp_path: Path) -> None:
    with pytest.raises(CorruptMedia, match="0 bytes"):
        probe(mediagen.zero_byte_file(tmp_path))


def test_mp4_cut_before_its_index_is_corrupt(talk_mp4: mediagen.Talk, tmp_path: Path) -> None:
    cut = mediagen.truncated_copy(talk_mp4.path, tmp_path / "cut.mp4", 0.5)
    with pytest.raises(CorruptMedia):
        probe(cut)


def test_random_bytes_are_corrupt(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)
    with pytest.raises(CorruptMedia):
        probe(junk)


def test_media_longer_than_the_duration_limit_is_refused(talk_mp4: mediagen.Talk) -> None:
    with pytest.raises(LimitExceeded, match="limit is 10 s"):
        probe(talk_mp4.path, Settings(_env_file=None, max_duration_s=10))  # type: ignore[call-arg]


def test_frames_larger_than_the_pixel_limit_are_refused(talk_mp4: mediagen.Talk) -> None:
    with pytest.raises(LimitExceeded, match="640x360"):
        probe(talk_mp4.path, Settings(_env_file=None, max_video_pixels=320 * 240))  # type: ignore[call-arg]


def test_media_within_limits_passes(talk_mp4: mediagen.Talk) -> None:
    assert probe(talk_mp4.path, Settings(_env_file=None)).kind == "video"  # type: ignore[call-arg]


def test_album_art_does_not_make_an_mp3_a_video(media_dir: Path) -> None:
    import subprocess

    from PIL import Image

    talk = mediagen.talk_audio(media_dir / "art", "mp3", ONE_SENTENCE)
    cover = media_dir / "art" / "cover.png"
    Image.new("RGB", (300, 300), (200, 40, 40)).save(cover)
    tagged = media_dir / "art" / "tagged.mp3"
    subprocess.run(
        ["ffmpeg", "-y", "-v", "error", "-i", str(talk.path), "-i", str(cover), "-map", "0", "-map", "1",
         "-c", "copy", "-id3v2_version", "3", "-disposition:v", "attached_pic", str(tagged)],
        check=True,
    )  # fmt: skip
    media = probe(tagged)
    assert media.kind == "audio" and media.width is None


def test_a_tag_that_is_not_utf8_does_not_fail_the_file(tmp_path: Path) -> None:
    # PyAV decodes every tag as it opens a file; one byte that is not UTF-8 raised
    # UnicodeDecodeError for the whole file, three attempts of an internal error.
    import av

    path = tmp_path / "tagged.mp3"
    with av.open(str(path), "w") as out:
        out.metadata["title"] = "A TITLEMARK"
        stream = out.add_stream("mp3", rate=16_000, layout="mono")
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 16_000), dtype=np.int16), format="s16", layout="mono")
        frame.sample_rate = 16_000
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    data = path.read_bytes()
    at = data.index(b"TITLEMARK")
    path.write_bytes(data[:at] + b"\xef\x28" + data[at + 2 :])  # an invalid UTF-8 sequence
    with pytest.raises(UnicodeDecodeError):
        av.open(str(path)).close()

    media = probe(path)
    assert media.kind == "audio" and media.duration_s == pytest.approx(1.0, abs=0.1)
    assert sniff(path).kind == "audio"
    assert sum(len(block) for block in iter_audio(path)) == pytest.approx(16_000, abs=1_200)


def test_a_word_document_cut_off_is_said_to_be_cut_off(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    for n in range(30):
        document.add_paragraph(f"Paragraph {n} of the maintenance log says the boiler was checked.")
    whole = tmp_path / "log.docx"
    document.save(str(whole))
    cut = tmp_path / "cut.docx"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    # "corrupt zip container: File is not a zip file" had said nothing a person could act on
    with pytest.raises(CorruptMedia, match="the file is cut off: it begins as a zip container"):
        sniff(cut, "cut.docx")
