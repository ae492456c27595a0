"""OCR for PDF pages without a text layer (scans, photographed pages, image-only exports).

``extract/pdf.py`` reads the text layer and calls ``ocr_pdf_pages`` for the pages where it found
none (``pages_without_text`` tells which). Pages render with pypdfium2 (bundles PDFium; no network,
no subprocess) at ``dpi`` (default 200), lowered for a page whose render would exceed
``settings.max_pixels``, so one oversized page cannot exhaust memory.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mediasift.domain import Segment
from mediasift.errors import CorruptMedia
from mediasift.extract.base import ExtractContext
from mediasift.extract.ocr_text import ocr_segments
from mediasift.media.pdf_pages import MIN_TEXT_CHARS, open_pdf, page_count, read_page
from mediasift.ocr.factory import get_ocr_engine

DEFAULT_DPI = 200
POINTS_PER_INCH = 72  # PDF user-space units


def pages_without_text(pdf_path: Path, min_chars: int = MIN_TEXT_CHARS) -> list[int]:
    """1-based numbers of the pages whose text layer holds fewer than ``min_chars`` characters."""
    with open_pdf(pdf_path) as pdf:
        texts = [read_page(pdf, index, text=True).text or "" for index in range(page_count(pdf))]
    return [number for number, text in enumerate(texts, start=1) if len(text.strip()) < min_chars]


def ocr_pdf_pages(
    ctx: ExtractContext, pdf_path: Path, page_numbers: list[int], dpi: int = DEFAULT_DPI
) -> list[Segment]:
    """``ocr`` segments (stage ``scan-ocr``) for the given 1-based pages, each citing its page.

    Line boxes are pixels of the page rendered at the DPI used (``meta["dpi"]``). Pages are
    rendered and read one at a time, so memory holds one page, and PDFium is free for another
    thread's PDF while a page is read. Raises ``CorruptMedia`` for an unreadable PDF,
    ``MediaRejected`` for a password-protected one.
    """
    engine = get_ocr_engine(ctx.models, ctx.settings)
    segments: list[Segment] = []

    def scale(width_pt: float, height_pt: float) -> float:
        factor = dpi / POINTS_PER_INCH
        if width_pt * height_pt * factor * factor > ctx.settings.max_pixels:
            factor = (ctx.settings.max_pixels / (width_pt * height_pt)) ** 0.5
        return factor

    with open_pdf(pdf_path) as pdf:
        pages = page_count(pdf)
        for done, number in enumerate(page_numbers, start=1):
            if not 1 <= number <= pages:
                raise CorruptMedia(f"page {number} is outside the document (1..{pages})")
            page = read_page(pdf, number - 1, scale=scale)
            (lines,) = engine.read([np.asarray(page.picture)])
            used_dpi = round(page.scale * POINTS_PER_INCH)
            segments += ocr_segments(ctx, "scan-ocr", lines, engine.id, page=number, meta={"dpi": used_dpi})
            ctx.progress("ocr", done / len(page_numbers))
    return segments
