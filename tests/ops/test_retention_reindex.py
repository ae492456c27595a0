"""Retention deletes old originals but keeps what was derived; reindex rebuilds the index from
the catalog without re-extracting."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest

from mediasift import runtime
from mediasift.catalog.models import utcnow
from mediasift.domain import IMAGE_SPACE
from mediasift.errors import MediasiftError
from mediasift.models.registry import ModelRegistry
from mediasift.runtime import open_runtime
from mediasift.services.ingest import ingest_stream
from mediasift.services.reindex import reindex
from mediasift.services.retention import original_deleted, run_retention
from mediasift.services.search import search
from mediasift.worker.pipeline import run_ingest
from tests.conftest import test_settings, wait_for_job
from tests.pg_fixtures import make_database, pg_url  # noqa: F401  (fixtures)


def _ingest(api, name: str, text: str) -> dict:  # type: ignore[no-untyped-def]
    created = api.post("/v1/media", files={"file": (name, text.encode())}).json()
    assert wait_for_job(api, created["job"]["id"])["status"] == "succeeded"
    return created["media"]


def test_retention_deletes_old_originals_and_keeps_segments_and_search(make_runtime, client_for):
    rt = make_runtime()
    api = client_for(rt, workers=1)
    media = _ingest(api, "old.txt", "The lighthouse keeper logs the fog horn schedule.")
    assert run_retention(rt, 30).deleted == []  # not old yet

    report = run_retention(rt, 30, now=utcnow() + timedelta(days=31))
    assert report.deleted == [media["id"]] and report.bytes == media["bytes"]
    assert original_deleted(rt, media["id"]) and list(rt.store.list("raw/")) == []
    gone = api.get(f"/v1/media/{media['id']}/original")
    assert gone.status_code == 404 and gone.json()["message"].endswith(
        "its original was deleted by retention"
    )
    assert "raw/" not in gone.text  # where the tenant's objects live is not the caller's
    for name in ("%2E%2E/%2E%2E/other/x/thumb.jpg", "%2E/thumb.jpg", "a//b"):  # as sent, not normalised
        refused = api.get(f"/v1/media/{media['id']}/artifacts/{name}")
        assert refused.status_code == 400 and "processed/" not in refused.text, refused.text
    detail = api.get(f"/v1/media/{media['id']}").json()
    assert detail["status"] == "ready" and detail["segments"]
    assert detail["original_deleted_at"] is not None  # a client sees it without a 404 or a 409
    hits = api.get("/v1/search", params={"q": "lighthouse fog horn"}).json()["hits"]
    assert hits and hits[0]["media_id"] == media["id"]
    assert run_retention(rt, 30, now=utcnow() + timedelta(days=31)).deleted == []  # once only
    refused = api.post(f"/v1/media/{media['id']}/reprocess")
    assert refused.status_code == 409 and "retention" in refused.json()["message"]

    # as the 409 says: the same file uploaded again is its original again (it had been thrown
    # away as a duplicate), so the media can be reprocessed, its id and results kept meanwhile
    again = api.post(
        "/v1/media", files={"file": ("old.txt", b"The lighthouse keeper logs the fog horn schedule.")}
    )
    assert (
        again.status_code == 200 and again.json()["duplicate"] and again.json()["media"]["id"] == media["id"]
    )
    assert not original_deleted(rt, media["id"])
    assert api.get(f"/v1/media/{media['id']}").json()["original_deleted_at"] is None
    assert api.get(f"/v1/media/{media['id']}/original").content.startswith(b"The lighthouse keeper")
    job = api.post(f"/v1/media/{media['id']}/reprocess")
    assert job.status_code == 202 and wait_for_job(api, job.json()["id"])["status"] == "succeeded"


def test_the_same_file_from_the_same_path_restores_its_original_too(make_runtime, client_for):
    # `mediasift ingest` names each file's path (``source``): the same file again takes the
    # new-version path, which had written the bytes back but left reprocess refused (409)
    rt = make_runtime()
    api = client_for(rt, workers=1)
    sent = {"file": ("log.txt", b"The keeper winds the lamp clock at dusk.")}
    source = {"source": "file://host/home/keeper/log.txt"}
    created = api.post("/v1/media", files=sent, data=source).json()
    assert wait_for_job(api, created["job"]["id"])["status"] == "succeeded"
    assert run_retention(rt, 30, now=utcnow() + timedelta(days=31)).deleted == [created["media"]["id"]]
    assert api.post(f"/v1/media/{created['media']['id']}/reprocess").status_code == 409

    again = api.post("/v1/media", files=sent, data=source)
    assert again.status_code == 200 and again.json()["media"]["id"] == created["media"]["id"]
    assert not original_deleted(rt, created["media"]["id"])
    job = api.post(f"/v1/media/{created['media']['id']}/reprocess")
    assert job.status_code == 202 and wait_for_job(api, job.json()["id"])["status"] == "succeeded"


def test_reprocess_whose_original_vanished_ends_dead_not_running(make_runtime, client_for):
    rt = make_runtime()
    api = client_for(rt, workers=1)
    media = _ingest(api, "gone.txt", "The ferry timetable changes in winter.")
    (original,) = rt.store.list("raw/")
    rt.store.delete(original)  # as if removed behind mediasift's back
    job = api.post(f"/v1/media/{media['id']}/reprocess").json()
    done = wait_for_job(api, job["id"])
    assert done["status"] == "dead" and done["error_code"] == "not_found", done


def test_reindex_rebuilds_vectors_from_stored_segments(make_runtime, client_for):
    rt = make_runtime()
    api = client_for(rt, workers=1)
    media = _ingest(api, "pumps.txt", "Pump seven vibrates above the threshold after the valve change.")
    points = rt.index.count("default")
    rt.index.delete_media("default", media["id"])  # as if the index were new and empty
    rt.invalidate_tenant("default")
    assert api.get("/v1/search", params={"q": "pump vibration"}).json()["hits"] == []
    run_retention(rt, 1, now=utcnow() + timedelta(days=2))  # no originals: nothing is re-extracted

    report = reindex(rt)
    assert (report.media, report.text_vectors) == (1, points)
    assert rt.index.count("default") == points
    hits = api.get("/v1/search", params={"q": "pump vibration", "mode": "vector"}).json()["hits"]
    assert hits and hits[0]["media_id"] == media["id"]


@pytest.fixture(params=["edge", "qdrant", pytest.param("pgvector", marks=pytest.mark.postgres)])
def index_backend(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """Settings of each index backend, each on an index of its own."""
    if request.param == "qdrant":
        return {"index": "qdrant", "qdrant_url": f"local:{tmp_path / 'qdrant'}"}
    if request.param == "pgvector":
        return {"index": "pgvector", "pgvector_url": request.getfixturevalue("make_database")()}
    return {"index": "edge"}


def test_reindex_wipe_rebuilds_any_backend_for_vectors_of_a_new_size(
    tmp_path: Path, models: ModelRegistry, monkeypatch: pytest.MonkeyPatch, index_backend: dict[str, str]
) -> None:
    settings = test_settings(tmp_path / "home", **index_backend)
    rt = open_runtime(settings)
    rt.models = models
    try:
        text = b"Pump seven vibrates above the threshold after the valve change."
        media = ingest_stream(rt, "default", io.BytesIO(text), "pumps.txt").media
        run_ingest(rt, "default", media.id, lambda stage, fraction: None)
        points = rt.index.count()
    finally:
        rt.close()
    # Another image model (clip's 512-d tower, say): the index holds vectors of the old size.
    dims = runtime.embedding_dims(settings)
    monkeypatch.setattr(runtime, "embedding_dims", lambda _: {**dims, IMAGE_SPACE: 512})
    if settings.index != "qdrant":  # a Qdrant collection opens with its own sizes, and warns
        with pytest.raises(MediasiftError, match="reindex"):
            open_runtime(settings)

    rt = open_runtime(settings, wipe_index=True)  # what `mediasift reindex --wipe` opens
    rt.models = models
    try:
        assert rt.index.count() == 0
        report = reindex(rt)
        assert (report.media, rt.index.count()) == (1, points)
        hits = search(rt, "default", "pump vibration", mode="vector")
        assert hits and hits[0].media_id == media.id
    finally:
        rt.close()
