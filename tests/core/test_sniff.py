from pathlib import Path

import pytest

from mediasift.errors import CorruptMedia, UnsupportedMedia
from mediasift.media.sniff import Sniffed, sniff
from tests.docgen import make_docx, make_pdf


def test_kind_comes_from_content_not_extension(tmp_path: Path):
    pdf = make_pdf(tmp_path / "looks_like.txt", [["hello"]])
    assert sniff(pdf).kind == "document" and sniff(pdf).mime == "application/pdf"
    docx = make_docx(tmp_path / "report.bin", ["hola"])
    assert sniff(docx).ext == ".docx"


@pytest.mark.parametrize(
    ("content", "mime"),
    [
        ("<!DOCTYPE html><html><body><p>hi</p></body></html>", "text/html"),
        ("# Title\n\n- one\n- two\n\nText.", "text/markdown"),
        ("Just some plain words.\nAnother line.", "text/plain"),
        ("Año, café y niño en español.", "text/plain"),
        ("{\\rtf1\\ansi\\ansicpg1252 {\\fonttbl\\f0 Helvetica;} Hello.\\par}", "application/rtf"),
    ],
)
def test_text_formats(tmp_path: Path, content: str, mime: str):
    path = tmp_path / "x"
    path.write_text(content, encoding="utf-8")
    assert sniff(path).mime == mime


def test_empty_file_is_corrupt(tmp_path: Path):
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    with pytest.raises(CorruptMedia, match="empty"):
        sniff(path)


def test_unknown_binary_is_unsupported(tmp_path: Path):
    path = tmp_path / "blob.pdf"
    path.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(UnsupportedMedia):
        sniff(path)


def test_truncated_mp4_header_is_corrupt(tmp_path: Path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00" * 64)
    with pytest.raises(CorruptMedia):
        sniff(path)


@pytest.mark.parametrize(
    ("ext", "mime"),
    [("mp4", "video/mp4"), ("mov", "video/quicktime"), ("mkv", "video/x-matroska"), ("webm", "video/webm"),
     ("avi", "video/x-msvideo"), ("ts", "video/mp2t"), ("flv", "video/x-flv")],
)  # fmt: skip
def test_video_containers_get_their_own_mime_type(tmp_path: Path, ext: str, mime: str):
    from tests import mediagen

    if not mediagen.have_tools():
        pytest.skip("needs ffmpeg, espeak-ng and fonts-dejavu-core")
    video = mediagen.talk_video(tmp_path, ext, script=[("en", "Hello there.")])
    renamed = video.path.rename(tmp_path / "upload.bin")  # the name says nothing
    assert sniff(renamed) == Sniffed("video", mime, "." + {"mkv": "mkv"}.get(ext, ext))


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [("wav", "audio/wav"), ("mp3", "audio/mpeg"), ("ogg", "audio/ogg"), ("flac", "audio/flac"),
     ("m4a", "audio/mp4"), ("opus", "audio/ogg")],
)  # fmt: skip
def test_audio_formats_are_audio(tmp_path: Path, fmt: str, mime: str):
    from tests import mediagen

    if not mediagen.have_tools():
        pytest.skip("needs ffmpeg, espeak-ng and fonts-dejavu-core")
    audio = mediagen.talk_audio(tmp_path, fmt, script=[("en", "Hello there.")])
    result = sniff(audio.path)
    assert (result.kind, result.mime) == ("audio", mime)


def test_fixed_width_lines_that_start_with_g_stay_text(tmp_path: Path) -> None:
    # An MPEG transport stream is known by 0x47 ("G") every 188 bytes; such a text is not one.
    path = tmp_path / "records.txt"
    path.write_text(("G" + "x" * 186 + "\n") * 50, encoding="ascii")
    assert sniff(path).kind == "text"
