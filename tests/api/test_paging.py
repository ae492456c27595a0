"""Lists read page by page while media come and go: a cursor returns each row once, where an
offset repeats rows when media are added above the page read and skips rows when some are deleted."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.conftest import upload


def _media(api: TestClient, tmp_path: Path, n: int, first: int = 0) -> list[str]:
    ids = []
    for i in range(first, first + n):
        note = tmp_path / f"note{i}.txt"
        note.write_text(f"Note number {i} about the ferry timetable.", encoding="utf-8")
        ids.append(upload(api, note, collection="pg")["media"]["id"])
    return ids


def _pages(api: TestClient, path: str, key: str, between) -> list[str]:  # type: ignore[no-untyped-def]
    """Every row of a list read by cursor, 3 a page, ``between(rows read so far)`` after each page."""
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3, "collection": "pg"} if key == "media" else {"limit": 3}
        page = api.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        seen += [row["id"] for row in page.json()[key]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return seen
        between(seen)


def test_paging_media_by_cursor_while_media_are_added_and_deleted(api: TestClient, tmp_path: Path):
    before = _media(api, tmp_path, 10)
    added: list[str] = []
    deleted: list[str] = []

    def churn(read_so_far: list[str]) -> None:  # one added above the pages, one already read deleted
        added.extend(_media(api, tmp_path, 1, first=100 + len(added)))
        deleted.append(read_so_far[-1])
        assert api.delete(f"/v1/media/{deleted[-1]}").status_code == 204

    read = _pages(api, "/v1/media", "media", churn)
    assert read == list(reversed(before))  # each once, none skipped, newest first
    assert len(deleted) == 3 and not set(added) & set(read)

    listed = api.get("/v1/media", params={"collection": "pg", "limit": 1000}).json()
    assert listed["next_cursor"] is None  # a page that is not full has no next page
    refused = api.get("/v1/media", params={"cursor": "not-a-cursor"})
    assert refused.status_code == 400 and "cursor" in refused.json()["message"]
    assert api.get("/v1/media", params={"cursor": listed["media"][0]["id"], "offset": 3}).status_code == 400


def test_jobs_page_by_cursor_past_the_first_page(api: TestClient, tmp_path: Path):
    _media(api, tmp_path, 7)
    every = [j["id"] for j in api.get("/v1/jobs", params={"limit": 1000}).json()["jobs"]]
    read = _pages(api, "/v1/jobs", "jobs", lambda read_so_far: None)
    assert read == every
