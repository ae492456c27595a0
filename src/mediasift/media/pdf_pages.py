"""PDF pages through PDFium, one call at a time in the process.

PDFium is not thread-safe: two threads calling it at once, even on different documents, corrupt
its heap (pypdfium2's documentation, "Incompatibility with Threading"). Ingest's worker threads
and the API's conversions read PDFs side by side, and four threads rendering and reading small
PDFs crashed the process (a segfault or glibc's "corrupted size vs. prev_size") in 10 runs of 10.
So every use of pypdfium2 goes through this module and holds ``_LOCK`` while PDFium works; what a
caller then does with a page's text or pixels (OCR, JPEG encoding, storing) runs without it.

pypdfium2 also calls PDFium when an object it handed out is closed, explicitly or by a finalizer
when its last reference goes: pages, text pages and bitmaps are closed here before the lock is
released, and a document is closed under it (which closes whatever of it is still open).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mediasift.errors import CorruptMedia, MediaRejected

if TYPE_CHECKING:
    from PIL import Image
    from pypdfium2 import PdfDocument

# Held by each helper below for its PDFium calls only; none calls another while holding it.
_LOCK = threading.Lock()
# Documents rebuilt from a cut-off file (``was_cut_short``), and the largest file that is tried:
# the rebuild holds the file in memory.
_CUT_SHORT: weakref.WeakSet[PdfDocument] = weakref.WeakSet()
_RECOVER_AT_MOST = 256 * 1024 * 1024

# A page with fewer characters than this in its text layer is treated as scanned (OCR reads it).
MIN_TEXT_CHARS = 16

# Given a page's width and height in PDF points (1/72 inch), the scale to render it at.
Scale = Callable[[float, float], float]


@dataclass(frozen=True, slots=True)
class Page:
    """What was read of one page: its size in points, then its text layer and its picture (with
    the scale it was rendered at), each only when asked for."""

    width_pt: float
    height_pt: float
    text: str | None = None
    picture: Image.Image | None = None  # RGB, independent of PDFium
    scale: float = 0.0


@contextmanager
def open_pdf(path: Path) -> Iterator[PdfDocument]:
    """The PDF at ``path``, open for ``page_count`` and ``read_page`` within the block, closed
    after it. Raises ``MediaRejected`` for a password-protected PDF, ``CorruptMedia`` for one
    PDFium cannot open."""
    import pypdfium2 as pdfium

    with _LOCK:
        try:
            pdf = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise MediaRejected("password-protected PDF: remove the password and upload again") from None
            refused: Exception | None = exc
        else:
            refused = None
    if refused is not None:
        pdf = _cut_short(path, refused)
    try:
        yield pdf
    finally:
        with _LOCK:
            pdf.close()


def was_cut_short(pdf: PdfDocument) -> bool:
    """Whether ``open_pdf`` read ``pdf`` from what a cut-off file still held (``pdf_recovery``)."""
    return pdf in _CUT_SHORT


def _ends_early(path: Path) -> bool:
    """Whether the file at ``path`` lacks the ``%%EOF`` every PDF ends with (in its last KB)."""
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - 1024))
        return b"%%EOF" not in f.read()


def _cut_short(path: Path, refused: Exception) -> PdfDocument:
    """The PDF at ``path``, which PDFium refused, rebuilt from its whole objects (a file cut off
    before its end); ``CorruptMedia`` saying what PDFium said where nothing can be rebuilt. The
    file is scanned without the lock: other threads' PDFs go on meanwhile."""
    import pypdfium2 as pdfium

    from mediasift.media.pdf_recovery import recovered

    found = None
    if path.stat().st_size <= _RECOVER_AT_MOST:
        found = recovered(path.read_bytes())
    if found is None:
        if _ends_early(path):  # said apart: half a download is not a damaged file
            raise CorruptMedia(
                "the PDF is cut off (it ends without its %%EOF marker: an interrupted download or "
                "copy?) and no page of it is whole: upload the whole file"
            ) from None
        raise CorruptMedia(f"corrupt PDF: {refused}") from None
    with _LOCK:
        try:
            pdf = pdfium.PdfDocument(found[0])
        except pdfium.PdfiumError:
            raise CorruptMedia(f"corrupt PDF: {refused}") from None
    _CUT_SHORT.add(pdf)
    return pdf


def page_count(pdf: PdfDocument) -> int:
    with _LOCK:
        return len(pdf)


def read_page(pdf: PdfDocument, index: int, *, text: bool = False, scale: Scale | None = None) -> Page:
    """Page ``index`` (0-based): its text layer (``\\r\\n`` as ``\\n``, NULs dropped, a word hyphenated
    at a line's end whole) if ``text``,
    and its picture rendered at ``scale(width_pt, height_pt)`` if ``scale`` is given (an
    exception from ``scale``, such as a size limit, propagates with nothing left open). ``scale``
    runs under the lock, so it must not call this module. A page PDFium cannot load or read (a
    damaged page of a document that opened) is ``CorruptMedia``, the document left usable."""
    import pypdfium2 as pdfium

    with _LOCK:
        try:
            return _read_page(pdf, index, text, scale)
        except pdfium.PdfiumError as exc:
            raise CorruptMedia(f"page {index + 1} of the PDF cannot be read: {exc}") from None


def _read_page(pdf: PdfDocument, index: int, text: bool, scale: Scale | None) -> Page:
    """``read_page``'s work, under ``_LOCK``."""
    page = pdf[index]
    try:
        width_pt, height_pt = page.get_size()
        words = None
        if text:
            textpage = page.get_textpage()
            try:
                words = textpage.get_text_bounded().replace("\r\n", "\n").replace("\x00", "")
                # PDFium writes a word hyphenated at a line's end as "infor\x02mation" (it drops
                # the hyphen and the line break): the word, whole.
                words = words.replace("\x02", "")
            finally:
                textpage.close()
        picture, factor = None, 0.0
        if scale is not None:
            factor = scale(width_pt, height_pt)
            bitmap = page.render(scale=factor)
            try:
                # convert() copies (even to the same mode), so the picture outlives the bitmap.
                picture = bitmap.to_pil().convert("RGB")
            finally:
                bitmap.close()
    finally:
        page.close()
    return Page(width_pt, height_pt, words, picture, factor)
