"""The extractor for PowerPoint (``.pptx``, kind "document"): every slide cites its number.

Segments, all with ``page`` = the 1-based slide number:

- ``slide``     (modality text): title, then body text frames, then tables (cells joined by " | ",
  one row per line), in the slide's shape order; ``meta["title"]``.
- ``note``      (modality note): the speaker notes.
- ``slide-ocr`` (modality ocr):  text read in each picture on the slide, ``meta["picture"]`` = the
  picture's name. A picture repeated across slides (a logo) is read once and cited on each slide.

Where LibreOffice is installed (``media/office.py``), each slide is also drawn as a small JPEG,
``pages/{n:04d}.jpg`` as for PDF pages, set as its segments' ``frame_key`` so a hit shows the
slide; without it (or if it fails on the deck) slides have no picture and the ingest goes on.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mediasift.domain import Modality
from mediasift.errors import CorruptMedia, LimitExceeded, MediasiftError
from mediasift.extract.base import ExtractContext, Extraction
from mediasift.extract.ocr_text import ocr_segments
from mediasift.extract.ocr_tiles import read_picture
from mediasift.media import office
from mediasift.media.images import decode_image
from mediasift.media.pdf_pages import open_pdf, page_count, read_page
from mediasift.ocr.base import OcrLine
from mediasift.ocr.factory import get_ocr_engine

OCR_MAX_SIDE = 2000  # pixels; matches the image extractor
_MAX_SLIDE_PICTURES = 500  # as PDF page thumbnails
log = logging.getLogger("mediasift.extract")


def _shapes(shapes: Any) -> Iterator[Any]:
    """Every shape, descending into groups, in the slide's z-order."""
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    for shape in shapes:
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            yield from _shapes(shape.shapes)
        else:
            yield shape


def _table_text(table: Any) -> str:
    rows = []
    for row in table.rows:
        cells = [" ".join(cell.text.split()) for cell in row.cells]
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)


_DIAGRAM = "http://schemas.openxmlformats.org/drawingml/2006/diagram"
_DRAWING = "http://schemas.openxmlformats.org/drawingml/2006/main"
_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _diagram_text(slide: Any, shape: Any) -> str:
    """A SmartArt diagram's text, one line a paragraph ("" for any other shape). python-pptx
    reads none of it: the words sit in the diagram's data part, which the shape names by a
    relationship. A data part that is missing or does not parse is read as no text."""
    from lxml import etree

    relations = shape.element.findall(f".//{{{_DIAGRAM}}}relIds")
    if not relations:
        return ""
    data_id = relations[0].get(f"{{{_RELATIONSHIP}}}dm")
    try:
        blob = slide.part.related_part(data_id).blob
        root = etree.fromstring(blob, etree.XMLParser(resolve_entities=False, no_network=True))
    except (KeyError, ValueError, etree.XMLSyntaxError):
        return ""
    lines = []
    for paragraph in root.iter(f"{{{_DRAWING}}}p"):
        line = "".join(t.text or "" for t in paragraph.iter(f"{{{_DRAWING}}}t")).strip()
        if line:
            lines.append(line)
    return "\n".join(lines)


def _picture_blob(shape: Any) -> bytes | None:
    """A picture's bytes; None for a shape that is no picture; empty for one whose image the
    package lost (its relationship names no part), which is then counted as unreadable."""
    try:
        return shape.image.blob  # pictures and picture placeholders
    except (AttributeError, ValueError):
        return None  # not a picture, or a placeholder with no image in it
    except KeyError:
        return b""


def extract_slides(ctx: ExtractContext) -> Extraction:
    """Text, notes and picture OCR of every slide. ``info``: pages = number of slides.

    Raises ``CorruptMedia`` for a file python-pptx cannot open and ``LimitExceeded`` for more
    slides than ``settings.max_pages``.
    """
    from lxml.etree import XMLSyntaxError
    from pptx import Presentation
    from pptx.exc import InvalidXmlError, PackageNotFoundError

    try:
        deck = Presentation(str(ctx.path))
        slides = list(deck.slides)
    except (
        PackageNotFoundError,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        XMLSyntaxError,
        InvalidXmlError,
        AttributeError,
    ) as exc:
        # python-pptx follows a package's relationships lazily: a missing one surfaces as a
        # KeyError when the slides are listed, a malformed one as InvalidXmlError or as an lxml
        # element without the child it expects (AttributeError).
        raise CorruptMedia(f"cannot open presentation: {exc}") from None
    if len(slides) > ctx.settings.max_pages:
        raise LimitExceeded(f"{len(slides)} slides; the limit is {ctx.settings.max_pages}")

    extraction = Extraction(info={"pages": len(slides)})
    engine = None
    read_cache: dict[str, list[OcrLine]] = {}
    unreadable = 0
    unreadable_slides = []
    for number, slide in enumerate(slides, start=1):
        try:
            title, parts, notes, pictures = _read_slide(slide)
        except (ValueError, KeyError, AttributeError, TypeError, InvalidXmlError) as exc:
            # python-pptx reads a slide's XML lazily: a value it has no mapping for (a damaged
            # placeholder type) or a part it cannot follow surfaces here. That slide is left out.
            log.warning("slide %d of media %s cannot be read, left out: %s", number, ctx.media_id, exc)
            unreadable_slides.append(number)
            continue
        if parts:
            text = "\n".join(p for p in parts if p)
            extraction.segments.append(
                ctx.segment("slide", Modality.TEXT, text, page=number, meta={"title": title})
            )
        if notes:
            extraction.segments.append(ctx.segment("note", Modality.NOTE, notes, page=number))
        for name, blob in pictures if ctx.ocr else ():
            digest = hashlib.sha256(blob).hexdigest()
            if digest not in read_cache:
                try:
                    picture = decode_image(blob, ctx.settings.max_pixels)
                except (CorruptMedia, LimitExceeded):
                    # One undecodable picture (EMF/WMF, or a bomb) must not sink the deck: count it.
                    unreadable += 1
                    read_cache[digest] = []
                    continue
                engine = engine or get_ocr_engine(ctx.models, ctx.settings)
                read_cache[digest] = read_picture(engine, picture, OCR_MAX_SIDE)
            if read_cache[digest] and engine is not None:
                extraction.segments += ocr_segments(
                    ctx, "slide-ocr", read_cache[digest], engine.id, page=number, meta={"picture": name}
                )
        ctx.progress("slides", number / len(slides))
    if unreadable_slides and len(unreadable_slides) == len(slides):
        raise CorruptMedia(f"none of the presentation's {len(slides)} slides can be read")
    metadata: dict[str, Any] = {}
    if unreadable:
        metadata["unreadable_pictures"] = unreadable
    if unreadable_slides:
        metadata["unreadable_slides"] = unreadable_slides
    if metadata:
        extraction.info["metadata"] = metadata
    drawn = _slide_pictures(ctx, len(slides))
    for seg in extraction.segments:
        if seg.page is not None and seg.page in drawn and seg.frame_key is None:
            seg.frame_key = drawn[seg.page]
    return extraction


def _read_slide(slide: Any) -> tuple[str, list[str], str, list[tuple[str, bytes]]]:
    """A slide's title, the texts of its shapes (the title first), its speaker notes and its
    pictures as ``(shape name, bytes)``."""
    title_shape = slide.shapes.title
    title = title_shape.text_frame.text.strip() if title_shape is not None else ""
    parts = [title] if title else []
    pictures: list[tuple[str, bytes]] = []
    for shape in _shapes(slide.shapes):
        if title_shape is not None and shape.shape_id == title_shape.shape_id:
            continue
        if shape.has_text_frame and shape.text_frame.text.strip():
            parts.append(shape.text_frame.text.strip())
        elif getattr(shape, "has_table", False) and shape.has_table:
            parts.append(_table_text(shape.table))
        elif diagram := _diagram_text(slide, shape):
            parts.append(diagram)
        elif (blob := _picture_blob(shape)) is not None:
            pictures.append((shape.name, blob))
    notes = slide.notes_slide.notes_text_frame.text.strip() if slide.has_notes_slide else ""
    return title, parts, notes, pictures


def _slide_pictures(ctx: ExtractContext, slides: int) -> dict[int, str]:
    """Each slide drawn by LibreOffice as a JPEG artifact: ``{slide number: key}``, or nothing
    where LibreOffice is missing or cannot draw this deck."""
    from mediasift.extract.pdf import thumbnail, thumbnail_scale

    if not slides or office.available(ctx.settings) is None:
        return {}
    keys: dict[int, str] = {}
    with tempfile.TemporaryDirectory(prefix="mediasift-slides-") as tmp:
        pdf_path = Path(tmp) / "deck.pdf"
        try:
            office.to_pdf(ctx.path, ".pptx", pdf_path, ctx.settings)
        except MediasiftError as exc:  # a picture is a nicety: the deck's text is what counts
            log.warning("slides of media %s not drawn: %s", ctx.media_id, exc.message)
            return {}
        with open_pdf(pdf_path) as pdf:
            for index in range(min(page_count(pdf), slides, _MAX_SLIDE_PICTURES)):
                try:
                    picture = read_page(pdf, index, scale=thumbnail_scale).picture
                except CorruptMedia as exc:  # a slide LibreOffice drew and PDFium cannot read
                    log.warning("slide %d of media %s not drawn: %s", index + 1, ctx.media_id, exc.message)
                    continue
                assert picture is not None
                keys[index + 1] = ctx.artifact(f"pages/{index + 1:04d}.jpg", thumbnail(picture), "image/jpeg")
                ctx.progress("slide-pictures", (index + 1) / slides)
    return keys
