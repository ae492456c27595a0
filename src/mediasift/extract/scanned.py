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
from mediasift.ocr.factory import get_ocr_engine

DEFAULT_DPI = 200
POINTS_PER_INCH = 72  # PDF user-space units
# A page with fewer characters than this in its text layer is treated as scanned.
MIN_TEXT_CHARS = 16


def _open(pdf_path: Path):  # type: ignore[no-untyped-def]
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(str(pdf_path))
    except pdfium.PdfiumError as exc:  # corrupt, or encrypted without the password
        raise CorruptMedia(f"cannot open PDF: {exc}") from exc


def pages_without_text(pdf_path: Path, min_chars: int = MIN_TEXT_CHARS) -> list[int]:
    """1-based numbers of the pages whose text layer holds fewer than ``min_chars`` characters."""
    pdf = _open(pdf_path)
    try:
        missing = []
        for index in range(len(pdf)):
            page = pdf[index]
            text = page.get_textpage().get_text_range()
            if len(text.strip()) < min_chars:
                missing.append(index + 1)
        return missing
    finally:
        pdf.close()


def ocr_pdf_pages(
    ctx: ExtractContext, pdf_path: Path, page_numbers: list[int], dpi: int = DEFAULT_DPI
) -> list[Segment]:
    """``ocr`` segments (stage ``scan-ocr``) for the given 1-based pages, each citing its page.

    Line boxes are pixels of the page rendered at the DPI used (``meta["dpi"]``). Pages are
    rendered and read one at a time, so memory holds one page. Raises ``CorruptMedia`` for an
    unreadable or password-protected PDF.
    """
    engine = get_ocr_engine(ctx.models, ctx.settings)
    pdf = _open(pdf_path)
    segments: list[Segment] = []
    try:
        for done, number in enumerate(page_numbers, start=1):
            if not 1 <= number <= len(pdf):
                raise CorruptMedia(f"page {number} is outside the document (1..{len(pdf)})")
            page = pdf[number - 1]
            width_pt, height_pt = page.get_size()
            scale = dpi / POINTS_PER_INCH
            if width_pt * height_pt * scale * scale > ctx.settings.max_pixels:
                scale = (ctx.settings.max_pixels / (width_pt * height_pt)) ** 0.5
            pixels = np.asarray(page.render(scale=scale).to_pil().convert("RGB"))
            (lines,) = engine.read([pixels])
            used_dpi = round(scale * POINTS_PER_INCH)
            segments += ocr_segments(ctx, "scan-ocr", lines, engine.id, page=number, meta={"dpi": used_dpi})
            ctx.progress("ocr", done / len(page_numbers))
    finally:
        pdf.close()
    return segments
