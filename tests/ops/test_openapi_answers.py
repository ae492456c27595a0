"""The OpenAPI document says what the API answers: errors as ``ErrorOut``, streams as streams,
limits as bounds, a dry run's check as what it is."""

from __future__ import annotations

import json


def test_every_validation_error_is_declared_as_the_error_the_api_sends(make_runtime, client_for):
    api = client_for(make_runtime())
    schema = api.get("/openapi.json").json()
    assert "HTTPValidationError" not in json.dumps(schema)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            answer = operation.get("responses", {}).get("422")
            if answer is not None:
                ref = answer["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/ErrorOut", (method, path)
    # and a request that does not validate is answered so
    refused = api.get("/v1/media", params={"limit": "many"})
    assert refused.status_code == 422 and set(refused.json()) == {"code", "message"}


def test_every_route_behind_a_key_declares_the_400_any_of_them_may_answer(make_runtime, client_for):
    api = client_for(make_runtime())
    schema = api.get("/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if "401" in operation.get("responses", {}):  # behind a key
                assert "400" in operation["responses"], (method, path)
    assert api.get("/v1/media", params={"collection": "\x00"}).status_code == 400
    assert api.get("/v1/users/me", headers={"X-Mediasift-Tenant": "bad!"}).status_code == 400


def test_answers_declare_their_stream_and_lists_their_bounds(make_runtime, client_for):
    api = client_for(make_runtime())
    paths = api.get("/openapi.json").json()["paths"]
    for path in ("/v1/ask", "/v1/chats/{chat_id}/messages"):
        assert set(paths[path]["post"]["responses"]["200"]["content"]) == {
            "application/json",
            "text/event-stream",
        }
    put = paths["/v1/collections/{name}/workflow"]["put"]["responses"]["200"]["content"]["application/json"]
    assert {r["$ref"].rsplit("/", 1)[1] for r in put["schema"]["anyOf"]} == {
        "WorkflowOut",
        "WorkflowCheckedOut",
    }
    for path in ("/v1/admin/dlq", "/v1/webhooks/{webhook_id}/deliveries"):
        (limit,) = [p for p in paths[path]["get"]["parameters"] if p["name"] == "limit"]
        assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 1000), path
    for bad in ("-1", "99999999999999999999"):  # had been clamped silently
        assert api.get("/v1/admin/dlq", params={"limit": bad}).status_code == 422


def test_a_filter_value_no_media_can_have_is_refused_not_an_empty_answer(make_runtime, client_for):
    api = client_for(make_runtime())
    refused = api.get("/v1/search", params={"q": "ferry", "kind": "vidoe"})
    assert refused.status_code == 422 and "one of video, audio" in refused.json()["message"]
    assert api.get("/v1/search", params={"q": "ferry", "modality": "subtitles"}).status_code == 422
    # as a job's status none allowed is, and a media's (docs/concepts.md: "a 422, as in GET /v1/media")
    assert api.get("/v1/jobs", params={"status": "bogus"}).status_code == 422
    for route, body in (
        ("/v1/ask", {"question": "when does the ferry leave?", "filters": {"kinds": ["vidoe"]}}),
        ("/v1/chats", {"filters": {"modalities": ["nonsense"]}}),
    ):
        assert api.post(route, json=body).status_code == 422, route
    saved = {"name": "ferries", "query": "ferry", "filters": {"kinds": ["nonsense"]}}
    assert api.post("/v1/saved-searches", json=saved, headers={"X-Mediasift-User": "ana"}).status_code == 422
    assert (
        api.get("/v1/search", params={"q": "ferry", "kind": "video", "modality": "speech"}).status_code == 200
    )


def test_a_saved_searchs_name_cannot_be_patched_to_null(make_runtime, client_for):
    api = client_for(make_runtime())
    ana = {"X-Mediasift-User": "ana"}
    saved = api.post("/v1/saved-searches", json={"name": "ferries", "query": "ferry"}, headers=ana).json()
    for field in ("name", "query"):
        refused = api.patch(f"/v1/saved-searches/{saved['id']}", json={field: None}, headers=ana)
        assert refused.status_code == 400 and "cannot be null" in refused.json()["message"], refused.text
    renamed = api.patch(f"/v1/saved-searches/{saved['id']}", json={"name": "boats"}, headers=ana).json()
    assert (renamed["name"], renamed["query"]) == ("boats", "ferry")


def test_head_answers_wherever_get_does_without_a_body(make_runtime, client_for):
    api = client_for(make_runtime())
    media = api.post("/v1/media", files={"file": ("a.txt", b"hello head world")}).json()["media"]
    for path in ("/health", f"/v1/media/{media['id']}", f"/v1/media/{media['id']}/original"):
        got, head = api.get(path), api.head(path)
        assert (head.status_code, head.content) == (200, b""), path  # a probe's HEAD had been a 405
        assert head.headers["content-type"] == got.headers["content-type"], path
    assert api.head(f"/v1/media/{media['id']}/original").headers["content-length"] == "16"
    assert api.head("/v1/media/01ARZ3NDEKTSV4RRFFQ69G5FAV").status_code == 404


def test_a_head_is_logged_and_counted_under_its_route(make_runtime, client_for, caplog):
    import logging

    from mediasift import meters

    api = client_for(make_runtime())
    media = api.post("/v1/media", files={"file": ("a.txt", b"hello head world")}).json()["media"]
    health = meters.HTTP_REQUESTS.labels(method="HEAD", route="/health", status="200")
    before = health._value.get()
    with caplog.at_level(logging.DEBUG, logger="mediasift.access"):
        api.head(f"/v1/media/{media['id']}/original")
        api.head("/health")
    lines = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "mediasift.access"]
    # it had been route "unmatched", and /health's probe an INFO line each time
    assert (logging.INFO, "HEAD /v1/media/{media_id}/original 200") in lines
    assert (logging.DEBUG, "HEAD /health 200") in lines
    assert health._value.get() == before + 1  # counted under its route, not "unmatched"


def test_head_of_an_original_reads_none_of_its_bytes(make_runtime, client_for):
    rt = make_runtime()
    api = client_for(rt)
    payload = b"0123456789" * 100_000
    media = api.post("/v1/media", files={"file": ("big.txt", payload)}).json()["media"]
    read: list[int] = []
    opened = rt.store.open

    def counting(key):  # type: ignore[no-untyped-def]
        stream = opened(key)
        plain_read = stream.read

        def counted(size=-1):  # type: ignore[no-untyped-def]
            block = plain_read(size)
            read.append(len(block))
            return block

        stream.read = counted
        return stream

    rt.store.open = counting
    head = api.head(f"/v1/media/{media['id']}/original")
    assert (head.status_code, head.headers["content-length"], head.content) == (200, "1000000", b"")
    assert sum(read) == 0  # it had read the whole original to drop it
    ranged = api.head(f"/v1/media/{media['id']}/original", headers={"Range": "bytes=10-19"})
    assert (ranged.status_code, ranged.headers["content-range"]) == (206, "bytes 10-19/1000000")
    assert ranged.headers["content-length"] == "10" and sum(read) == 0
    assert api.get(f"/v1/media/{media['id']}/original").content == payload and sum(read) == len(payload)


def test_a_body_that_is_not_json_says_why_and_where(make_runtime, client_for):
    api = client_for(make_runtime())
    sent = api.post(
        "/v1/ask", content=b'{"question": "x" "filters": 1}', headers={"Content-Type": "application/json"}
    )
    assert sent.status_code == 422  # it had said "body.17: JSON decode error"
    assert sent.json()["message"] == "the body is not valid JSON: Expecting ',' delimiter at character 17"


def test_a_method_not_allowed_names_every_method_of_the_path(make_runtime, client_for):
    api = client_for(make_runtime())
    for method, path, allowed in (
        ("PUT", "/v1/media", "GET, HEAD, POST"),  # Starlette had named POST alone
        ("POST", "/v1/media/01ARZ3NDEKTSV4RRFFQ69G5FAV", "DELETE, GET, HEAD, PATCH"),
    ):
        refused = api.request(method, path)
        assert (refused.status_code, refused.headers["allow"]) == (405, allowed), path
        assert refused.json()["code"] == "method_not_allowed" and allowed in refused.json()["message"]


def test_an_artifact_answers_ranges_and_a_reversed_range_is_the_whole_object(make_runtime, client_for):
    import io

    from PIL import Image

    rt = make_runtime(enrich=False)
    api = client_for(rt, workers=1)
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), "navy").save(picture, format="PNG")
    media = api.post("/v1/media", files={"file": ("a.png", picture.getvalue())}).json()
    from tests.conftest import wait_for_job

    assert wait_for_job(api, media["job"]["id"])["status"] == "succeeded"
    detail = api.get(f"/v1/media/{media['media']['id']}").json()
    name = detail["artifacts"][0]  # the thumbnail's name
    path = f"/v1/media/{media['media']['id']}/artifacts/{name}"
    whole = api.get(path)
    # it said "Accept-Ranges: bytes" and sent all of it
    part = api.get(path, headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.content == whole.content[:10]
    assert part.headers["content-range"] == f"bytes 0-9/{len(whole.content)}"
    reversed_range = api.get(path, headers={"Range": "bytes=100-50"})  # no range: it had been a 416
    assert reversed_range.status_code == 200 and reversed_range.content == whole.content
    past = api.get(path, headers={"Range": f"bytes={len(whole.content) + 5}-"})
    assert past.status_code == 416
