"""A NUL character or a lone surrogate in a request is refused with 400 before any route, so no
catalog or index sees it (on PostgreSQL a NUL was a 500: ``tests/scale/test_postgres.py``; a
surrogate in a taxonomy label was stored and broke every later read); a NUL inside a document is
read as a space, so the words after it are embedded too."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import upload, wait_for_job

NUL = "a\x00b"


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("GET", "/v1/search", {"params": {"q": "ferry " + NUL}}),
        ("GET", "/v1/search", {"params": {"q": "ferry", "collection": NUL}}),
        ("GET", "/v1/media", {"params": {"collection": NUL}}),
        ("GET", "/v1/media/a%00b", {}),
        ("DELETE", "/v1/media/a%00b", {}),
        ("GET", "/v1/taxonomies/a%00b", {}),
        ("POST", "/v1/ask", {"json": {"question": "when does the ferry leave " + NUL}}),
        ("POST", "/v1/keys", {"json": {"scopes": ["read"], "name": NUL}}),
        ("POST", "/v1/feedback", {"json": {"media_id": NUL, "signal": "like"}}),
        ("PUT", "/v1/taxonomies/t", {"json": {"labels": [{"name": NUL, "description": "x"}]}}),
    ],
)
def test_a_nul_anywhere_in_a_request_is_refused(
    module_api: TestClient, method: str, path: str, kwargs: dict
) -> None:
    response = module_api.request(method, path, headers={"X-Mediasift-User": "reader"}, **kwargs)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "invalid_request"
    assert "NUL" in response.json()["message"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/v1/taxonomies/t", b'{"labels": [{"name": "caf\\ud800", "description": "x"}]}'),
        ("POST", "/v1/ask", b'{"question": "ferry", "filters": {"collections": ["a\\udfffb"]}}'),
        ("POST", "/v1/keys", b'{"scopes": ["read"], "name": "pier", "\\ud83d": 1}'),
    ],
)
def test_a_lone_surrogate_in_a_json_body_is_refused(
    module_api: TestClient, method: str, path: str, body: bytes
) -> None:
    response = module_api.request(method, path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert "surrogate" in response.json()["message"]
    assert module_api.get("/v1/taxonomies").status_code == 200  # nothing half stored


def test_a_surrogate_pair_is_an_emoji_not_a_lone_surrogate(module_api: TestClient) -> None:
    body = b'{"labels": [{"name": "caf\\u00e9 \\ud83d\\ude00", "description": "x"}]}'
    response = module_api.put(
        "/v1/taxonomies/smiles", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code in (200, 201), response.text
    assert module_api.get("/v1/taxonomies/smiles").json()["labels"][0]["name"] == "café 😀"


def test_a_backslash_before_u0000_is_text_not_a_nul(module_api: TestClient) -> None:
    # JSON's "\\u0000" is a backslash and the letters u0000, which any question may hold.
    body = b'{"question": "what does \\\\u0000 mean in a JSON string"}'
    response = module_api.post("/v1/ask", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text


def test_the_words_after_a_nul_in_a_document_are_found(module_api: TestClient, tmp_path: Path) -> None:
    # Past the first 8 KB, where the sniffer looks for binary content: a stray NUL in a long note.
    filler = "The harbour committee met on Tuesday to discuss the ferry timetable. " * 130
    path = tmp_path / "minutes.txt"
    path.write_bytes(
        (
            filler + "Old notes.\x00 The lighthouse keeper Marguerite retired in March after forty years."
        ).encode()
    )
    created = upload(module_api, path)  # the upload's own bytes hold a NUL: not the guard's to read
    assert wait_for_job(module_api, created["job"]["id"])["status"] == "succeeded"
    hits = module_api.get(
        "/v1/search", params={"q": "when did the lighthouse keeper retire", "mode": "vector", "limit": 3}
    ).json()["hits"]
    assert hits and "lighthouse keeper" in hits[0]["text"], hits
    assert "\x00" not in hits[0]["text"]


@pytest.mark.parametrize("metadata", ['{"sku": "caf\\ud800"}', '{"sku\\u0000": "v"}'])
def test_upload_metadata_holding_one_is_refused_and_nothing_is_made(
    module_api: TestClient, metadata: str
) -> None:
    # A multipart field, which the guard does not read: one with a lone surrogate was a 500 that
    # left a media row behind, and every later listing of the tenant's media was a 500 too.
    before = module_api.get("/v1/media").json()["media"]
    response = module_api.post(
        "/v1/media",
        files={"file": ("note.txt", b"pier notes " + metadata.encode())},
        data={"metadata": metadata},
    )
    assert response.status_code == 400, response.text
    listed = module_api.get("/v1/media")
    assert listed.status_code == 200 and len(listed.json()["media"]) == len(before)
