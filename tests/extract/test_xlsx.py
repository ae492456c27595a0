"""An Excel workbook is read as its sheets' names and rows; it was refused as a zip archive holding
nothing mediasift reads."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from mediasift.errors import CorruptMedia
from mediasift.extract.documents import extract_document
from mediasift.media.sniff import sniff

from .imaging_samples import context

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>
<sheet name="Prices" sheetId="1" r:id="rId1"/><sheet name="Empty" sheetId="2" r:id="rId2"/>
<sheet name="Suppliers" sheetId="3" r:id="rId3"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="worksheet" Target="worksheets/sheet2.xml"/>
<Relationship Id="rId3" Type="worksheet" Target="/xl/worksheets/sheet3.xml"/></Relationships>"""
# Shared strings (one in rich-text runs), a number, a formula's cached value, an error, a boolean,
# an inline string and an empty cell.
SHARED = f"""<sst xmlns="{MAIN}"><si><t>Item</t></si><si><t>Price</t></si><si><t>Espresso beans</t></si>
<si><r><t>Café </t></r><r><rPr><b/></rPr><t>molido</t></r></si></sst>"""
SHEET1 = f"""<worksheet xmlns="{MAIN}"><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>
<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>12.5</v></c><c r="C2"><f>B2*2</f><v>25</v></c></row>
<row r="3"><c r="A3" t="s"><v>3</v></c><c r="B3" t="e"><v>#DIV/0!</v></c><c r="C3" t="b"><v>1</v></c></row>
<row r="4"><c r="A4"/></row></sheetData></worksheet>"""
SHEET2 = f'<worksheet xmlns="{MAIN}"><sheetData/></worksheet>'
SHEET3 = f"""<worksheet xmlns="{MAIN}"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>Harbour Roasters, Vigo</t></is></c></row></sheetData></worksheet>"""


def make_xlsx(path: Path, sheet1: str = SHEET1) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        zf.writestr("xl/sharedStrings.xml", SHARED)
        zf.writestr("xl/worksheets/sheet1.xml", sheet1)
        zf.writestr("xl/worksheets/sheet2.xml", SHEET2)
        zf.writestr("xl/worksheets/sheet3.xml", SHEET3)
    return path


def test_an_xlsx_gives_its_sheets_names_and_rows(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "prices.xlsx")
    sniffed = sniff(path, "upload.bin")
    assert (sniffed.kind, sniffed.mime) == (
        "document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    extraction = extract_document(context(tmp_path, path, kind="document", mime=sniffed.mime))
    text = "\n".join(s.text for s in extraction.segments)
    prices = "Prices\n\nItem | Price\n\nEspresso beans | 12.5 | 25\n\nCafé molido | TRUE"
    assert text == prices + "\n\nSuppliers\n\nHarbour Roasters, Vigo", text  # a row a paragraph


def test_a_sheet_that_does_not_parse_is_left_out_and_none_readable_is_corrupt_media(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "cut.xlsx", sheet1=SHEET1[:200])
    extraction = extract_document(context(tmp_path, path, kind="document", mime=sniff(path, "cut.xlsx").mime))
    assert "\n".join(s.text for s in extraction.segments) == "Suppliers\n\nHarbour Roasters, Vigo"

    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(broken, "w") as zf:
        for name, data in members.items():
            zf.writestr(
                name, data[:120] if name.startswith("xl/worksheets/") else data
            )  # the empty one stays whole
    with pytest.raises(CorruptMedia, match="none of its 2 sheets can be read"):
        extract_document(context(tmp_path, broken, kind="document", mime=sniff(broken, "b.xlsx").mime))
