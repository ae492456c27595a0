"""An EPUB book is read as its title and its chapters in reading order; it was refused as a zip
archive holding nothing mediasift reads."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from mediasift.errors import CorruptMedia
from mediasift.extract.documents import extract_document
from mediasift.media.sniff import sniff

from .imaging_samples import context

CONTAINER = """<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>"""
# The spine reads chapter two before chapter one; the navigation document and the script are in
# the manifest, not the spine; one spine item is an empty file.
PACKAGE = """<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>The Harbour Cookbook</dc:title></metadata>
  <manifest>
    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
    <item id="one" href="text/chapter%201.xhtml" media-type="application/xhtml+xml"/>
    <item id="two" href="text/chapter2.xhtml" media-type="application/xhtml+xml"/>
    <item id="gone" href="text/missing.xhtml" media-type="application/xhtml+xml"/>
    <item id="css" href="style.css" media-type="text/css"/>
    <item id="js" href="reader.js" media-type="application/javascript"/>
  </manifest>
  <spine><itemref idref="two"/><itemref idref="gone"/><itemref idref="one"/></spine>
</package>"""


def _chapter(heading: str, text: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>The Harbour Cookbook</title>'
        '<link rel="stylesheet" href="../style.css"/></head>'
        f"<body><h1>{heading}</h1><p>{text}</p></body></html>"
    )


def make_epub(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        zf.writestr("META-INF/container.xml", CONTAINER)
        zf.writestr("OEBPS/content.opf", PACKAGE)
        zf.writestr("OEBPS/nav.xhtml", _chapter("Contents", "Table of contents"))
        zf.writestr("OEBPS/text/chapter 1.xhtml", _chapter("Fish stew", "Simmer the hake for ten minutes."))
        zf.writestr("OEBPS/text/chapter2.xhtml", _chapter("Bread", "Let the dough rise for ninety minutes."))
        zf.writestr("OEBPS/style.css", "h1 { color: navy }")
        zf.writestr("OEBPS/reader.js", "function turnPage() { return 1; }")
        zf.writestr("OEBPS/text/missing.xhtml", "")  # listed, and empty: no page at all
    return path


def test_an_epub_gives_its_title_and_chapters_in_reading_order(tmp_path: Path) -> None:
    path = make_epub(tmp_path / "cookbook.epub")
    sniffed = sniff(path, "cookbook.epub")
    assert (sniffed.kind, sniffed.mime) == ("document", "application/epub+zip")
    extraction = extract_document(context(tmp_path, path, kind="document", mime=sniffed.mime))
    text = "\n".join(s.text for s in extraction.segments)
    assert [p.strip() for p in text.split("\n\n")] == [
        "The Harbour Cookbook",
        "Bread",
        "Let the dough rise for ninety minutes.",
        "Fish stew",
        "Simmer the hake for ten minutes.",
    ], text


def test_an_epub_without_its_package_is_corrupt_media(tmp_path: Path) -> None:
    path = tmp_path / "broken.epub"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        zf.writestr("META-INF/container.xml", CONTAINER)
        zf.writestr("OEBPS/text/chapter2.xhtml", _chapter("Bread", "Knead it."))
    sniffed = sniff(path, "broken.epub")
    with pytest.raises(CorruptMedia, match="corrupt EPUB"):
        extract_document(context(tmp_path, path, kind="document", mime=sniffed.mime))
