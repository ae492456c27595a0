"""A table of delimited values is read a row at a time, as a workbook's sheet is: it had been one
run-on "sentence", quoted whole by ask for any question about one of its rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediasift.answer.sentences import split_sentences
from mediasift.extract.documents import extract_document
from mediasift.media.sniff import sniff

from .imaging_samples import context

INVENTORY = """item,quantity,location,supplier
printer paper,40 reams,storage room B,OfficeHub
toner cartridges,6,IT cupboard,PrintCo
coffee beans,12 kg,kitchen,"Bean Brothers, Ltd"
first aid kits,3,reception,SafeWork
"""


def _read(tmp_path: Path, name: str, text: str) -> tuple[str, str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    sniffed = sniff(path, name)
    extraction = extract_document(context(tmp_path, path, kind=sniffed.kind, mime=sniffed.mime))
    return sniffed.mime, "\n\n".join(s.text for s in extraction.segments)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_a_csv_file_is_read_a_row_a_sentence(tmp_path: Path, delimiter: str) -> None:
    text = INVENTORY if delimiter == "," else INVENTORY.replace('"Bean Brothers, Ltd"', "Bean Brothers")
    mime, read = _read(tmp_path, "inventory.csv", text.replace(",", delimiter))
    assert mime == "text/csv"
    rows = split_sentences(read)
    assert rows[0] == "item | quantity | location | supplier"
    assert "first aid kits | 3 | reception | SafeWork" in rows and len(rows) == 5
    if delimiter == ",":
        assert "coffee beans | 12 kg | kitchen | Bean Brothers, Ltd" in rows  # a quoted comma stays


@pytest.mark.parametrize(
    "prose",
    [
        "Roses are red, violets are blue.\nSugar is sweet, and so are you.\n",
        "Visitors sign in at the desk.\n",
        "Dear Ana, thanks for the notes, see you Monday\nBest, Luis\nPS: bring the keys, please\n",
    ],
)
def test_prose_with_commas_is_not_a_table(tmp_path: Path, prose: str) -> None:
    mime, read = _read(tmp_path, "note.txt", prose)
    assert mime == "text/plain" and "|" not in read
