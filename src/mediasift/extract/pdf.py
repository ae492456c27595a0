"""PDF: the text layer page by page (pages keep their numbers); pages without one get OCR. A page
PDFium cannot read is left out and named in the media's ``unreadable_pages``; a PDF with no page
to read is ``CorruptMedia``. A file cut off before its end is read for the pages it still holds
whole (``media/pdf_recovery.py``), and says so (``cut_short``).

Each page (up to ``_MAX_PAGE_THUMBNAILS``) is also rendered to a small JPEG artifact,
``pages/{n:04d}.jpg``, set as its segments' ``frame_key`` so a hit shows the page it cites."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mediasift.errors import CorruptMedia, LimitExceeded
from mediasift.extract.base import ExtractContext, Extraction
from mediasift.extract.chunking import text_segments
from mediasift.media.pdf_pages import MIN_TEXT_CHARS, open_pdf, page_count, read_page, was_cut_short

if TYPE_CHECKING:
    from PIL import Image

# Rendering a thumbnail costs ~10 ms a page: bounded so a 2,000-page manual stays cheap.
_MAX_PAGE_THUMBNAILS = 500
_THUMBNAIL_WIDTH_PX = 360


def extract_pdf(ctx: ExtractContext) -> Extraction:
    with open_pdf(ctx.path) as pdf:
        cut_short = was_cut_short(pdf)
        pages = page_count(pdf)
        if pages > ctx.settings.max_pages:
            raise LimitExceeded(f"PDF has {pages} pages; the limit is {ctx.settings.max_pages}")
        extraction = Extraction(info={"pages": pages})
        scanned: list[int] = []
        unreadable: list[int] = []  # a damaged page is left out; the others are still read
        thumbs: dict[int, str] = {}  # page number -> its thumbnail's key
        for index in range(pages):
            try:
                page = read_page(
                    pdf, index, text=True, scale=thumbnail_scale if index < _MAX_PAGE_THUMBNAILS else None
                )
            except CorruptMedia:
                unreadable.append(index + 1)
                continue
            if page.picture is not None:
                thumbs[index + 1] = ctx.artifact(
                    f"pages/{index + 1:04d}.jpg", thumbnail(page.picture), "image/jpeg"
                )
            text = page.text or ""
            if len(text.strip()) < MIN_TEXT_CHARS:
                scanned.append(index + 1)
            else:
                extraction.segments.extend(text_segments(ctx, text, page=index + 1))
            ctx.progress("text", (index + 1) / pages)
    if pages and len(unreadable) == pages:
        raise CorruptMedia("no page of the PDF can be read")
    metadata: dict[str, list[int] | bool] = {}
    if cut_short:  # the file ends before its last page: the pages here are those it held whole
        metadata["cut_short"] = True
    if unreadable:
        metadata["unreadable_pages"] = unreadable
    if scanned and ctx.ocr:
        extraction.segments.extend(_ocr_pages(ctx, scanned))
        metadata["scanned_pages"] = scanned
    if metadata:
        extraction.info["metadata"] = metadata
    for seg in extraction.segments:
        if seg.page in thumbs and seg.frame_key is None:
            seg.frame_key = thumbs[seg.page]
    return extraction


def thumbnail_scale(width_pt: float, height_pt: float) -> float:
    """The scale a page's thumbnail is rendered at (``media.pdf_pages.read_page``)."""
    return min(_THUMBNAIL_WIDTH_PX / max(width_pt, 1.0), 2.0)


def thumbnail(picture: Image.Image) -> bytes:
    """A page's picture, rendered at ``thumbnail_scale``, as its JPEG thumbnail."""
    from mediasift.media.images import thumbnail_jpeg

    return thumbnail_jpeg(picture, max_side=_THUMBNAIL_WIDTH_PX * 2)


def _ocr_pages(ctx: ExtractContext, page_numbers: list[int]) -> list:
    from mediasift.extract.scanned import ocr_pdf_pages

    return ocr_pdf_pages(ctx, ctx.path, page_numbers)
