"""Document limits over HTTP: too many pages or slides, too much text, a password. Each ends its
own job dead on its first attempt with a clear error while the worker goes on to the next upload."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

from tests.conftest import upload, wait_for_job
from tests.docgen import Slide, make_docx, make_encrypted_pdf, make_pdf, make_pptx


def _ends_dead(api, path: Path) -> dict:  # type: ignore[no-untyped-def]
    job = wait_for_job(api, upload(api, path)["job"]["id"], timeout_s=120)
    assert job["status"] == "dead" and job["attempts"] == 1, job  # permanent: no retry
    return job


def _then_a_good_pdf_succeeds(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = make_pdf(tmp_path / "good.pdf", [["The cold room holds four degrees Celsius."]])
    assert wait_for_job(api, upload(api, good)["job"]["id"], timeout_s=120)["status"] == "succeeded"


def test_a_pdf_over_the_page_limit_ends_dead(tmp_path, make_runtime, client_for):
    api = client_for(make_runtime(max_pages=3), workers=1)
    long = make_pdf(tmp_path / "long.pdf", [[f"Page {n} of the handbook."] for n in range(1, 5)])
    job = _ends_dead(api, long)
    assert job["error_code"] == "limit_exceeded"
    assert job["error"] == "PDF has 4 pages; the limit is 3"
    _then_a_good_pdf_succeeds(api, tmp_path)


def test_a_deck_over_the_page_limit_ends_dead(tmp_path, make_runtime, client_for):
    api = client_for(make_runtime(max_pages=2), workers=1)
    deck = make_pptx(tmp_path / "deck.pptx", [Slide(title=f"Slide {n}") for n in range(1, 4)])
    job = _ends_dead(api, deck)
    assert (job["error_code"], job["error"]) == ("limit_exceeded", "3 slides; the limit is 2")


def test_a_password_protected_pdf_ends_dead_asking_for_the_password_to_go(tmp_path, make_runtime, client_for):
    locked = make_encrypted_pdf(tmp_path / "locked.pdf", ["The vault code is in chapter seven."], "s3cret")
    # a real encrypted PDF: PDFium reads it with the password, and only with it
    with pdfium.PdfDocument(str(locked), password="s3cret") as pdf:
        assert "vault code" in pdf[0].get_textpage().get_text_bounded()
    api = client_for(make_runtime(), workers=1)
    job = _ends_dead(api, locked)
    assert job["error_code"] == "media_rejected"
    assert job["error"] == "password-protected PDF: remove the password and upload again"
    _then_a_good_pdf_succeeds(api, tmp_path)


def test_a_docx_over_the_text_limit_ends_dead(tmp_path, make_runtime, client_for):
    # DOCX has no page count to bound (pages exist only once a word processor lays the text out),
    # so its bound is the extracted text: MEDIASIFT_MAX_TEXT_CHARS, as for plain text and HTML.
    api = client_for(make_runtime(max_text_chars=1000), workers=1)
    paragraphs = [f"Paragraph {n}: the quick brown fox jumps over the lazy dog." for n in range(30)]
    job = _ends_dead(api, make_docx(tmp_path / "long.docx", paragraphs))
    assert job["error_code"] == "limit_exceeded"
    assert job["error"].startswith("document has ") and job["error"].endswith("the limit is 1000")
    _then_a_good_pdf_succeeds(api, tmp_path)
