"""Office files are zip archives: bombs and archives that lie about their sizes end their own job
dead with a clear error, and the worker goes on to the next upload."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import upload, wait_for_job
from tests.docgen import Slide, add_zip_padding, lie_about_size, make_docx, make_pptx

MIB = 1024 * 1024


def _next_upload_succeeds(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "after.txt"
    good.write_text("The loading dock opens at seven every weekday morning.")
    job = wait_for_job(api, upload(api, good)["job"]["id"], timeout_s=120)
    assert job["status"] == "succeeded", job


@pytest.mark.parametrize("kind", ["docx", "pptx"])
def test_an_office_zip_bomb_ends_dead_with_limit_exceeded(kind, tmp_path, make_runtime, client_for):
    if kind == "docx":
        path = make_docx(tmp_path / "bomb.docx", ["A harmless looking memo."])
        member = "word/media/padding.bin"
    else:
        path = make_pptx(tmp_path / "bomb.pptx", [Slide(title="A harmless looking deck")])
        member = "ppt/media/padding.bin"
    add_zip_padding(path, member, 64 * MIB)  # ~70 KB on disk, 64 MiB unpacked
    assert path.stat().st_size < MIB
    api = client_for(make_runtime(), workers=1)

    job = wait_for_job(api, upload(api, path)["job"]["id"], timeout_s=120)

    assert (job["status"], job["error_code"], job["attempts"]) == ("dead", "limit_exceeded", 1), job
    assert "zip bomb refused" in job["error"] and "times its packed size" in job["error"]
    _next_upload_succeeds(api, tmp_path)


def test_a_docx_that_understates_a_members_size_ends_dead_as_corrupt(tmp_path, make_runtime, client_for):
    # The central directory says document.xml unpacks to its packed size; it really holds 8 MB
    # more. The declared-size check passes it, the member's checksum does not.
    path = make_docx(tmp_path / "liar.docx", ["Quarterly figures are attached."])
    lie_about_size(path, "word/document.xml", b"<!--" + b"A" * 8_000_000 + b"-->")
    api = client_for(make_runtime(), workers=1)

    job = wait_for_job(api, upload(api, path)["job"]["id"], timeout_s=120)

    assert (job["status"], job["error_code"]) == ("dead", "corrupt_media"), job
    assert "'word/document.xml' does not match its declared size and checksum" in job["error"]
    _next_upload_succeeds(api, tmp_path)


def test_a_consistent_lie_reaches_the_parser_cut_short_and_is_corrupt(tmp_path, make_runtime, client_for):
    # With a CRC of just the declared prefix the archive verifies; zipfile then hands python-docx
    # only that prefix (never the real 8 MB), which is broken XML: corrupt, not an internal error.
    path = make_docx(tmp_path / "liar.docx", ["Quarterly figures are attached."])
    lie_about_size(path, "word/document.xml", b"<!--" + b"A" * 8_000_000 + b"-->", crc_of="declared")
    api = client_for(make_runtime(), workers=1)

    job = wait_for_job(api, upload(api, path)["job"]["id"], timeout_s=120)

    assert (job["status"], job["error_code"], job["attempts"]) == ("dead", "corrupt_media", 1), job
    assert job["error"].startswith("corrupt DOCX:")
    _next_upload_succeeds(api, tmp_path)
