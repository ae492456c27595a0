"""An SVG drawing or an XML document is read as its elements' text: its tags, attributes, styles and
comments were indexed as words ("xmlns", "linearGradient", "http")."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediasift.extract.documents import extract_document
from mediasift.media.sniff import sniff

from .imaging_samples import context

# As a drawing program saves a logo: a declaration, a comment, a title, gradients under defs, a
# style sheet, and text split into inline spans.
SVG = """<?xml version="1.0" encoding="UTF-8"?>
<!-- Generator: a drawing program -->
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 80">
  <title>Harbour Roasters logo</title>
  <defs><linearGradient id="sunset"><stop offset="0" stop-color="#f60"/></linearGradient></defs>
  <style>.label { font-family: Helvetica; fill: url(#sunset) }</style>
  <g><text x="10" y="40">Harbour <tspan font-weight="bold">Roasters</tspan> since 1920</text></g>
  <text x="10" y="70">Café de especialidad</text>
</svg>
"""
FEED = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Espresso news</title>
<item><title>A new grinder</title><description>It grinds &amp; tamps in one go.</description></item>
</channel></rss>
"""


def _text(tmp_path: Path, name: str, content: str) -> tuple[str, str]:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    sniffed = sniff(path, "upload.bin")
    extraction = extract_document(context(tmp_path, path, kind=sniffed.kind, mime=sniffed.mime))
    return sniffed.mime, "\n".join(s.text for s in extraction.segments)


def test_an_svg_gives_its_title_and_labels_not_its_markup(tmp_path: Path) -> None:
    mime, text = _text(tmp_path, "logo.svg", SVG)
    assert mime == "image/svg+xml"
    assert text == "Harbour Roasters logo\nHarbour Roasters since 1920\nCafé de especialidad", text


def test_an_xml_document_gives_its_elements_text(tmp_path: Path) -> None:
    mime, text = _text(tmp_path, "feed.xml", FEED)
    assert mime == "application/xml"
    assert text == "Espresso news\nA new grinder\nIt grinds & tamps in one go.", text


def test_an_entity_is_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do-not-index-me", encoding="utf-8")
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE note [<!ENTITY leak SYSTEM "file://{secret}">]>'
        "<note><body>Before &leak; after</body></note>"
    )
    _, text = _text(tmp_path, "note.xml", xml)
    assert text == "Before after" and "do-not-index-me" not in text


def test_a_damaged_xml_document_gives_what_it_can(tmp_path: Path) -> None:
    _, text = _text(tmp_path, "cut.xml", '<?xml version="1.0"?><notes><note>Descale monthly</note><note>Clea')
    assert "Descale monthly" in text


@pytest.mark.parametrize(
    ("start", "mime"),
    [
        (
            '<?xml version="1.0"?>\n<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml"><body>',
            "text/html",
        ),
        ("<svg width='10' height='10'>", "image/svg+xml"),
        ("<notes>plain words between angle brackets", "text/plain"),
    ],
)
def test_xml_is_told_by_its_root_element(tmp_path: Path, start: str, mime: str) -> None:
    path = tmp_path / "f"
    path.write_text(start + "<p>Hello there</p></body></html>", encoding="utf-8")
    assert sniff(path, "f").mime == mime
