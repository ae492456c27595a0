"""PDF pages read and rendered from several threads at once, and every PDFium call in one module."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PIL import Image

from mediasift.errors import CorruptMedia, LimitExceeded
from mediasift.media.pdf_pages import open_pdf, page_count, read_page
from tests.docgen import damage_page, make_pdf

ROOT = Path(__file__).resolve().parents[2]

# Four threads reading and rendering small PDFs through the functions ingest and conversions
# use. On the tree before every PDFium call went through one lock, this script crashed the process
# in 4 runs of 4 (exit 139, 134, 139, 139: segfaults and an abort on a corrupted heap).
_THREADS = textwrap.dedent(
    """
    import sys, threading
    from pathlib import Path
    from mediasift.config import Settings
    from mediasift.extract.scanned import pages_without_text
    from mediasift.media import office
    from tests.docgen import make_pdf

    tmp = Path(sys.argv[1])
    lines = ["Page {} of document {} holds enough text to count as a text layer."] * 8
    pdfs = [
        make_pdf(tmp / f"d{d}.pdf", [[line.format(p, d) for line in lines] for p in range(6)])
        for d in range(4)
    ]
    settings = Settings(home=tmp / "home")
    errors = []

    def work(n):
        try:
            for r in range(12):
                pdf = pdfs[(n + r) % len(pdfs)]
                office.page_png(pdf, tmp / f"out{n}.png", 1 + r % 6, 600, settings)
                assert pages_without_text(pdf) == []
                assert office.pdf_pages(pdf) == 6
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("errors:", errors)
    sys.exit(1 if errors else 0)
    """
)


def test_threads_read_and_render_pdfs_at_once_without_crashing_the_process(tmp_path) -> None:
    run = subprocess.run(
        [sys.executable, "-c", _THREADS, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, f"exit {run.returncode}: {run.stdout[-500:]} {run.stderr[-2000:]}"
    assert "errors: []" in run.stdout


def test_a_page_read_gives_its_text_size_and_an_rgb_picture_at_the_asked_scale(tmp_path) -> None:
    pdf_path = make_pdf(tmp_path / "a.pdf", [["First page, with some words on it."], ["Second page."]])
    with open_pdf(pdf_path) as pdf:
        assert page_count(pdf) == 2
        size_only = read_page(pdf, 1)
        page = read_page(pdf, 0, text=True, scale=lambda w, h: 100 / w)
    assert size_only.text is None and size_only.picture is None
    assert "First page, with some words on it." in (page.text or "")
    assert page.picture is not None and page.picture.mode == "RGB"
    assert page.picture.width == 100
    assert page.scale == pytest.approx(100 / page.width_pt)
    assert abs(page.picture.height - page.height_pt * page.scale) <= 1  # PDFium rounds up


def test_a_scale_that_refuses_leaves_the_document_usable(tmp_path) -> None:
    pdf_path = make_pdf(tmp_path / "a.pdf", [["Some words on the page."]])

    def refuse(width: float, height: float) -> float:
        raise LimitExceeded("too big")

    with open_pdf(pdf_path) as pdf:
        with pytest.raises(LimitExceeded):
            read_page(pdf, 0, scale=refuse)
        assert "Some words" in (read_page(pdf, 0, text=True).text or "")


def test_a_file_that_is_no_pdf_is_corrupt_media(tmp_path) -> None:
    path = tmp_path / "not.pdf"
    Image.new("RGB", (8, 8)).save(path, format="PNG")
    with pytest.raises(CorruptMedia), open_pdf(path):
        pass


def test_pypdfium2_is_used_only_through_the_module_that_holds_its_lock() -> None:
    users = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "src" / "mediasift").rglob("*.py")
        if re.search(r"^\s*(import|from)\s+pypdfium2", path.read_text(), re.MULTILINE)
    )
    assert users == ["src/mediasift/media/pdf_pages.py"]


def test_a_page_pdfium_cannot_load_is_corrupt_media_and_the_others_still_read(tmp_path) -> None:
    path = make_pdf(tmp_path / "a.pdf", [["The first page."], ["The second page."], ["The third page."]])
    damage_page(path, 2)
    with open_pdf(path) as pdf:
        with pytest.raises(CorruptMedia, match="page 2"):
            read_page(pdf, 1, text=True, scale=lambda w, h: 0.5)
        assert "third" in (read_page(pdf, 2, text=True).text or "")
        assert "first" in (read_page(pdf, 0, text=True).text or "")
