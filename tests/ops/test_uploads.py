"""Uploads are streamed: the size limit holds while bytes arrive, even without Content-Length."""

from __future__ import annotations

from collections.abc import Iterator

BOUNDARY = "msboundary42"


def multipart(parts: list[tuple[str, str | None, bytes]], chunk: int = 4096) -> Iterator[bytes]:
    """A multipart body as a generator, so the client sends it chunked (no Content-Length)."""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        yield f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        for start in range(0, len(data), chunk):
            yield data[start : start + chunk]
        yield b"\r\n"
    yield f"--{BOUNDARY}--\r\n".encode()


HEADERS = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


def test_an_oversized_chunked_upload_is_refused_and_leaves_nothing(make_runtime, client_for):
    rt = make_runtime(max_upload_bytes=50_000)
    api = client_for(rt)
    body = multipart([("collection", None, b"big"), ("file", "big.txt", b"x" * 200_000)])
    response = api.post("/v1/media", content=body, headers=HEADERS)
    assert response.status_code == 413 and response.json()["code"] == "limit_exceeded"
    assert list(rt.store.list("raw/")) == []
    assert api.get("/v1/media").json()["media"] == []


def test_a_streamed_upload_keeps_its_fields_and_unicode_filename(make_runtime, client_for):
    rt = make_runtime()
    api = client_for(rt)
    body = multipart(
        [
            ("collection", None, b"manuals"),
            ("metadata", None, b'{"sku": "SKU-1"}'),
            ("file", "café notes.txt", "Crème brûlée at ninety degrees.".encode()),
        ]
    )
    response = api.post("/v1/media", content=body, headers=HEADERS)
    assert response.status_code == 202, response.text
    media = response.json()["media"]
    assert (media["filename"], media["collection"], media["metadata"]) == (
        "café notes.txt",
        "manuals",
        {"sku": "SKU-1"},
    )
    assert media["bytes"] == len("Crème brûlée at ninety degrees.".encode())


def test_fields_after_the_file_are_refused_before_anything_is_recorded(make_runtime, client_for):
    rt = make_runtime()
    api = client_for(rt)
    body = multipart([("file", "a.txt", b"late fields"), ("collection", None, b"late")])
    response = api.post("/v1/media", content=body, headers=HEADERS)
    assert response.status_code == 400 and "before the file" in response.json()["message"]
    assert list(rt.store.list("raw/")) == [] and api.get("/v1/media").json()["media"] == []


def test_a_body_without_a_file_part_is_invalid(make_runtime, client_for):
    api = client_for(make_runtime())
    response = api.post("/v1/media", content=multipart([("collection", None, b"x")]), headers=HEADERS)
    assert response.status_code == 400 and response.json()["code"] == "invalid_request"
    assert api.post("/v1/media", json={"file": "nope"}).json()["code"] == "invalid_request"


def test_a_file_sent_without_a_filename_is_told_how_to_send_it(make_runtime, client_for):
    api = client_for(make_runtime())
    # what a client sends for an empty file name: the part as a text field
    response = api.post("/v1/media", content=multipart([("file", None, b"some bytes")]), headers=HEADERS)
    assert response.status_code == 400
    assert (
        "came without a filename" in response.json()["message"] and "-F file=@" in response.json()["message"]
    )


def test_a_home_that_cannot_be_written_is_unavailable_not_an_internal_error(
    make_runtime, client_for, monkeypatch
):
    import errno

    rt = make_runtime()
    api = client_for(rt)

    def read_only(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(rt.store, "put_stream", read_only)
    response = api.post("/v1/media", content=multipart([("file", "a.txt", b"some text")]), headers=HEADERS)
    assert response.status_code == 503, response.text
    assert response.json() == {
        "code": "backend_unavailable",
        "message": "storage unavailable: Read-only file system",
    }


def test_an_upload_the_catalog_refuses_leaves_no_original_behind(make_runtime, client_for, tmp_path):
    import sqlite3

    from mediasift.catalog.db import Catalog

    rt = make_runtime()
    rt.catalog = Catalog(rt.settings.resolved_catalog_url, busy_timeout_s=0.2)  # not 30 s
    api = client_for(rt)
    other = sqlite3.connect(rt.settings.home / "catalog.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        response = api.post(
            "/v1/media", content=multipart([("file", "a.txt", b"some text")]), headers=HEADERS
        )
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert response.status_code == 503 and "database is locked" in response.json()["message"]
    assert list(rt.store.list("raw/")) == []  # the original had stayed, no media holding it
