"""Documents: office files to PDF through LibreOffice, pages to PNG, and the text extraction
stored put back together without repeating the overlap between chunks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from mediasift.convert.structure import join_chunks, tables
from mediasift.domain import Modality, Segment
from mediasift.errors import ConverterUnavailable, InvalidRequest
from mediasift.extract.chunking import chunk_text
from mediasift.media import office
from mediasift.media.sniff import sniff
from tests.conftest import test_settings
from tests.docgen import Slide, make_docx, make_odt, make_pdf, make_pptx

needs_libreoffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="needs LibreOffice (scripts/system-deps.sh test installs it)"
)


def pdf_text(path: Path) -> list[str]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return [pdf[i].get_textpage().get_text_bounded() for i in range(len(pdf))]
    finally:
        pdf.close()


@needs_libreoffice
def test_docx_pptx_odt_and_rtf_become_pdfs_with_their_text(tmp_path: Path, convert_settings):
    sources = {
        ".docx": make_docx(tmp_path / "a.docx", ["Quarterly boiler maintenance schedule."]),
        ".pptx": make_pptx(
            tmp_path / "b.pptx",
            [Slide("Roadmap", ["Ship the harbour release"]), Slide("Risks", ["Late parts"])],
        ),
        ".odt": make_odt(tmp_path / "c.odt", "Recipe", ["Whisk the eggs with sugar."]),
        ".rtf": tmp_path / "d.rtf",
    }
    sources[".rtf"].write_text(r"{\rtf1\ansi\ansicpg1252 {\fonttbl\f0 Helvetica;}\f0 Fold in the flour.\par}")
    expected = {
        ".docx": ["boiler maintenance"],
        ".pptx": ["harbour release", "Late parts"],
        ".odt": ["Whisk the eggs"],
        ".rtf": ["Fold in the flour"],
    }
    for ext, source in sources.items():
        dest = tmp_path / f"out{ext}.pdf"
        info = office.to_pdf(source, ext, dest, convert_settings)
        pages = pdf_text(dest)
        assert info["pages"] == len(pages) == len(expected[ext])
        for page, words in zip(pages, expected[ext], strict=True):
            assert words in " ".join(page.split()), (ext, page)


def test_without_libreoffice_the_error_says_so(tmp_path: Path):
    settings = test_settings(tmp_path / "home", libreoffice_path="no-such-soffice")
    source = make_docx(tmp_path / "a.docx", ["Hello."])
    with pytest.raises(ConverterUnavailable, match="libreoffice-writer-nogui") as caught:
        office.to_pdf(source, ".docx", tmp_path / "a.pdf", settings)
    assert caught.value.code == "converter_unavailable" and caught.value.status == 501


def test_a_pdf_page_renders_to_png_at_the_width_asked(tmp_path: Path, convert_settings):
    source = make_pdf(tmp_path / "two.pdf", [["First page"], ["Second page"]])
    info = office.page_png(source, tmp_path / "p2.png", 2, 612, convert_settings)
    with Image.open(tmp_path / "p2.png") as image:
        assert image.format == "PNG" and image.size == (612, 792) == (info["width"], info["height"])
    with pytest.raises(InvalidRequest, match="page 3 asked for; the document has 2"):
        office.page_png(source, tmp_path / "p3.png", 3, 612, convert_settings)


def test_odt_is_sniffed_as_a_document(tmp_path: Path):
    found = sniff(make_odt(tmp_path / "c.odt", "Title", ["Body."]))
    assert (found.kind, found.mime, found.ext) == (
        "document",
        "application/vnd.oasis.opendocument.text",
        ".odt",
    )


def test_overlapping_chunks_join_into_the_text_they_were_cut_from():
    paragraphs = [
        f"Paragraph {i} tells how the {i}th valve of the boiler is cleaned and checked." for i in range(40)
    ]
    text = "\n\n".join(paragraphs)
    chunks = chunk_text(text, target=300, overlap=80)
    assert len(chunks) > 5 and sum(len(c.text) for c in chunks) > len(text)  # they overlap
    segments = [
        Segment(f"s{i}", "m", "t", Modality.TEXT, c.text, meta={"char_start": c.start, "char_end": c.end})
        for i, c in enumerate(reversed(chunks))  # stored order does not matter
    ]
    assert join_chunks(segments) == text


def test_table_rows_are_found_between_paragraphs():
    text = "Prices\n\nItem | Price\n\nTea | 2.50\n\nCake | 4.00\n\nThank you | for | visiting"
    assert tables(text) == [[["Item", "Price"], ["Tea", "2.50"], ["Cake", "4.00"]]]
