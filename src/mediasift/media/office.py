"""Office documents to PDF through headless LibreOffice, and PDF pages to PNG through PDFium.

LibreOffice is a system program (Debian: ``libreoffice-writer-nogui``, ``libreoffice-impress-nogui``),
not a pip package: ``available(settings)`` says whether this machine has it, and ``to_pdf``
raises ``ConverterUnavailable`` when it does not. Each run gets its own LibreOffice profile in a
temporary folder, so conversions running at once do not share (and lock) one, and it is killed
after ``convert_timeout_s`` (``LimitExceeded``).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mediasift.errors import ConverterUnavailable, CorruptMedia, InvalidRequest, LimitExceeded
from mediasift.media.pdf_pages import open_pdf, page_count, read_page

if TYPE_CHECKING:
    from mediasift.config import Settings


def available(settings: Settings) -> str | None:
    """The LibreOffice program to run, or None when this machine has none."""
    return shutil.which(settings.libreoffice_path)


def missing(settings: Settings, doing: str = "converting to PDF") -> ConverterUnavailable:
    """The error of a conversion (or what else ``doing`` names) that needs LibreOffice where there
    is none."""
    return ConverterUnavailable(
        f"{doing} needs LibreOffice, and {settings.libreoffice_path!r} is not installed here "
        "(Debian: apt-get install --no-install-recommends libreoffice-writer-nogui "
        "libreoffice-impress-nogui; or set MEDIASIFT_LIBREOFFICE_PATH)"
    )


def to_pdf(source: Path, ext: str, dest: Path, settings: Settings) -> dict[str, Any]:
    """Write the office document ``source`` (its type given by ``ext``: .docx, .pptx, .odt) as a PDF
    to ``dest``; returns ``pages``."""
    program = available(settings)
    if program is None:
        raise missing(settings)
    with tempfile.TemporaryDirectory(prefix="mediasift-office-") as tmp:
        work = Path(tmp)
        named = work / f"document{ext}"  # LibreOffice picks its import filter by the extension too
        shutil.copyfile(source, named)
        command = [
            program,
            "--headless",
            "--norestore",
            "--nolockcheck",
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work / "out"),
            str(named),
        ]
        _run(command, work, settings.convert_timeout_s)
        produced = work / "out" / "document.pdf"
        if not produced.is_file():
            raise CorruptMedia(f"LibreOffice could not read this {ext[1:].upper()} file")
        shutil.move(produced, dest)
    return {"pages": pdf_pages(dest)}


def _run(command: list[str], home: Path, timeout_s: float) -> None:
    env = {**os.environ, "HOME": str(home)}  # LibreOffice writes under HOME; keep it in the temp folder
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True
    ) as proc:
        try:
            proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # its own session: the whole LibreOffice tree goes
            proc.communicate()
            raise LimitExceeded(
                f"LibreOffice took longer than {timeout_s:g} s (MEDIASIFT_CONVERT_TIMEOUT_S)"
            ) from None


def pdf_pages(path: Path) -> int:
    with open_pdf(path) as pdf:
        return page_count(pdf)


def page_png(pdf_path: Path, dest: Path, page: int, width: int, settings: Settings) -> dict[str, Any]:
    """Render the 1-based ``page`` of a PDF ``width`` pixels wide as a PNG."""

    def scale(width_pt: float, height_pt: float) -> float:
        factor = width / max(width_pt, 1.0)
        height = round(height_pt * factor)
        if width * height > settings.max_pixels:
            raise LimitExceeded(f"a page of {width}x{height} pixels; the limit is {settings.max_pixels}")
        return factor

    with open_pdf(pdf_path) as pdf:
        pages = page_count(pdf)
        if page > pages:
            raise InvalidRequest(f"page {page} asked for; the document has {pages}")
        image = read_page(pdf, page - 1, scale=scale).picture
    assert image is not None
    image.save(dest, format="PNG", optimize=True)
    return {"page": page, "pages": pages, "width": image.width, "height": image.height}
