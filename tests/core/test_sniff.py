from pathlib import Path

import pytest

from mediasift.errors import CorruptMedia, UnsupportedMedia
from mediasift.media.sniff import sniff
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
