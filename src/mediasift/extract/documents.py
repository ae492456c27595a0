"""Documents and plain text: text, Markdown, HTML, DOCX (PDF in ``pdf.py``, PPTX in ``slides.py``).

Each becomes ``text`` segments chunked by ``chunking.chunk_text``; a segment's ``meta`` keeps
``char_start``/``char_end`` into the document's extracted text so a citation can point back.
"""

from __future__ import annotations

import re
from pathlib import Path

from mediasift.errors import CorruptMedia, LimitExceeded
from mediasift.extract.base import ExtractContext, Extraction
from mediasift.extract.chunking import text_segments


def extract_document(ctx: ExtractContext) -> Extraction:
    """Route a document or text file by its sniffed MIME type."""
    if ctx.mime == "application/pdf":
        from mediasift.extract.pdf import extract_pdf

        return extract_pdf(ctx)
    if ctx.mime.endswith("presentationml.presentation"):
        from mediasift.extract.slides import extract_slides

        return extract_slides(ctx)
    if ctx.mime.endswith("wordprocessingml.document"):
        text = _docx_text(ctx.path)
    elif ctx.mime == "application/vnd.oasis.opendocument.text":
        text = _odt_text(ctx.path)
    elif ctx.mime == "text/html":
        text = _html_text(_read_text(ctx.path, ctx.settings.max_text_chars))
    else:
        text = _read_text(ctx.path, ctx.settings.max_text_chars)
    return text_extraction(ctx, text)


def text_extraction(ctx: ExtractContext, text: str, page: int | None = None) -> Extraction:
    if len(text) > ctx.settings.max_text_chars:
        raise LimitExceeded(
            f"document has {len(text)} characters; the limit is {ctx.settings.max_text_chars}"
        )
    extraction = Extraction(info={"metadata": {"characters": len(text)}})
    extraction.segments.extend(text_segments(ctx, text, page=page))
    return extraction


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


_BLOCK_TAGS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "br", "section", "article", "pre"}


def _html_text(html: str) -> str:
    import lxml.html

    try:
        root = lxml.html.document_fromstring(html)
    except Exception as exc:  # lxml raises several unrelated types for unparseable markup
        raise CorruptMedia(f"unparseable HTML: {exc}") from None
    for bad in root.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag in _BLOCK_TAGS:
            el.tail = "\n\n" + (el.tail or "")
    text = root.text_content()
    return re.sub(r"\n\s*\n\s*", "\n\n", re.sub(r"[ \t\r\f\v]+", " ", text)).strip()


def _docx_text(path: Path) -> str:
    import zipfile

    import docx
    from docx.exceptions import InvalidXmlError
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    try:
        document = docx.Document(str(path))
        blocks = [p.text for p in document.paragraphs if p.text.strip()]
        for table in document.tables:
            for row in table.rows:
                cells = [c.text.strip() for c in row.cells if c.text.strip()]
                if cells:
                    blocks.append(" | ".join(cells))
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
    return "\n\n".join(blocks)


_ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


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
    for element in root.iter(f"{{{_ODF_TEXT}}}h", f"{{{_ODF_TEXT}}}p"):
        text = "".join(element.itertext()).strip()
        if text:
            blocks.append(text)
    return "\n\n".join(blocks)
