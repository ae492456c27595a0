"""PDF: the text layer page by page (pages keep their numbers); pages without one get OCR.

Each page (up to ``_MAX_PAGE_THUMBNAILS``) is also rendered to a small JPEG artifact,
``pages/{n:04d}.jpg``, set as its segments' ``frame_key`` so a hit shows the page it cites."""

from __future__ import annotations

from mediasift.errors import CorruptMedia, LimitExceeded, MediaRejected
from mediasift.extract.base import ExtractContext, Extraction
from mediasift.extract.chunking import text_segments

# A page with fewer characters than this in its text layer is treated as a scan.
_MIN_TEXT_CHARS = 16
# Rendering a thumbnail costs ~10 ms a page: bounded so a 2,000-page manual stays cheap.
_MAX_PAGE_THUMBNAILS = 500
_THUMBNAIL_WIDTH_PX = 360


def extract_pdf(ctx: ExtractContext) -> Extraction:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(ctx.path))
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise MediaRejected("password-protected PDF: remove the password and upload again") from None
        raise CorruptMedia(f"corrupt PDF: {exc}") from None
    try:
        pages = len(pdf)
        if pages > ctx.settings.max_pages:
            raise LimitExceeded(f"PDF has {pages} pages; the limit is {ctx.settings.max_pages}")
        extraction = Extraction(info={"pages": pages})
        scanned: list[int] = []
        thumbs: dict[int, str] = {}  # page number -> its thumbnail's key
        for index in range(pages):
            page = pdf[index]
            textpage = page.get_textpage()
            text = textpage.get_text_bounded().replace("\r\n", "\n").replace("\x00", "")
            textpage.close()
            if index < _MAX_PAGE_THUMBNAILS:
                thumbs[index + 1] = ctx.artifact(
                    f"pages/{index + 1:04d}.jpg", _page_thumbnail(page), "image/jpeg"
                )
            page.close()
            if len(text.strip()) < _MIN_TEXT_CHARS:
                scanned.append(index + 1)
            else:
                extraction.segments.extend(text_segments(ctx, text, page=index + 1))
            ctx.progress("text", (index + 1) / pages)
    finally:
        pdf.close()
    if scanned and ctx.ocr:
        extraction.segments.extend(_ocr_pages(ctx, scanned))
        extraction.info["metadata"] = {"scanned_pages": scanned}
    for seg in extraction.segments:
        if seg.page in thumbs and seg.frame_key is None:
            seg.frame_key = thumbs[seg.page]
    return extraction


def _page_thumbnail(page) -> bytes:  # type: ignore[no-untyped-def]
    from mediasift.media.images import thumbnail_jpeg

    scale = _THUMBNAIL_WIDTH_PX / max(page.get_width(), 1.0)
    image = page.render(scale=min(scale, 2.0)).to_pil()
    return thumbnail_jpeg(image.convert("RGB"), max_side=_THUMBNAIL_WIDTH_PX * 2)


def _ocr_pages(ctx: ExtractContext, page_numbers: list[int]) -> list:
    from mediasift.extract.scanned import ocr_pdf_pages

    return ocr_pdf_pages(ctx, ctx.path, page_numbers)
