"""Word and PowerPoint 97-2003 files (.doc, .ppt) are read through LibreOffice as PDFs, each page or
slide cited; they were refused as unrecognised binary content."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from mediasift.errors import ConverterUnavailable, UnsupportedMedia
from mediasift.extract.documents import extract_document
from mediasift.media.sniff import sniff
from tests.docgen import Slide, make_docx, make_pptx

from .imaging_samples import context

needs_libreoffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="needs LibreOffice (scripts/system-deps.sh test installs it)"
)


def _saved_as(source: Path, fmt: str) -> Path:
    """``source`` saved by LibreOffice in an older format (``doc``, ``ppt``), as Office 2003 would."""
    out = source.parent / "old"
    profile = f"-env:UserInstallation={(source.parent / 'lo').as_uri()}"
    command = ["soffice", "--headless", "--norestore", profile, "--convert-to", fmt, "--outdir", str(out)]
    env = {"HOME": str(source.parent), "PATH": "/usr/bin:/bin"}
    subprocess.run([*command, str(source)], check=True, capture_output=True, timeout=180, env=env)
    return out / f"{source.stem}.{fmt}"


@needs_libreoffice
def test_a_doc_and_a_ppt_are_read_page_by_page(tmp_path: Path) -> None:
    doc = _saved_as(make_docx(tmp_path / "boiler.docx", ["Bleed the radiators every autumn."]), "doc")
    ppt = _saved_as(
        make_pptx(tmp_path / "plan.pptx", [Slide("Roadmap", ["Ship the harbour release"]), Slide("Risks")]),
        "ppt",
    )
    found = {}
    for path in (doc, ppt):
        sniffed = sniff(path, "upload.bin")
        extraction = extract_document(context(tmp_path, path, kind=sniffed.kind, mime=sniffed.mime))
        found[sniffed.mime] = [(s.page, " ".join(s.text.split())) for s in extraction.segments]
    assert found["application/msword"] == [(1, "Bleed the radiators every autumn.")]
    slides = found["application/vnd.ms-powerpoint"]
    assert [page for page, _ in slides] == [1, 2] and "Ship the harbour release" in slides[0][1], slides


def test_without_libreoffice_a_doc_fails_saying_what_it_needs(tmp_path: Path) -> None:
    # The bytes of a compound file naming a WordDocument stream: what the sniffer reads.
    path = tmp_path / "old.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "WordDocument".encode("utf-16-le"))
    sniffed = sniff(path, "old.doc")
    assert (sniffed.kind, sniffed.mime) == ("document", "application/msword")
    without = context(tmp_path, path, kind="document", mime=sniffed.mime, libreoffice_path="no-such-soffice")
    with pytest.raises(ConverterUnavailable, match=r"reading a \.doc file needs LibreOffice"):
        extract_document(without)


def test_another_compound_file_is_refused_by_what_it_is_not(tmp_path: Path) -> None:
    path = tmp_path / "message.msg"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "__substg1.0".encode("utf-16-le"))
    with pytest.raises(UnsupportedMedia, match="not a Word, PowerPoint or Excel 97-2003 document"):
        sniff(path, "message.msg")
