"""Scanned PDF pages (no text layer) are rendered and read, each segment citing its page."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediasift.domain import Modality
from mediasift.errors import CorruptMedia
from mediasift.extract.scanned import ocr_pdf_pages, pages_without_text

from .imaging_samples import ENGLISH, SPANISH, cer, context, degrade, render_text


def scanned_pdf(path: Path) -> Path:
    """Two image-only pages at 200 DPI, the second slightly degraded like a photocopy."""
    pages = [render_text(ENGLISH, size=40, width=1600), degrade(render_text(SPANISH, size=40, width=1600))]
    pages[0].save(path, format="PDF", resolution=200.0, save_all=True, append_images=pages[1:])
    return path


def test_image_only_pages_have_no_text_layer(tmp_path) -> None:
    assert pages_without_text(scanned_pdf(tmp_path / "scan.pdf")) == [1, 2]


@pytest.mark.parametrize("dpi", [150, 300])
def test_each_scanned_page_is_read_and_cites_its_page(tmp_path, dpi) -> None:
    path = scanned_pdf(tmp_path / "scan.pdf")
    segments = ocr_pdf_pages(
        context(tmp_path, path, kind="document", mime="application/pdf"), path, [1, 2], dpi
    )
    assert [s.page for s in segments] == [1, 2]
    assert all(s.modality == Modality.OCR and s.meta["dpi"] == dpi for s in segments)
    for segment, lines in zip(segments, (ENGLISH, SPANISH), strict=True):
        error = cer("\n".join(lines), segment.text)
        print(f"scanned page {segment.page} at {dpi} DPI: CER {error:.3f}")
        assert error <= 0.05, segment.text


def test_render_resolution_is_lowered_to_respect_the_pixel_limit(tmp_path) -> None:
    path = scanned_pdf(tmp_path / "scan.pdf")
    ctx = context(tmp_path, path, kind="document", mime="application/pdf", max_pixels=500_000)
    (segment,) = ocr_pdf_pages(ctx, path, [1], dpi=300)
    assert segment.meta["dpi"] < 300


def test_a_broken_pdf_is_corrupt_media(tmp_path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\nnot really")
    with pytest.raises(CorruptMedia):
        ocr_pdf_pages(context(tmp_path, path, kind="document", mime="application/pdf"), path, [1])


def test_a_pdf_with_a_damaged_page_keeps_its_other_pages_and_names_the_lost_one(tmp_path) -> None:
    from mediasift.extract.pdf import extract_pdf
    from tests.docgen import damage_page, make_pdf

    lines = [f"Page {n} of the maintenance log says the boiler was checked." for n in (1, 2, 3)]
    path = damage_page(make_pdf(tmp_path / "log.pdf", [[line] for line in lines]), 2)
    extraction = extract_pdf(context(tmp_path, path, kind="document", mime="application/pdf"))
    assert sorted({s.page for s in extraction.segments}) == [1, 3]
    assert extraction.info["metadata"] == {"unreadable_pages": [2]}
    assert all(s.frame_key for s in extraction.segments)  # their thumbnails too

    only = damage_page(make_pdf(tmp_path / "one.pdf", [[lines[0]]]), 1)
    with pytest.raises(CorruptMedia, match="no page"):
        extract_pdf(context(tmp_path, only, kind="document", mime="application/pdf"))


@pytest.mark.parametrize("kept", [0.95, 0.6])
def test_a_pdf_cut_off_before_its_end_gives_the_pages_it_holds_whole(tmp_path, kept) -> None:
    # A download that stopped: no cross-reference table, no trailer, some pages gone. PDFium
    # opened none of it, and every page was lost.
    from mediasift.extract.pdf import extract_pdf
    from tests.docgen import make_pdf

    lines = [f"Page {n} of the maintenance log says the boiler was checked." for n in range(1, 7)]
    whole = make_pdf(tmp_path / "log.pdf", [[line] for line in lines]).read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(whole[: int(len(whole) * kept)])
    extraction = extract_pdf(context(tmp_path, path, kind="document", mime="application/pdf"))
    pages = sorted({s.page for s in extraction.segments})
    assert pages == list(range(1, len(pages) + 1)) and len(pages) >= (5 if kept > 0.9 else 3)
    for segment in extraction.segments:
        assert f"Page {segment.page} of the maintenance log" in segment.text  # each page its own text
    assert extraction.info["metadata"]["cut_short"] is True

    path.write_bytes(whole[:300])  # not one page whole: corrupt, and said to be cut off
    with pytest.raises(CorruptMedia, match=r"the PDF is cut off .* no page of it is whole"):
        extract_pdf(context(tmp_path, path, kind="document", mime="application/pdf"))


def test_a_page_whose_content_the_cut_reached_is_not_taken_for_a_blank_or_scanned_one(tmp_path) -> None:
    from mediasift.extract.pdf import extract_pdf
    from tests.docgen import make_pdf

    lines = [f"Page {n} of the maintenance log says the boiler was checked." for n in (1, 2)]
    whole = make_pdf(tmp_path / "log.pdf", [[line] for line in lines]).read_bytes()
    second = whole.index(b"Page 2 of the maintenance")  # cut inside page 2's content stream
    path = tmp_path / "cut.pdf"
    path.write_bytes(whole[: second + 10])
    extraction = extract_pdf(context(tmp_path, path, kind="document", mime="application/pdf"))
    assert {s.page for s in extraction.segments} == {1}  # page 2 had read as a scanned page
    assert extraction.info["pages"] == 1 and "scanned_pages" not in extraction.info["metadata"]


def test_a_pdf_numbering_its_objects_in_the_billions_is_not_rebuilt() -> None:
    from mediasift.media.pdf_recovery import recovered

    # its cross-reference table would list every number up to the highest: gigabytes
    assert recovered(b"%PDF-1.4\n9999999999 0 obj << /Type /Page >> endobj\n") is None
