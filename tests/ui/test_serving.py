"""What the page needs from the server, without a browser: its files, and seekable media bytes."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import upload


@pytest.fixture
def client(runtime) -> TestClient:  # type: ignore[no-untyped-def]
    from mediasift.api.app import create_app

    return TestClient(create_app(runtime))


def test_the_page_and_its_modules_are_served_without_a_build_step(client: TestClient):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/static/js/main.js">' in page.text
    module = client.get("/static/js/main.js")
    assert module.status_code == 200 and module.headers["content-type"].startswith("text/javascript")
    assert module.headers["cache-control"] == "no-cache"
    worker = client.get("/static/sw.js")
    assert worker.headers["service-worker-allowed"] == "/"


def test_nothing_outside_the_static_folder_is_served(client: TestClient):
    for path in ("/static/../routes/ui.py", "/static/%2e%2e/routes/ui.py", "/static/js/nope.js", "/static/"):
        assert client.get(path).status_code == 404, path


def test_the_page_fetches_nothing_from_other_origins():
    static = Path(__file__).resolve().parents[2] / "src" / "mediasift" / "api" / "static"
    for file in static.rglob("*"):
        if file.suffix in (".html", ".js", ".css"):
            text = file.read_text()
            assert "http://" not in text and "https://" not in text, file


def test_original_bytes_answer_range_requests_so_players_can_seek(client: TestClient, tmp_path: Path):
    path = tmp_path / "digits.txt"
    path.write_bytes(b"0123456789" * 100)
    media_id = upload(client, path)["media"]["id"]
    url = f"/v1/media/{media_id}/original"

    whole = client.get(url)
    assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes"
    assert len(whole.content) == 1000

    part = client.get(url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.content == b"0123456789"
    assert part.headers["content-range"] == "bytes 10-19/1000"

    assert client.get(url, headers={"Range": "bytes=995-"}).content == b"56789"
    assert client.get(url, headers={"Range": "bytes=-3"}).content == b"789"
    beyond = client.get(url, headers={"Range": "bytes=5000-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == "bytes */1000"
