"""Upload → job → search over the HTTP API, duplicates, deletion and tenant walls."""

from pathlib import Path

from fastapi.testclient import TestClient

from mediasift.runtime import Runtime
from mediasift.services.reindex import reindex
from tests.conftest import upload, wait_for_job
from tests.docgen import make_docx, make_pdf

FRIDGE = (
    "Keep the refrigerator temperature at or below four degrees Celsius. "
    "Check the door seal every month and defrost the freezer when ice builds up."
)


def test_upload_then_search_finds_the_page(api: TestClient, tmp_path: Path):
    pdf = make_pdf(tmp_path / "manual.pdf", [["Welcome to the manual."], [], [FRIDGE]])
    created = upload(api, pdf)
    assert created["duplicate"] is False and created["job"]["status"] == "queued"
    job = wait_for_job(api, created["job"]["id"])
    assert job["status"] == "succeeded", job
    assert job["filename"] == "manual.pdf"

    hits = api.get("/v1/search", params={"q": "fridge temperature"}).json()["hits"]
    assert hits, "no hits"
    top = hits[0]
    assert top["media_id"] == created["media"]["id"]
    assert top["page"] == 3 and top["kind"] == "document" and top["modality"] == "text"
    assert "refrigerator" in top["text"] and top["filename"] == "manual.pdf"

    detail = api.get(f"/v1/media/{created['media']['id']}").json()
    assert detail["status"] == "ready" and detail["pages"] == 3
    assert [s["page"] for s in detail["segments"]] == [1, 3]
    # every time with its zone, read back from SQLite as from PostgreSQL (a browser reads a time
    # without one as local)
    listed = api.get("/v1/media").json()["media"][0]
    times = [detail["created_at"], detail["updated_at"], listed["created_at"], job["created_at"]]
    assert all(t.endswith("Z") for t in times), times


def test_search_is_multilingual_and_filters_by_kind(api: TestClient, tmp_path: Path):
    sentence = "La temperatura del agua para el café debe ser de noventa grados."
    doc = make_docx(tmp_path / "receta.docx", [sentence])
    text = tmp_path / "notes.md"
    text.write_text("# Notes\n\n- The quarterly budget meeting moved to Friday.\n- Bring the slides.\n")
    for path in (doc, text):
        assert wait_for_job(api, upload(api, path)["job"]["id"])["status"] == "succeeded"

    hits = api.get("/v1/search", params={"q": "coffee water temperature"}).json()["hits"]
    assert hits[0]["filename"] == "receta.docx"
    only_text = api.get("/v1/search", params={"q": "coffee water temperature", "kind": "text"}).json()["hits"]
    assert only_text and all(h["kind"] == "text" for h in only_text)
    spanish = api.get("/v1/search", params={"q": "temperature", "language": "es"}).json()["hits"]
    assert [h["filename"] for h in spanish] == ["receta.docx"] and spanish[0]["language"] == "es"


def test_same_bytes_twice_are_deduplicated(api: TestClient, tmp_path: Path, runtime: Runtime):
    path = tmp_path / "a.txt"
    path.write_text("Deduplication keeps one copy of the same bytes.")
    first = upload(api, path)
    wait_for_job(api, first["job"]["id"])
    copy = tmp_path / "copy-with-another-name.txt"
    copy.write_bytes(path.read_bytes())
    with copy.open("rb") as f:
        response = api.post("/v1/media", files={"file": (copy.name, f)})
    assert response.status_code == 200
    second = response.json()
    assert second["duplicate"] is True
    assert second["media"]["id"] == first["media"]["id"]
    assert len(api.get("/v1/jobs").json()["jobs"]) == 1
    # only one original is stored
    assert len(list(runtime.store.list("raw/"))) == 1


def test_delete_removes_objects_segments_and_vectors(api: TestClient, tmp_path: Path, runtime: Runtime):
    path = tmp_path / "gone.txt"
    path.write_text("The zebra crossing near the museum is being repainted.")
    created = upload(api, path)
    wait_for_job(api, created["job"]["id"])
    media_id = created["media"]["id"]
    assert runtime.index.count("default") > 0
    assert api.delete(f"/v1/media/{media_id}").status_code == 204

    assert api.get(f"/v1/media/{media_id}").status_code == 404
    assert api.get("/v1/search", params={"q": "zebra crossing"}).json()["hits"] == []
    assert runtime.index.count("default") == 0
    assert list(runtime.store.list("raw/")) == [] and list(runtime.store.list("processed/")) == []
    assert api.get(f"/v1/jobs/{created['job']['id']}").status_code == 404


def test_tenant_never_sees_another_tenants_hits(api: TestClient, tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("The launch code for project nightingale is stored in the blue vault.")
    a = upload(api, secret, tenant="acme")
    wait_for_job(api, a["job"]["id"], tenant="acme")

    query = {"q": "nightingale launch code"}
    own = api.get("/v1/search", params=query, headers={"X-Mediasift-Tenant": "acme"})
    assert own.json()["hits"]
    headers = {"X-Mediasift-Tenant": "globex"}
    assert api.get("/v1/search", params=query, headers=headers).json()["hits"] == []
    # nor its media, jobs or artifacts by id
    assert api.get(f"/v1/media/{a['media']['id']}", headers=headers).status_code == 404
    assert api.get(f"/v1/jobs/{a['job']['id']}", headers=headers).status_code == 404
    assert api.get(f"/v1/media/{a['media']['id']}/original", headers=headers).status_code == 404
    # the same bytes in another tenant are that tenant's own media, not a duplicate
    b = upload(api, secret, tenant="globex")
    assert b["duplicate"] is False and b["media"]["id"] != a["media"]["id"]


def test_errors_are_json_with_a_stable_code(api: TestClient):
    missing = api.get("/v1/media/01HZZZZZZZZZZZZZZZZZZZZZZZ")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    bad = api.get("/v1/search", params={"q": ""})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_request"


def test_openapi_documents_every_route(api: TestClient):
    spec = api.get("/openapi.json").json()
    for path in ("/v1/media", "/v1/media/{media_id}", "/v1/jobs/{job_id}", "/v1/search", "/health"):
        assert path in spec["paths"], path
    # a file's bytes are no JSON body; a ranged download answers 206; every keyed route may be 429
    original = spec["paths"]["/v1/media/{media_id}/original"]["get"]["responses"]
    assert {"200", "206", "307", "416", "429"} <= set(original), sorted(original)
    assert "application/json" not in original["200"]["content"]
    transcript = spec["paths"]["/v1/media/{media_id}/transcript.{fmt}"]["get"]["responses"]["200"]["content"]
    assert {"text/vtt", "application/x-subrip"} <= set(transcript)
    assert {"401", "403"} <= set(spec["paths"]["/metrics"]["get"]["responses"])


def test_search_and_ask_filter_by_the_day_media_was_added(api: TestClient, tmp_path: Path, runtime: Runtime):
    from datetime import UTC, datetime

    from mediasift.catalog.models import Media

    ids = {}
    for name, day in (("june.txt", 3), ("july.txt", 4)):
        path = tmp_path / name
        path.write_text(f"The greenhouse irrigation schedule for {name[:-4]} waters the tomatoes at dawn.")
        created = upload(api, path)
        assert wait_for_job(api, created["job"]["id"])["status"] == "succeeded"
        ids[name] = created["media"]["id"]
        with runtime.catalog.session() as s:  # as if it had been uploaded on that day
            s.get(Media, created["media"]["id"]).created_at = datetime(2026, day + 3, 10, 12, tzinfo=UTC)
    reindex(runtime, "default")  # the index holds each point's added_at: a projection of the catalog

    def found(**window: str) -> set[str]:
        response = api.get("/v1/search", params={"q": "greenhouse irrigation", **window})
        assert response.status_code == 200, response.text
        return {h["filename"] for h in response.json()["hits"]}

    assert found() == {"june.txt", "july.txt"}
    assert found(added_after="2026-07-01") == {"july.txt"}
    assert found(added_before="2026-06-10") == {"june.txt"}  # a bare date includes the whole day
    assert found(added_before="2026-06-10T11:00:00Z") == set()
    assert found(added_after="2026-06-10T14:00:00+02:00", added_before="2026-06-30") == {"june.txt"}
    assert found(added_after="2027-01-01") == set()  # an empty window narrows to nothing, not to all
    assert api.get("/v1/search", params={"q": "x", "added_after": "last tuesday"}).status_code == 400
    reversed_window = {"q": "x", "added_after": "2026-07-02", "added_before": "2026-07-01"}
    assert api.get("/v1/search", params=reversed_window).status_code == 400

    image_form = {"q": "greenhouse irrigation", "added_after": "2026-07-01"}
    posted = api.post("/v1/search", data=image_form).json()["hits"]
    assert {h["filename"] for h in posted} == {"july.txt"}
    answer = api.post(
        "/v1/ask",
        json={"question": "When are the tomatoes watered?", "filters": {"added_after": "2026-07-01"}},
    ).json()
    assert answer["citations"] and {c["media_id"] for c in answer["citations"]} == {ids["july.txt"]}


def test_a_date_window_is_filtered_by_the_index_without_asking_the_catalog_for_media_ids(
    api: TestClient, tmp_path: Path, runtime: Runtime
):
    from sqlalchemy import event

    path = tmp_path / "tides.txt"
    path.write_text("The harbour tide table for the spring equinox.")
    assert wait_for_job(api, upload(api, path)["job"]["id"])["status"] == "succeeded"
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()))

    event.listen(runtime.catalog.engine, "before_cursor_execute", record)
    try:
        window = {"q": "harbour tide table", "added_after": "2020-01-01", "added_before": "2999-12-31"}
        hits = api.get("/v1/search", params=window).json()["hits"]
    finally:
        event.remove(runtime.catalog.engine, "before_cursor_execute", record)

    assert [h["filename"] for h in hits] == ["tides.txt"]
    assert statements, "the search read nothing from the catalog: the listener saw nothing"
    by_date = [s for s in statements if "FROM media" in s and "created_at" in s.partition(" WHERE ")[2]]
    assert by_date == []
