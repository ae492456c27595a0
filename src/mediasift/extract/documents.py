"""Documents and plain text: text, Markdown, HTML, DOCX (PDF in ``pdf.py``, PPTX in ``slides.py``).

Each becomes ``text`` segments chunked by ``chunking.chunk_text``; a segment's ``meta`` keeps
``char_start``/``char_end`` into the document's extracted text so a citation can point back.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from mediasift.errors import CorruptMedia, LimitExceeded
from mediasift.extract.base import ExtractContext, Extraction
from mediasift.extract.chunking import text_segments
from mediasift.extract.subtitles import subtitle_extraction
from mediasift.media.sniff import (
    CSV_MIME,
    DOC_MIME,
    EPUB_MIME,
    JSON_MIME,
    ODP_MIME,
    ODS_MIME,
    PPT_MIME,
    XLS_MIME,
    XLSX_MIME,
    csv_dialect,
)
from mediasift.media.subtitle_format import MIMES as SUBTITLE_MIMES
from mediasift.text_form import searchable, storable

log = logging.getLogger(__name__)


def extract_document(ctx: ExtractContext) -> Extraction:
    """Route a document or text file by its sniffed MIME type."""
    if ctx.mime == "application/pdf":
        from mediasift.extract.pdf import extract_pdf

        return extract_pdf(ctx)
    if ctx.mime in _THROUGH_PDF:
        return _through_pdf(ctx)
    if ctx.mime.endswith("presentationml.presentation"):
        from mediasift.extract.slides import extract_slides

        return extract_slides(ctx)
    outline: list[tuple[int, str]] = []  # the headings, for a conversion to Markdown
    if ctx.mime.endswith("wordprocessingml.document"):
        text, outline = _docx_text(ctx.path)
    elif ctx.mime == "application/vnd.oasis.opendocument.text":
        text = _odt_text(ctx.path)
    elif ctx.mime == XLSX_MIME:
        text = _xlsx_text(ctx.path, ctx.settings.max_text_chars)
    elif ctx.mime == XLS_MIME:
        text = _xls_text(ctx.path, ctx.settings.max_text_chars)
    elif ctx.mime == ODS_MIME:
        text = _ods_text(ctx.path, ctx.settings.max_text_chars)
    elif ctx.mime == EPUB_MIME:
        text = _epub_text(ctx.path, ctx.settings.max_text_chars)
    elif ctx.mime == "text/html":
        text = _html_text(_read_text(ctx.path, ctx.settings.max_text_chars), outline=outline)
    elif ctx.mime == "application/rtf":
        text = _rtf_text(_read_text(ctx.path, ctx.settings.max_text_chars))
    elif ctx.mime in XML_MIMES:
        text = _xml_text(_read_text(ctx.path, ctx.settings.max_text_chars))
    elif ctx.mime == JSON_MIME:
        text = _json_text(_read_text(ctx.path, ctx.settings.max_text_chars))
    elif ctx.mime == CSV_MIME:
        text = _csv_text(_read_text(ctx.path, ctx.settings.max_text_chars))
    elif ctx.mime == "text/markdown":
        text = _html_text(_markdown_html(_read_text(ctx.path, ctx.settings.max_text_chars)), outline=outline)
    elif ctx.mime in SUBTITLE_MIMES:
        text = _read_text(ctx.path, ctx.settings.max_text_chars)
        _check_length(ctx, text)
        timed = subtitle_extraction(ctx, text)
        if timed is not None:
            return timed
    else:
        text = _read_text(ctx.path, ctx.settings.max_text_chars)
    return text_extraction(ctx, text, outline=outline)


# Read as the PDF LibreOffice makes of them: Office 97-2003's binary formats, and OpenDocument
# presentations (their slides cited by number as a PPTX's are).
_THROUGH_PDF = {DOC_MIME: ".doc", PPT_MIME: ".ppt", ODP_MIME: ".odp"}


def _through_pdf(ctx: ExtractContext) -> Extraction:
    """A Word or PowerPoint 97-2003 document or an OpenDocument presentation, converted to PDF by
    LibreOffice and read as a PDF is: its pages' (or slides') text, each cited by its page, OCR
    where a page has no text."""
    import dataclasses
    import tempfile

    from mediasift.extract.pdf import extract_pdf
    from mediasift.media import office

    ext = _THROUGH_PDF[ctx.mime]
    if office.available(ctx.settings) is None:
        raise office.missing(ctx.settings, f"reading a {ext} file")
    with tempfile.TemporaryDirectory(prefix="mediasift-legacy-") as tmp:
        pdf = Path(tmp) / "document.pdf"
        office.to_pdf(ctx.path, ext, pdf, ctx.settings)
        return extract_pdf(dataclasses.replace(ctx, path=pdf, mime="application/pdf"))


MAX_OUTLINE = 500  # headings kept for a conversion to Markdown
MAX_LIST_ITEMS = 2000  # list items kept for it
LIST_ITEM = 0  # an outline entry's level for a list's item (headings are 1–6)


def text_extraction(
    ctx: ExtractContext, text: str, page: int | None = None, outline: Sequence[tuple[int, str]] = ()
) -> Extraction:
    """``outline``: the text's headings, (level, text) in order, and its lists' items (level
    ``LIST_ITEM``), kept in the media's extracted metadata (``outline``, ``list_items``) for its
    Markdown conversion; they are lines of ``text`` already."""
    _check_length(ctx, text)
    metadata: dict[str, Any] = {"characters": len(text)}
    headings = [[level, heading] for level, heading in outline if level != LIST_ITEM]
    items = [item for level, item in outline if level == LIST_ITEM]
    if headings:
        metadata["outline"] = headings[:MAX_OUTLINE]
    if items:
        metadata["list_items"] = items[:MAX_LIST_ITEMS]
    extraction = Extraction(info={"metadata": metadata})
    extraction.segments.extend(text_segments(ctx, text, page=page))
    return extraction


def _check_length(ctx: ExtractContext, text: str) -> None:
    if len(text) > ctx.settings.max_text_chars:
        raise LimitExceeded(
            f"document has {len(text)} characters; the limit is {ctx.settings.max_text_chars}"
        )


def _read_text(path: Path, max_chars: int) -> str:
    raw = path.read_bytes()
    if len(raw) > max_chars * 4:
        raise LimitExceeded(f"text file of {len(raw)} bytes exceeds the text limit")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


# Elements that end a block of text: what follows them starts a paragraph of its own (HTML's
# block-level elements, the title, a line break). Without it their words run into the next ones.
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "dialog", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "hgroup", "hr", "legend", "li", "main", "nav", "ol", "option", "p", "pre",
    "section", "summary", "table", "title", "tr", "ul",
}  # fmt: skip
_CELL_TAGS = {"td", "th"}  # a row's cells read "cell | cell", as a DOCX's do
_LAST_CELL = re.compile(r"[ \t]*\|[ \t]*(?=\n|$)")


_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")


def _markdown_html(markdown: str) -> str:
    """A Markdown file as the HTML page it renders to, read as such: headings and list items
    apart, a table's cells as "cell | cell", no ``#``, ``**`` or ``|---|`` (they had reached
    summaries, entities ("60 s |") and quoted answers)."""
    from markdown_it import MarkdownIt

    return str(MarkdownIt("commonmark").enable("table").render(markdown))


def _html_text(html: str, *, titles: bool = True, outline: list[tuple[int, str]] | None = None) -> str:
    """A page's text, blocks apart. ``titles=False``: its ``<title>`` left out (an EPUB chapter's
    is mostly the book's, which the book gives once). ``outline``: given, the page's headings
    (``h1``–``h6``) are added to it, (level, text) in order, from the same parse."""
    import lxml.html

    # lxml parses control characters but refuses them in a text it is given back (the block
    # separators below): they become what search reads them as first.
    html = searchable(storable(html))
    # An XHTML page's declaration names an encoding the decoded text no longer has, and lxml
    # refuses a text that declares one.
    html = _XML_DECLARATION.sub("", html, count=1)
    try:
        root = lxml.html.document_fromstring(html)
    except Exception as exc:  # lxml raises several unrelated types for unparseable markup
        raise CorruptMedia(f"unparseable HTML: {exc}") from None
    for bad in root.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    if outline is not None:
        for block in root.iter("h1", "h2", "h3", "h4", "h5", "h6", "li"):
            if block.tag == "li" and block.xpath(".//ul|.//ol"):
                continue  # an item holding a list: its items are listed themselves
            if text := " ".join(block.text_content().split()):
                outline.append((LIST_ITEM if block.tag == "li" else int(str(block.tag)[1]), text))
    headings = {" ".join(h.text_content().split()).casefold() for h in root.xpath("//h1|//h2|//h3")}
    for title in root.xpath("//title"):
        if not titles or " ".join(title.text_content().split()).casefold() in headings:
            title.drop_tree()  # a page's title that its heading repeats, read once
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag in _BLOCK_TAGS:
            el.text = "\n\n" + (el.text or "")  # apart from what comes before it, too
            el.tail = "\n\n" + (el.tail or "")
        elif isinstance(el.tag, str) and el.tag in _CELL_TAGS:
            # the line breaks of markup written a cell a line (as Markdown renders tables) are no
            # break in the row
            el.tail = " | " + (el.tail or "").lstrip()
    text = re.sub(r"[ \t\r\f\v]+", " ", root.text_content())
    text = _LAST_CELL.sub("", text)
    return re.sub(r"[ ]*\n\s*\n\s*", "\n\n", text).strip()


XML_MIMES = frozenset({"image/svg+xml", "application/xml"})
# Elements whose text no one reads as the document's: styles, scripts, an SVG's reusable
# definitions (gradients, clip paths), RDF metadata's machinery.
_XML_HIDDEN = frozenset({"style", "script", "defs"})


def _xml_text(xml: str) -> str:
    """An XML document's text (an SVG's labels and title, a feed's items, a data file's values),
    without tags, comments or processing instructions: an element holding text of its own is one
    line, its inline children's text with it ("Acme <tspan>Coffee</tspan>" reads "Acme Coffee").
    A damaged document gives what its readable part holds."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, remove_comments=True)
    try:
        root = etree.fromstring(storable(xml).encode("utf-8"), parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise CorruptMedia(f"unreadable XML: {exc}") from None
    if root is None:
        raise CorruptMedia("unreadable XML: no element could be read")
    lines: list[str] = []
    _xml_lines(root, lines)
    return "\n".join(lines)


def _xml_lines(element: Any, lines: list[str]) -> None:
    if not isinstance(element.tag, str) or element.tag.rpartition("}")[2] in _XML_HIDDEN:
        return  # an entity left unresolved, a processing instruction, a style sheet
    if element.text and element.text.strip():
        words = [element.text, *(_xml_inline(child) for child in element)]
        lines.append(" ".join(" ".join(words).split()))
        return
    for child in element:
        _xml_lines(child, lines)
        if child.tail and child.tail.strip():
            lines.append(" ".join(child.tail.split()))


def _xml_inline(element: Any) -> str:
    """An inline child's text and what follows it, as part of its parent's line."""
    own = ""
    if isinstance(element.tag, str) and element.tag.rpartition("}")[2] not in _XML_HIDDEN:
        own = " ".join(element.itertext())
    return f"{own} {element.tail or ''}"


def _rtf_text(rtf: str) -> str:
    """An RTF document's text; ``\\'e9`` and ``\\u233`` escapes read in the document's code page."""
    from striprtf.striprtf import rtf_to_text

    try:
        text = rtf_to_text(rtf, errors="replace")
    except Exception as exc:  # a small parser's IndexError, ValueError… on damaged markup
        raise CorruptMedia(f"unreadable RTF: {exc}") from None
    return re.sub(r"\n\s*\n\s*", "\n\n", text).strip()


def _docx_text(path: Path) -> tuple[str, list[tuple[int, str]]]:
    import zipfile

    import docx
    from docx.exceptions import InvalidXmlError
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    outline: list[tuple[int, str]] = []
    try:
        document = docx.Document(str(path))
        blocks = (
            _docx_margins(document, _HEADERS)
            + _docx_blocks(document, outline)
            + _docx_notes(document)
            + _docx_margins(document, _FOOTERS)
            + _docx_comments(document)
        )
    except (
        PackageNotFoundError,
        KeyError,
        ValueError,
        zipfile.BadZipFile,
        XMLSyntaxError,
        InvalidXmlError,
        AttributeError,
        TypeError,
    ) as exc:
        # A member cut short (it claimed fewer bytes than it holds) arrives here as broken XML; a
        # relationship part without the elements python-docx expects as an AttributeError, one
        # without its target as a TypeError (a path joined with None) or InvalidXmlError.
        raise CorruptMedia(f"corrupt DOCX: {exc}") from None
    return "\n\n".join(blocks), outline


# Word's markup-compatibility wrapper: a DrawingML text box is written twice, in ``mc:Choice`` and,
# for older readers, in ``mc:Fallback`` as VML; its text is read once, from the first.
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _docx_blocks(document: Any, outline: list[tuple[int, str]]) -> list[str]:
    """The body's paragraphs and table rows ("cell | cell") in document order, wherever they sit:
    at the top level, inside content controls (``w:sdt``: a template's title, a form's fields) and
    in text boxes, which python-docx's ``document.paragraphs`` and ``tables`` leave out. A table
    inside a table's cell is read as that cell's text; a merged cell once. Paragraphs in a
    "Title" or "Heading N" style are added to ``outline``."""
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    paragraph, table = qn("w:p"), qn("w:tbl")
    parent = document._body  # what python-docx gives its own proxies
    blocks = []
    for element in document.element.body.iter(paragraph, table):
        if any(a.tag in (table, _MC_FALLBACK) for a in element.iterancestors()):
            continue  # a cell's paragraph (its row says it) or a text box's second copy
        if element.tag == paragraph:
            para = Paragraph(element, parent)
            text = para.text
            if text.strip():
                blocks.append(text)
                if level := _heading_level(para):
                    outline.append((level, " ".join(text.split())))
                elif _list_item(para):
                    outline.append((LIST_ITEM, " ".join(text.split())))
            continue
        for row in _own(element, qn("w:tr"), table):
            cells = [
                text for cell in _own(row, qn("w:tc"), qn("w:tr")) if (text := _docx_text_of(cell, parent))
            ]
            if cells:
                blocks.append(" | ".join(cells))
    return blocks


def _list_item(paragraph: Any) -> bool:
    """Whether a paragraph is a list's item: numbered or bulleted by Word's numbering, or in a
    "List …" style ("List Bullet", "List Number", "List Paragraph")."""
    ppr = paragraph._p.pPr
    if ppr is None:
        return False
    if ppr.numPr is not None:
        return True
    if ppr.pStyle is None:
        return False
    try:
        return (paragraph.style.name or "").casefold().startswith("list")
    except (KeyError, ValueError, AttributeError):
        return False


def _heading_level(paragraph: Any) -> int | None:
    """1 for a paragraph in Word's "Title" style, N for "Heading N", else None: by the style's
    built-in name, which Word writes in English whatever its language (the id it writes is not:
    "Ttulo1")."""
    if paragraph._p.pPr is None or paragraph._p.pPr.pStyle is None:
        return None  # the default style: no lookup
    try:
        name = (paragraph.style.name or "").casefold()
    except (KeyError, ValueError, AttributeError):
        return None
    if name == "title":
        return 1
    match = re.fullmatch(r"heading ([1-9])", name)
    return int(match.group(1)) if match else None


def _own(element: Any, tag: str, kind: str) -> Iterator[Any]:
    """The ``tag`` elements inside ``element`` (of ``kind``) whose nearest ``kind`` is ``element``:
    a table's rows and a row's cells, also where a content control wraps them, not a nested table's."""
    return (child for child in element.iter(tag) if next(child.iterancestors(kind), None) is element)


def _docx_text_of(element: Any, parent: Any) -> str:
    """The text of every paragraph inside ``element`` (a cell, a header, a comment), tables nested
    in it included, one space between paragraphs; a text box's second copy left out."""
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    texts = (
        Paragraph(p, parent).text.strip()
        for p in element.iter(qn("w:p"))
        if not any(a.tag == _MC_FALLBACK for a in p.iterancestors())
    )
    return " ".join(t for t in texts if t)


_NOT_NOTES = {"separator", "continuationSeparator", "continuationNotice"}  # the rule above notes


def _docx_notes(document: Any) -> list[str]:
    """Each footnote's and endnote's text, after the body's, which python-docx does not read."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml.ns import qn

    notes = []
    for root in _docx_parts(document, (RT.FOOTNOTES, RT.ENDNOTES)):
        for note in root.iter(qn("w:footnote"), qn("w:endnote")):
            if note.get(qn("w:type")) not in _NOT_NOTES and (text := _docx_text_of(note, document._body)):
                notes.append(text)
    return notes


_HEADERS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"
_FOOTERS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer"


def _docx_margins(document: Any, reltype: str) -> list[str]:
    """The text of each header (``_HEADERS``) or footer (``_FOOTERS``) of the document's sections,
    once each however many sections repeat it: a letterhead, a reference, a title."""
    texts = (_docx_text_of(root, document._body) for root in _docx_parts(document, (reltype,)))
    return list(dict.fromkeys(t for t in texts if t))


def _docx_comments(document: Any) -> list[str]:
    """Each reviewer's comment's text, last (python-docx reads comments only on request)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml.ns import qn

    return [
        text
        for root in _docx_parts(document, (RT.COMMENTS,))
        for comment in root.iter(qn("w:comment"))
        if (text := _docx_text_of(comment, document._body))
    ]


def _docx_parts(document: Any, reltypes: tuple[str, ...]) -> Iterator[Any]:
    """The parsed root of each part of the main document of one of ``reltypes``, in their order,
    then in the order of their names (header1.xml, header2.xml…). A part that does not parse is
    left out (logged), the rest of the document kept."""
    from docx.oxml.parser import parse_xml  # python-docx's parser: entities never resolved
    from lxml.etree import XMLSyntaxError

    rels = [r for r in document.part.rels.values() if not r.is_external and r.reltype in reltypes]
    for rel in sorted(rels, key=lambda r: (reltypes.index(r.reltype), str(r.target_part.partname))):
        try:
            yield parse_xml(rel.target_part.blob)
        except (XMLSyntaxError, ValueError) as exc:
            log.warning("a DOCX's part %s does not parse, left out: %s", rel.target_ref, exc)


_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _xlsx_text(path: Path, max_chars: int) -> str:
    """An Excel workbook's sheets in order, each its name, then its rows, a row's cells "cell |
    cell", each row a paragraph of its own (as a DOCX table's: ask quotes a row, not a sheet):
    text as written, numbers as stored (a date is its serial number), formulas' last values,
    empty cells and error values left out. Rows are read as a stream, one at a time. A sheet that
    does not parse is left out (logged); none readable is ``CorruptMedia``."""
    import posixpath
    import zipfile

    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    blocks: list[str] = []
    rows_read = _Rows(max_chars)
    unreadable = 0
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            workbook = etree.fromstring(zf.read("xl/workbook.xml"), parser)
            rels = etree.fromstring(zf.read("xl/_rels/workbook.xml.rels"), parser)
            targets = {rel.get("Id"): rel.get("Target") or "" for rel in rels}
            shared: list[str] = []
            if "xl/sharedStrings.xml" in names:
                strings = etree.fromstring(zf.read("xl/sharedStrings.xml"), parser)
                shared = ["".join(si.itertext()) for si in strings.iter(f"{_SHEET_NS}si")]
            for sheet in workbook.iter(f"{_SHEET_NS}sheet"):
                target = targets.get(sheet.get(_RELATIONSHIP), "")
                member = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
                if member not in names:
                    continue
                try:
                    rows = _xlsx_rows(zf, member, shared, rows_read)
                except etree.XMLSyntaxError as exc:
                    log.warning("a workbook's sheet %s does not parse, left out: %s", member, exc)
                    unreadable += 1
                    continue
                if rows:
                    blocks.append("\n\n".join([sheet.get("name") or "", *rows]).strip())
            if unreadable and not blocks:
                raise CorruptMedia(f"corrupt XLSX: none of its {unreadable} sheets can be read")
    except (KeyError, zipfile.BadZipFile, etree.XMLSyntaxError) as exc:
        raise CorruptMedia(f"corrupt XLSX: {exc}") from None
    return "\n\n".join(blocks)


def _xlsx_rows(zf: Any, member: str, shared: list[str], rows_read: _Rows) -> list[str]:
    """One sheet's rows ("cell | cell"), read as a stream: each row freed once read."""
    from lxml import etree

    rows: list[str] = []
    with zf.open(member) as stream:
        for _, row in etree.iterparse(stream, tag=f"{_SHEET_NS}row", resolve_entities=False):
            cells = [v for c in row.iter(f"{_SHEET_NS}c") if (v := _xlsx_cell(c, shared))]
            _let_go(row)
            if line := rows_read.line(cells):
                rows.append(line)
    return rows


class _Rows:
    """A workbook's rows as "cell | cell" lines, their characters counted against the limit."""

    def __init__(self, max_chars: int) -> None:
        self._left = max_chars

    def line(self, cells: list[str]) -> str:
        """The row's line ("" for a row without cells)."""
        line = " | ".join(cells)
        self._left -= len(line) + 1 if cells else 0
        if self._left < 0:
            raise LimitExceeded("the workbook has more characters of text than the limit")
        return line


def _let_go(row: Any) -> None:
    """A row ``iterparse`` has read, emptied, and the rows before it taken off their sheet: a long
    sheet is never held whole."""
    row.clear()
    sheet = row.getparent()
    while sheet is not None and row.getprevious() is not None:
        del sheet[0]


def _xlsx_cell(cell: Any, shared: list[str]) -> str:
    kind = cell.get("t")
    if kind == "inlineStr":
        return " ".join("".join(cell.itertext()).split())
    value = cell.findtext(f"{_SHEET_NS}v")
    if value is None or kind == "e":
        return ""
    if kind == "s":
        index = int(value) if value.strip().isdigit() else -1
        return " ".join(shared[index].split()) if 0 <= index < len(shared) else ""
    if kind == "b":
        return "TRUE" if value.strip() == "1" else "FALSE"
    return value.strip()


def _csv_text(text: str) -> str:
    """A table of delimited values (``sniff.csv_dialect``) as a workbook's sheet is read: each
    row "cell | cell", a paragraph of its own (ask quotes a row, not the table: the whole file had
    been one sentence). Text that does not read as a table after all is read as written."""
    import csv
    import io

    dialect = csv_dialect(text)
    if dialect is None:
        return text
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), dialect)
    rows = (" | ".join(cell.strip() for cell in row if cell.strip()) for row in reader)
    return "\n\n".join(row for row in rows if row)


def _json_text(text: str) -> str:
    """A JSON document (or JSON Lines) as its keys and values, one "key: value" a line, nested
    values indented under their key, an array's items as "- item", each line (an item with the
    lines under it) a paragraph of its own: a sentence to ask and the second stage, as a table's
    row is. Text that does not parse as either is read as written."""
    import json

    try:
        try:
            records = json.loads(text)
            if not isinstance(records, list):
                records = [records]
        except ValueError:
            records = [json.loads(line) for line in text.splitlines() if line.strip()]
        return "\n\n".join(group for record in records for group in _json_paragraphs(_json_lines(record, "")))
    except (ValueError, RecursionError):  # not JSON after all, or nested past what can be walked
        return text


def _json_paragraphs(lines: Iterable[str]) -> Iterator[str]:
    """Each line its own paragraph, but an array item's lines together ("- do: Chill" with its
    "minutes: 60" under it)."""
    group: list[str] = []
    item_depth = -1  # the indent of the "- " line the group opened with, or -1
    for line in lines:
        depth = len(line) - len(line.lstrip(" "))
        if group and item_depth >= 0 and depth > item_depth:
            group.append(line)
            continue
        if group:
            yield "\n".join(group)
        group = [line]
        item_depth = depth if line.lstrip(" ").startswith("- ") else -1
    if group:
        yield "\n".join(group)


def _json_lines(value: Any, indent: str) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list):
                lines = list(_json_lines(item, indent + "  "))
                if lines:
                    yield f"{indent}{key}:"
                    yield from lines
            elif (scalar := _json_scalar(item)) is not None:
                yield f"{indent}{key}: {scalar}"
    elif isinstance(value, list):
        for item in value:
            lines = list(_json_lines(item, indent + "  "))
            if lines:
                yield f"{indent}- {lines[0].lstrip()}"
                yield from lines[1:]
    elif (scalar := _json_scalar(value)) is not None:
        yield f"{indent}{scalar}"


def _json_scalar(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_ODF_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODF_SHEET, _ODF_ROW, _ODF_CELL = (f"{{{_ODF_TABLE}}}{n}" for n in ("table", "table-row", "table-cell"))
_ODF_REPEATED = f"{{{_ODF_TABLE}}}number-columns-repeated"
_MAX_REPEATED = 20  # a cell repeated across more columns is read once (an empty one: a row's rest)


def _ods_text(path: Path, max_chars: int) -> str:
    """An OpenDocument spreadsheet's sheets in order, each its name, then its rows, a row's cells
    "cell | cell" as the sheet shows them (a number or date as formatted), empty cells left out.
    ``content.xml`` is read as a stream, a row at a time, so a long sheet is never held whole."""
    import zipfile

    from lxml import etree

    blocks: list[list[str]] = []
    rows_read = _Rows(max_chars)
    try:
        with zipfile.ZipFile(path) as zf, zf.open("content.xml") as content:
            events = etree.iterparse(
                content, events=("start", "end"), tag=(_ODF_SHEET, _ODF_ROW), resolve_entities=False
            )
            for event, element in events:
                if element.tag == _ODF_SHEET:
                    if event == "start":
                        blocks.append([element.get(f"{{{_ODF_TABLE}}}name") or ""])
                    else:
                        element.clear()
                    continue
                if event == "start" or not blocks:
                    continue
                cells = [text for cell in element if (text := _ods_cell(cell)) for _ in _repeats(cell)]
                _let_go(element)
                if line := rows_read.line(cells):
                    blocks[-1].append(line)
    except (KeyError, zipfile.BadZipFile, etree.XMLSyntaxError) as exc:
        raise CorruptMedia(f"corrupt ODS: {exc}") from None
    return "\n\n".join("\n\n".join(block).strip() for block in blocks if len(block) > 1)


def _ods_cell(cell: Any) -> str:
    if cell.tag != _ODF_CELL:  # a covered cell (under a merged one) has no text of its own
        return ""
    lines = ("".join(_odf_text(p)) for p in cell.iter(_ODF_P))
    return " ".join(" ".join(lines).split())


def _repeats(cell: Any) -> range:
    count = cell.get(_ODF_REPEATED)
    return range(min(int(count), _MAX_REPEATED) if count and count.isdigit() and int(count) > 0 else 1)


def _xls_text(path: Path, max_chars: int) -> str:
    """An Excel 97-2003 workbook's sheets in order, as an XLSX's are read: each its name, then
    its rows, a row's cells "cell | cell" (text as written, a whole number without ".0", a date
    as ISO 8601, booleans TRUE/FALSE, empty cells and error values left out). Sheets load one at
    a time and are let go once read."""
    import xlrd

    blocks: list[str] = []
    rows_read = _Rows(max_chars)
    try:
        book = xlrd.open_workbook(str(path), on_demand=True, logfile=_Unheard())
    except Exception as exc:  # xlrd's own errors, and struct.error, IndexError… on damaged bytes
        message = str(exc)
        if "encrypted" in message.lower():
            raise CorruptMedia("the XLS workbook is encrypted: remove the password") from None
        raise CorruptMedia(f"corrupt XLS: {message or type(exc).__name__}") from None
    try:
        for index in range(book.nsheets):
            try:
                sheet = book.sheet_by_index(index)
            except Exception as exc:  # as at opening: one sheet's damage leaves the others
                log.warning("a workbook's sheet %d does not parse, left out: %s", index, exc)
                continue
            rows = [sheet.name]
            for r in range(sheet.nrows):
                cells = [v for c in sheet.row(r) if (v := _xls_cell(c, book.datemode))]
                if line := rows_read.line(cells):
                    rows.append(line)
            book.unload_sheet(index)
            if len(rows) > 1:
                blocks.append("\n\n".join(rows).strip())
    finally:
        book.release_resources()
    return "\n\n".join(blocks)


class _Unheard:
    """Where xlrd writes its warnings (a damaged record, an odd file size): its default is the
    process's stdout, which is the server's log stream."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        return None


def _xls_cell(cell: Any, datemode: int) -> str:
    import xlrd

    if cell.ctype == xlrd.XL_CELL_TEXT:
        return " ".join(str(cell.value).split())
    if cell.ctype == xlrd.XL_CELL_NUMBER:
        number = float(cell.value)
        return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            moment = xlrd.xldate_as_datetime(cell.value, datemode)
        except (xlrd.xldate.XLDateError, ValueError, OverflowError):
            return str(cell.value)
        if float(cell.value) < 1:  # a time of day alone: its date would be Excel's day zero
            return moment.time().isoformat(timespec="minutes")
        return moment.date().isoformat() if moment.time() == moment.min.time() else moment.isoformat()
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if cell.value else "FALSE"
    return ""  # empty, blank, error


_CHAPTER_TYPES = {"application/xhtml+xml", "text/html"}


def _epub_text(path: Path, max_chars: int) -> str:
    """An EPUB book's title, then its chapters' text in reading order (its package's spine), each
    read as an HTML page is, without its ``<title>``; the table of contents and other files
    outside the spine left out. A chapter the package lists but does not hold, or that holds no
    page, is skipped (logged)."""
    import posixpath
    import zipfile
    from urllib.parse import unquote

    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    chapters: list[str] = []
    try:
        with zipfile.ZipFile(path) as zf:
            container = etree.fromstring(zf.read("META-INF/container.xml"), parser)
            rootfile = next(container.iter("{*}rootfile"), None)
            package = rootfile.get("full-path") if rootfile is not None else None
            if not package:
                raise CorruptMedia("corrupt EPUB: its container names no package")
            opf = etree.fromstring(zf.read(package), parser)
            title = next((t.text.strip() for t in opf.iter("{*}title") if t.text and t.text.strip()), None)
            if title:
                chapters.append(title)
            manifest = {
                item.get("id"): (item.get("href") or "", item.get("media-type") or "")
                for item in opf.iter("{*}item")
            }
            characters = 0
            for itemref in opf.iter("{*}itemref"):
                href, media_type = manifest.get(itemref.get("idref"), ("", ""))
                if not href or media_type not in _CHAPTER_TYPES:
                    continue
                name = posixpath.normpath(posixpath.join(posixpath.dirname(package), unquote(href)))
                try:
                    markup = zf.read(name)
                except KeyError:
                    log.warning("an EPUB's chapter %s is not in the book, left out", name)
                    continue
                try:
                    text = _html_text(markup.decode("utf-8", errors="replace"), titles=False)
                except CorruptMedia as exc:  # an empty chapter file (a cover page's leftover)
                    log.warning("an EPUB's chapter %s is unreadable, left out: %s", name, exc)
                    continue
                characters += len(text)
                if characters > max_chars:
                    raise LimitExceeded(f"the book has over {max_chars} characters of text")
                if text:
                    chapters.append(text)
    except (KeyError, zipfile.BadZipFile, etree.XMLSyntaxError) as exc:
        raise CorruptMedia(f"corrupt EPUB: {exc}") from None
    return "\n\n".join(chapters)


_ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ODF_H, _ODF_P = f"{{{_ODF_TEXT}}}h", f"{{{_ODF_TEXT}}}p"
# What an OpenDocument paragraph writes as elements rather than characters.
_ODF_SPACE, _ODF_TAB, _ODF_BREAK = (f"{{{_ODF_TEXT}}}{n}" for n in ("s", "tab", "line-break"))
_ODF_NOTE = f"{{{_ODF_TEXT}}}note"


def _odt_text(path: Path) -> str:
    """An OpenDocument text's headings and paragraphs (tables' cells are paragraphs too), in order."""
    import zipfile

    from lxml import etree

    try:
        with zipfile.ZipFile(path) as zf, zf.open("content.xml") as content:
            root = etree.parse(content, etree.XMLParser(resolve_entities=False, no_network=True))
    except (KeyError, zipfile.BadZipFile, etree.XMLSyntaxError) as exc:
        raise CorruptMedia(f"corrupt ODT: {exc}") from None
    blocks = []
    for element in root.iter(_ODF_H, _ODF_P):
        text = "".join(_odf_text(element)).strip()
        if text:
            blocks.append(text)
    return "\n\n".join(blocks)


def _odf_text(element: Any) -> Iterator[str]:
    """A heading's or paragraph's own text: spaces, tabs and line breaks written as elements
    (``text:s``, ``text:tab``, ``text:line-break``) as the characters they stand for; paragraphs
    nested in it (a text box's, a footnote's) left to be read as paragraphs of their own."""
    yield element.text or ""
    for child in element:
        if child.tag == _ODF_SPACE:
            yield " " * _odf_spaces(child.get(f"{{{_ODF_TEXT}}}c"))
        elif child.tag == _ODF_TAB:
            yield "\t"
        elif child.tag == _ODF_BREAK:
            yield "\n"
        elif child.tag not in (_ODF_H, _ODF_P, _ODF_NOTE):
            yield from _odf_text(child)  # a span, a link, a frame: what it holds
        yield child.tail or ""


def _odf_spaces(count: str | None) -> int:
    # text:c says how many; a damaged or hostile one must not make a gigabyte of spaces
    return min(int(count), 100) if count and count.isdigit() else 1
