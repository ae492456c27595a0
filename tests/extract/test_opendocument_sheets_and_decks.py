"""OpenDocument spreadsheets (.ods) are read as their sheets' names and rows, as shown; presentations
(.odp) through LibreOffice, each slide cited. Both were refused as zip archives holding nothing
mediasift reads."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from mediasift.errors import CorruptMedia, LimitExceeded
from mediasift.extract.documents import extract_document
from mediasift.media.sniff import sniff
from tests.docgen import Slide, make_pptx

from .imaging_samples import context
from .test_legacy_office import _saved_as, needs_libreoffice

ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"
NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)
# As LibreOffice Calc writes them: a number's cell holds its value and, in text:p, the value as the
# sheet shows it; a merged cell covers the next; empty cells and rows come as repeats; a
# paragraph's spaces as text:s.
PRICES = """<table:table table:name="Prices"><table:table-column table:number-columns-repeated="3"/>
<table:table-row><table:table-cell office:value-type="string"><text:p>Item</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>Price</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell office:value-type="string">
<text:p>Espresso<text:s text:c="2"/>beans</text:p></table:table-cell>
<table:table-cell office:value-type="currency" office:value="12.5"><text:p>12,50 €</text:p></table:table-cell>
<table:table-cell table:number-columns-repeated="1020"/></table:table-row>
<table:table-row table:number-rows-repeated="1048572"><table:table-cell table:number-columns-repeated="1024"/>
</table:table-row></table:table>"""
SUPPLIERS = """<table:table table:name="Suppliers"><table:table-row>
<table:table-cell table:number-columns-spanned="2"><text:p>Harbour Roasters</text:p><text:p>Vigo</text:p>
</table:table-cell><table:covered-table-cell/>
<table:table-cell table:number-columns-repeated="2"><text:p>x</text:p></table:table-cell></table:table-row>
</table:table>"""
EMPTY = '<table:table table:name="Empty"><table:table-row><table:table-cell/></table:table-row></table:table>'


def _ods(path: Path, *sheets: str, content: str | None = None) -> Path:
    body = f"<office:body><office:spreadsheet>{''.join(sheets)}</office:spreadsheet></office:body>"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", ODS_MIME, compress_type=zipfile.ZIP_STORED)
        zf.writestr(
            "content.xml", content or f"<office:document-content {NS}>{body}</office:document-content>"
        )
        zf.writestr("META-INF/manifest.xml", "<manifest/>")
    return path


def _read(tmp_path: Path, path: Path, **settings: object) -> str:
    sniffed = sniff(path, "upload.bin")
    assert (sniffed.kind, sniffed.mime, sniffed.ext) == ("document", ODS_MIME, ".ods")
    extraction = extract_document(context(tmp_path, path, kind="document", mime=sniffed.mime, **settings))
    return "\n".join(s.text for s in extraction.segments)


def test_a_spreadsheet_is_read_as_its_sheets_rows_as_shown(tmp_path: Path) -> None:
    text = _read(tmp_path, _ods(tmp_path / "book.ods", PRICES, EMPTY, SUPPLIERS))
    assert (
        text
        == "Prices\n\nItem | Price\n\nEspresso beans | 12,50 €\n\nSuppliers\n\nHarbour Roasters Vigo | x | x"
    )


def test_a_damaged_spreadsheet_is_corrupt_and_a_huge_one_over_the_limit(tmp_path: Path) -> None:
    broken = _ods(tmp_path / "broken.ods", content=f"<office:document-content {NS}><office:body><table:table")
    with pytest.raises(CorruptMedia, match="corrupt ODS"):
        _read(tmp_path, broken)
    rows = "".join(
        f"<table:table-row><table:table-cell><text:p>row {i}</text:p></table:table-cell></table:table-row>"
        for i in range(300)
    )
    with pytest.raises(LimitExceeded):
        _read(
            tmp_path,
            _ods(tmp_path / "long.ods", f'<table:table table:name="Log">{rows}</table:table>'),
            max_text_chars=1000,
        )


@needs_libreoffice
def test_a_presentation_is_read_slide_by_slide(tmp_path: Path) -> None:
    deck = make_pptx(tmp_path / "plan.pptx", [Slide("Roadmap", ["Ship the harbour release"]), Slide("Risks")])
    odp = _saved_as(deck, "odp")
    sniffed = sniff(odp, "upload.bin")
    assert (sniffed.mime, sniffed.ext) == ("application/vnd.oasis.opendocument.presentation", ".odp")
    extraction = extract_document(context(tmp_path, odp, kind="document", mime=sniffed.mime))
    slides = [(s.page, " ".join(s.text.split())) for s in extraction.segments]
    assert [page for page, _ in slides] == [1, 2] and "Ship the harbour release" in slides[0][1], slides
