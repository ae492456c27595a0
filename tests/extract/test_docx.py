"""A DOCX's text, and a package python-docx cannot follow failing as ``corrupt_media``."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from mediasift.errors import CorruptMedia
from mediasift.extract.documents import extract_document
from tests.docgen import make_docx, rewrite_member

from .imaging_samples import context

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_a_docx_gives_its_paragraphs_and_table_rows(tmp_path: Path) -> None:
    path = make_docx(
        tmp_path / "a.docx", ["Oil the chain every 200 km."], [["Part", "Every"], ["pads", "month"]]
    )
    extraction = extract_document(context(tmp_path, path, kind="document", mime=DOCX))
    text = "\n".join(s.text for s in extraction.segments)
    assert "Oil the chain every 200 km." in text and "pads | month" in text


@pytest.mark.parametrize(
    ("member", "edit"),
    [
        # a relationship without its target: python-docx's InvalidXmlError
        ("word/_rels/document.xml.rels", lambda xml: xml.replace(b' Target="', b' Tarjet="', 1)),
        # a root element python-docx does not know: AttributeError ('Relationship_lst')
        (
            "_rels/.rels",
            lambda xml: xml.replace(b"Relationships>", b"Relationshipz>").replace(
                b"<Relationships ", b"<Relationshipz "
            ),
        ),
    ],
)
def test_a_docx_whose_relationships_are_broken_is_corrupt_media(
    tmp_path: Path, member: str, edit: Callable[[bytes], bytes]
) -> None:
    # Both failed three times as internal errors.
    good = make_docx(tmp_path / "a.docx", ["Oil the chain every 200 km."])
    broken = rewrite_member(good, tmp_path / "broken.docx", member, edit)
    with pytest.raises(CorruptMedia, match="corrupt DOCX"):
        extract_document(context(tmp_path, broken, kind="document", mime=DOCX))


MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
WPS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"


def _with_body_xml(source: Path, target: Path, xml: bytes) -> Path:
    """``source`` with ``xml`` put in its body after the first paragraph."""

    def edit(document: bytes) -> bytes:
        at = document.index(b"</w:p>") + len(b"</w:p>")
        return document[:at] + xml + document[at:]

    return rewrite_member(source, target, "word/document.xml", edit)


def test_a_docx_gives_the_text_of_content_controls_and_text_boxes_once_in_order(tmp_path: Path) -> None:
    # A template's title and a form's fields sit in content controls (w:sdt), a flyer's notices
    # in text boxes: python-docx's document.paragraphs and tables leave both out. Word writes a
    # text box twice (mc:Choice, and mc:Fallback for older readers).
    def run(text: str) -> bytes:
        return b"<w:r><w:t>" + text.encode() + b"</w:t></w:r>"

    box = b"<w:txbxContent><w:p>" + run("Lighthouse keeper notice") + b"</w:p></w:txbxContent>"
    xml = (
        b"<w:sdt><w:sdtPr><w:alias w:val='Title'/></w:sdtPr><w:sdtContent><w:p>"
        + run("Contract for the harbour dredging")
        + b"</w:p><w:tbl><w:tr><w:tc><w:p>"
        + run("Depth")
        + b"</w:p></w:tc><w:tc><w:p>"
        + run("12 m")
        + b"</w:p></w:tc></w:tr></w:tbl></w:sdtContent></w:sdt><w:p>"
        + run("Before the box.")
        + f"<w:r><mc:AlternateContent xmlns:mc='{MC}'><mc:Choice Requires='wps'><w:drawing>"
        f"<wps:txbx xmlns:wps='{WPS}'>".encode()
        + box
        + b"</wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape"
        b" xmlns:v='urn:schemas-microsoft-com:vml'><v:textbox>"
        + box
        + b"</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"
    )
    path = _with_body_xml(
        make_docx(tmp_path / "a.docx", ["Cover page.", "The last paragraph."]), tmp_path / "b.docx", xml
    )
    extraction = extract_document(context(tmp_path, path, kind="document", mime=DOCX))
    text = "\n".join(s.text for s in extraction.segments)
    order = [
        "Cover page.",
        "Contract for the harbour dredging",
        "Depth | 12 m",
        "Before the box.",
        "Lighthouse keeper notice",
        "The last paragraph.",
    ]
    assert [text.find(part) for part in order] == sorted(text.find(part) for part in order), text
    assert all(text.count(part) == 1 for part in order), text


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _with_notes(source: Path, target: Path, footnotes: bytes | None, endnotes: bytes | None) -> Path:
    """``source`` with footnote and endnote parts, related to the document as Word relates them."""
    parts = {"footnotes": footnotes, "endnotes": endnotes}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename == "[Content_Types].xml":
                overrides = b"".join(
                    b'<Override PartName="/word/%s.xml" ContentType="application/vnd.openxmlformats-'
                    b'officedocument.wordprocessingml.%s+xml"/>' % (name.encode(), name.encode())
                    for name, xml in parts.items()
                    if xml is not None
                )
                data = data.replace(b"</Types>", overrides + b"</Types>")
            elif item.filename == "word/_rels/document.xml.rels":
                rels = b"".join(
                    b'<Relationship Id="rIdNotes%d" Type="%s/%s" Target="%s.xml"/>'
                    % (i, RELS.encode(), name.encode(), name.encode())
                    for i, (name, xml) in enumerate(parts.items())
                    if xml is not None
                )
                data = data.replace(b"</Relationships>", rels + b"</Relationships>")
            new.writestr(item.filename, data)
        for name, xml in parts.items():
            if xml is not None:
                new.writestr(f"word/{name}.xml", xml)
    return target


def _notes(kind: str, texts: list[str]) -> bytes:
    separator = f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
    notes = "".join(
        f'<w:{kind} w:id="{i}"><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:{kind}>'
        for i, text in enumerate(texts, 1)
    )
    return f'<w:{kind}s xmlns:w="{W}">{separator}{notes}</w:{kind}s>'.encode()


def test_a_docx_gives_its_footnotes_and_endnotes_after_its_body(tmp_path: Path) -> None:
    source = make_docx(tmp_path / "a.docx", ["The lease runs for five years."])
    path = _with_notes(
        source,
        tmp_path / "b.docx",
        _notes("footnote", ["Renewal needs written notice six months ahead."]),
        _notes("endnote", ["Signed at the harbour office."]),
    )
    extraction = extract_document(context(tmp_path, path, kind="document", mime=DOCX))
    text = "\n".join(s.text for s in extraction.segments)
    assert text.index("five years") < text.index("six months ahead") < text.index("harbour office"), text


def test_a_notes_part_that_does_not_parse_leaves_the_body_readable(tmp_path: Path) -> None:
    source = make_docx(tmp_path / "a.docx", ["The lease runs for five years."])
    path = _with_notes(source, tmp_path / "b.docx", b"<w:footnotes><unclosed>", None)
    extraction = extract_document(context(tmp_path, path, kind="document", mime=DOCX))
    assert "five years" in "\n".join(s.text for s in extraction.segments)


def test_a_docx_gives_its_headers_footers_comments_and_tables_in_cells(tmp_path: Path) -> None:
    # python-docx reads none of these: a letterhead's company name, a footer's reference, a
    # reviewer's comment and a table nested in a cell were not searchable.
    import docx

    document = docx.Document()
    paragraph = document.add_paragraph("The lease runs for five years.")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Rooms"
    inner = table.cell(0, 1).add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "kitchen"
    inner.cell(0, 1).text = "pantry"
    merged = document.add_table(rows=1, cols=3)
    merged.cell(0, 0).merge(merged.cell(0, 1)).text = "Deposit"  # python-docx lists it twice
    merged.cell(0, 2).text = "two months"
    section = document.sections[0]
    section.header.paragraphs[0].text = "Harbour Lettings Ltd"
    section.footer.paragraphs[0].text = "Reference HL-2291"
    second = document.add_section()
    second.header.is_linked_to_previous = False
    second.header.paragraphs[0].text = "Harbour Lettings Ltd"  # the same on every section: once
    document.add_paragraph("Rent is paid monthly.")
    document.add_comment(paragraph.runs, text="Check the term with the landlord.", author="Ana")
    path = tmp_path / "lease.docx"
    document.save(str(path))

    extraction = extract_document(context(tmp_path, path, kind="document", mime=DOCX))
    text = "\n".join(s.text for s in extraction.segments)
    assert text.count("Harbour Lettings Ltd") == 1, text
    assert text.index("Harbour Lettings") < text.index("five years") < text.index("monthly"), text
    assert "Rooms | kitchen pantry" in text and "\nDeposit | two months" in text, text
    assert text.index("monthly") < text.index("HL-2291") < text.index("Check the term with the landlord"), (
        text
    )
