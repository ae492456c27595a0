"""Conversions made from the original's bytes: one entry point that picks the engine by target.

``convert_file(target, source, mime, dest, options, settings, on_progress)`` writes ``dest`` and
returns what the output holds (``info``: duration, dimensions, codecs, sample rate, pages…).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mediasift.convert.targets import OFFICE_MIMES, PDF_MIME, Target
from mediasift.media import office

if TYPE_CHECKING:
    from mediasift.config import Settings

Progress = Callable[[float], None]


def convert_file(
    target: Target,
    source: Path,
    mime: str | None,
    dest: Path,
    options: dict[str, Any],
    settings: Settings,
    on_progress: Progress = lambda fraction: None,
) -> dict[str, Any]:
    if target.family == "av":
        from mediasift.convert.av import transcode

        return transcode(source, dest, target.name, options, settings, on_progress)
    if target.family == "preview":
        from mediasift.convert.previews import animated_preview

        return animated_preview(source, dest, target.name, options, settings, on_progress)
    if target.family == "contact_sheet":
        from mediasift.convert.previews import contact_sheet

        return contact_sheet(source, dest, options, settings, on_progress)
    if target.family == "image":
        from mediasift.convert.images import convert_image

        return convert_image(source, dest, target.name, options, settings)
    if target.family == "pdf":
        return office.to_pdf(source, OFFICE_MIMES[mime or ""], dest, settings)
    if target.family == "page":
        return _page(source, mime, dest, options, settings)
    raise ValueError(f"{target.family} conversions are not made from the original")


def _page(
    source: Path, mime: str | None, dest: Path, options: dict[str, Any], settings: Settings
) -> dict[str, Any]:
    """A page of a PDF, or a page or slide of an office document (rendered through its PDF)."""
    page, width = int(options["page"]), int(options["width"])
    if mime == PDF_MIME:
        return office.page_png(source, dest, page, width, settings)
    with tempfile.TemporaryDirectory(prefix="mediasift-page-") as tmp:
        pdf = Path(tmp) / "document.pdf"
        office.to_pdf(source, OFFICE_MIMES[mime or ""], pdf, settings)
        return office.page_png(pdf, dest, page, width, settings)
