"""An Excel 97-2003 workbook (.xls) is read as its sheets' names and rows, as an XLSX is; it was
refused by name."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import xlwt

from mediasift.errors import CorruptMedia
from mediasift.extract.documents import extract_document
from mediasift.media.sniff import sniff

from .imaging_samples import context

XLS = "application/vnd.ms-excel"


def _workbook(path: Path) -> Path:
    book = xlwt.Workbook()
    prices = book.add_sheet("Prices")
    for col, value in enumerate(["Item", "Price", "Bought", "Organic"]):
        prices.write(0, col, value)
    prices.write(1, 0, "Espresso  beans")
    prices.write(1, 1, 12.5)
    prices.write(1, 2, datetime.date(2024, 3, 9), xlwt.easyxf(num_format_str="DD/MM/YYYY"))
    prices.write(1, 3, True)
    prices.write(2, 0, "Café molido")
    prices.write(2, 1, 7)
    prices.write(2, 2, xlwt.Formula("B2*2"))  # a formula without its cached value: left out
    prices.write(2, 3, datetime.time(7, 30), xlwt.easyxf(num_format_str="HH:MM"))
    book.add_sheet("Empty")
    suppliers = book.add_sheet("Suppliers")
    suppliers.write(0, 0, "Harbour Roasters, Vigo")
    book.save(str(path))
    return path


def _read(tmp_path: Path, path: Path) -> str:
    sniffed = sniff(path, "upload.bin")
    assert (sniffed.kind, sniffed.mime, sniffed.ext) == ("document", XLS, ".xls")
    extraction = extract_document(context(tmp_path, path, kind="document", mime=sniffed.mime))
    return "\n".join(s.text for s in extraction.segments)


def test_a_workbook_is_read_as_its_sheets_and_rows(tmp_path: Path) -> None:
    text = _read(tmp_path, _workbook(tmp_path / "prices.xls"))
    assert text == (
        "Prices\n\nItem | Price | Bought | Organic\n\nEspresso beans | 12.5 | 2024-03-09 | TRUE\n\n"
        "Café molido | 7 | 07:30\n\nSuppliers\n\nHarbour Roasters, Vigo"
    )


def test_a_damaged_workbook_is_corrupt_media(tmp_path: Path) -> None:
    data = bytearray(_workbook(tmp_path / "prices.xls").read_bytes())
    data[1024:3072] = b"\xff" * 2048
    damaged = tmp_path / "damaged.xls"
    damaged.write_bytes(bytes(data))
    with pytest.raises(CorruptMedia, match="XLS"):
        _read(tmp_path, damaged)
