"""Direct uploads (POST /v1/uploads): the bytes go straight to storage, then become a media.

On S3 (moto server, with the bucket notifying the SQS queue as deploy/terraform configures it) a
presigned POST, a presigned PUT and a multipart upload of presigned parts each end as a media made
by the worker from the bucket event; on the embedded store the signed PUT's handler makes it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import wait_for_job

MIB = 1024 * 1024
TEXT = b"The boiler pressure is checked daily and logged in the maintenance book.\n"


def _wait_completed(api: Any, upload_id: str, timeout_s: float = 240.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = api.get(f"/v1/uploads/{upload_id}").json()
        if state["status"] != "pending":
            return state
        time.sleep(0.2)
    raise AssertionError(f"upload {upload_id} still pending: {state}")


@pytest.fixture
def s3_api(make_runtime, client_for, make_queue, s3_bucket, s3_client, sqs_client, aws_endpoint, monkeypatch):  # type: ignore[no-untyped-def]
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)
    url = make_queue().url
    arn = sqs_client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3_client.put_bucket_notification_configuration(
        Bucket=s3_bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}},
                }
            ]
        },
    )

    def make(**settings: Any) -> Any:
        rt = make_runtime(
            store="s3",
            s3_bucket=s3_bucket,
            s3_endpoint_url=aws_endpoint,
            queue="sqs",
            sqs_queue_url=url,
            sqs_wait_s=1,
            enrich=False,
            **settings,
        )
        return client_for(rt, workers=1)

    return make


def test_presigned_post_and_put_uploads_become_media_through_the_bucket_event(s3_api, s3_client, s3_bucket):  # type: ignore[no-untyped-def]
    api = s3_api()
    body = {
        "filename": "boiler.txt",
        "content_type": "text/plain",
        "bytes": len(TEXT),
        "metadata": {"site": "b"},
    }
    created = api.post("/v1/uploads", json=body)
    assert created.status_code == 201, created.text
    upload = created.json()
    assert (upload["status"], upload["method"]) == ("pending", "post")
    post = upload["post"]
    assert post["fields"]["Content-Type"] == "text/plain" and "policy" in {k.lower() for k in post["fields"]}
    sent = httpx.post(post["url"], data=post["fields"], files={"file": ("boiler.txt", TEXT, "text/plain")})
    assert sent.status_code in (200, 201, 204), sent.text

    done = _wait_completed(api, upload["id"])
    assert done["status"] == "completed", done
    media = done["media"]
    assert (media["filename"], media["bytes"]) == ("boiler.txt", len(TEXT))
    assert media["metadata"]["site"] == "b" and media["metadata"]["upload_id"] == upload["id"]
    assert wait_for_job(api, done["job"]["id"])["status"] == "succeeded"
    listed = s3_client.list_objects_v2(Bucket=s3_bucket, Prefix="uploads/").get("KeyCount", 0)
    assert listed == 0  # the store keeps its own copy; the uploaded object is gone

    # A PUT (mobile clients) to the presigned URL, with the signed headers
    other = TEXT.replace(b"daily", b"weekly")
    upload = api.post("/v1/uploads", json={**body, "filename": "weekly.txt", "bytes": len(other)}).json()
    put = upload["put"]
    assert httpx.put(put["url"], content=other, headers=put["headers"]).status_code == 200
    done = _wait_completed(api, upload["id"])
    assert done["media"]["filename"] == "weekly.txt" and done["media"]["bytes"] == len(other)

    # another tenant sees nothing of it
    assert api.get(f"/v1/uploads/{upload['id']}", headers={"X-Mediasift-Tenant": "other"}).status_code == 404


def _chunks(size: int, seed: bytes, hasher: Any) -> Iterator[bytes]:
    """``size`` pseudo-random bytes, made and hashed a MiB at a time (nothing held whole)."""
    block, counter = b"", 0
    sent = 0
    while sent < size:
        if not block:
            block = b"".join(
                hashlib.sha256(seed + (counter + i).to_bytes(8, "big")).digest() for i in range(MIB // 32)
            )
            counter += MIB // 32
        piece = block[: min(len(block), size - sent)]
        block = block[len(piece) :]
        hasher.update(piece)
        sent += len(piece)
        yield piece


def _multipart(api: Any, size: int, filename: str) -> tuple[dict, str]:
    created = api.post(
        "/v1/uploads", json={"filename": filename, "content_type": "application/octet-stream", "bytes": size}
    )
    assert created.status_code == 201, created.text
    upload = created.json()
    assert upload["method"] == "multipart" and upload["post"] is None
    parts = upload["parts"]
    assert sum(p["bytes"] for p in parts) == size and len(parts) > 1
    hasher = hashlib.sha256()
    stream = _chunks(size, filename.encode(), hasher)
    etags = []
    with httpx.Client(timeout=120) as http:
        for part in parts:
            remaining = part["bytes"]

            def body(n: int = remaining) -> Iterator[bytes]:
                # the next n bytes of the one stream, in the chunks it makes
                left = n
                while left:
                    piece = next(stream)
                    if len(piece) > left:  # never: parts are whole MiB but the last
                        raise AssertionError("a chunk straddles two parts")
                    left -= len(piece)
                    yield piece

            answer = http.put(part["url"], content=body(), headers={"Content-Length": str(part["bytes"])})
            assert answer.status_code == 200, answer.text
            etags.append({"number": part["number"], "etag": answer.headers["ETag"]})
    return upload, hasher.hexdigest(), etags  # type: ignore[return-value]


def test_a_multipart_upload_becomes_media(s3_api, s3_client, s3_bucket):  # type: ignore[no-untyped-def]
    api = s3_api(direct_upload_multipart_bytes=5 * MIB, direct_upload_part_bytes=5 * MIB)
    size = 11 * MIB
    upload, sha, etags = _multipart(api, size, "scan.bin")  # type: ignore[misc]
    assert [p["bytes"] for p in upload["parts"]] == [5 * MIB, 5 * MIB, MIB]

    # parts missing or in the wrong order are refused, and nothing is made of them
    assert api.post(f"/v1/uploads/{upload['id']}/complete", json={"parts": etags[:2]}).status_code == 400
    assert api.post(f"/v1/uploads/{upload['id']}/complete", json={"parts": etags[::-1]}).status_code == 400
    completed = api.post(f"/v1/uploads/{upload['id']}/complete", json={"parts": etags})
    assert completed.status_code == 200, completed.text
    done = _wait_completed(api, upload["id"])
    assert done["status"] == "completed", done
    assert (done["media"]["bytes"], done["media"]["sha256"]) == (size, sha)
    assert api.delete(f"/v1/uploads/{upload['id']}").status_code == 409  # finished: nothing to abort


def test_an_aborted_multipart_upload_leaves_nothing(s3_api, s3_client, s3_bucket):  # type: ignore[no-untyped-def]
    api = s3_api(direct_upload_multipart_bytes=5 * MIB, direct_upload_part_bytes=5 * MIB)
    upload = api.post(
        "/v1/uploads",
        json={"filename": "x.bin", "content_type": "application/octet-stream", "bytes": 6 * MIB},
    ).json()
    aborted = api.delete(f"/v1/uploads/{upload['id']}")
    assert aborted.status_code == 200 and aborted.json()["status"] == "aborted"
    assert s3_client.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", []) == []
    assert (
        api.post(
            f"/v1/uploads/{upload['id']}/complete", json={"parts": [{"number": 1, "etag": "x"}]}
        ).status_code
        == 409
    )


@pytest.mark.slow
def test_a_300_mb_multipart_upload_becomes_media(s3_api):  # type: ignore[no-untyped-def]
    api = s3_api()  # the defaults: multipart above 100 MiB, 64 MiB parts
    size = 300 * MIB
    upload, sha, etags = _multipart(api, size, "archive.bin")  # type: ignore[misc]
    assert len(upload["parts"]) == 5
    assert api.post(f"/v1/uploads/{upload['id']}/complete", json={"parts": etags}).status_code == 200
    done = _wait_completed(api, upload["id"], timeout_s=600)
    assert done["status"] == "completed", done
    assert (done["media"]["bytes"], done["media"]["sha256"]) == (size, sha)


def test_embedded_store_signed_put_makes_the_media(make_runtime, client_for):  # type: ignore[no-untyped-def]
    api = client_for(make_runtime(enrich=False), workers=1)
    body = {"filename": "boiler.txt", "content_type": "text/plain", "bytes": len(TEXT), "collection": "plant"}
    upload = api.post("/v1/uploads", json=body).json()
    assert (upload["method"], upload["post"], upload["parts"]) == ("put", None, None)
    url = upload["put"]["url"]
    assert url.startswith("http://testserver/v1/uploads/") and "signature=" in url
    path = url.removeprefix("http://testserver")

    forged = path.replace("signature=", "signature=0")
    assert api.put(forged, content=TEXT, headers={"Content-Type": "text/plain"}).status_code == 403
    odd = path.replace("signature=", "signature=%C3%A9")  # not ASCII: refused, never a 500
    assert api.put(odd, content=TEXT, headers={"Content-Type": "text/plain"}).status_code == 403
    assert api.put(path, content=TEXT, headers={"Content-Type": "image/png"}).status_code == 400
    assert api.put(path, content=TEXT + b"x", headers={"Content-Type": "text/plain"}).status_code in (
        400,
        413,
    )
    assert api.get(f"/v1/uploads/{upload['id']}").json()["status"] == "pending"  # nothing lost or made

    sent = api.put(path, content=TEXT, headers={"Content-Type": "text/plain"})
    assert sent.status_code == 201, sent.text
    done = sent.json()
    assert done["status"] == "completed" and done["media"]["collection"] == "plant"
    assert wait_for_job(api, done["job"]["id"])["status"] == "succeeded"
    assert api.get(f"/v1/media/{done['media']['id']}/original").content == TEXT
    assert api.put(path, content=TEXT, headers={"Content-Type": "text/plain"}).status_code == 409  # used
    assert api.get(f"/v1/uploads/{upload['id']}", headers={"X-Mediasift-Tenant": "other"}).status_code == 404


def test_direct_uploads_refuse_bad_requests(make_runtime, client_for):  # type: ignore[no-untyped-def]
    api = client_for(make_runtime(max_upload_bytes=1000))
    base = {"filename": "a.txt", "content_type": "text/plain", "bytes": 10}
    assert api.post("/v1/uploads", json={**base, "bytes": 1001}).json()["code"] == "limit_exceeded"
    assert api.post("/v1/uploads", json={**base, "content_type": "text"}).status_code == 400
    assert api.post("/v1/uploads", json={**base, "collection": "../x"}).status_code == 400
    assert api.post("/v1/uploads", json={**base, "bytes": 0}).status_code in (400, 422)
    assert api.post("/v1/uploads", json={**base, "metadata": {"extracted": 1}}).status_code == 400
    deep: dict = {}
    for _ in range(40):
        deep = {"a": deep}
    assert api.post("/v1/uploads", json={**base, "metadata": deep}).status_code == 400
    assert api.get("/v1/uploads/01ARZ3NDEKTSV4RRFFQ69G5FAV").status_code == 404


def test_a_direct_upload_from_a_source_is_a_new_version_of_its_media(make_runtime, client_for):  # type: ignore[no-untyped-def]
    api = client_for(make_runtime(enrich=False), workers=1)

    def send(content: bytes, source: str | None = "s3://mine/manuals/boiler.txt") -> dict:
        body = {"filename": "boiler.txt", "content_type": "text/plain", "bytes": len(content)}
        body["source"] = source
        upload = api.post("/v1/uploads", json=body).json()
        assert upload["source"] == source and upload["replaced"] is False
        url = upload["put"]["url"].removeprefix("http://testserver")
        sent = api.put(url, content=content, headers={"Content-Type": "text/plain"})
        assert sent.status_code == 201, sent.text
        done = sent.json()
        if done["job"]:
            assert wait_for_job(api, done["job"]["id"])["status"] == "succeeded"
        assert api.get(f"/v1/uploads/{upload['id']}").json()["replaced"] is done["replaced"]
        return done

    first = send(TEXT)
    media_id = first["media"]["id"]
    assert first["media"]["source"] == "s3://mine/manuals/boiler.txt" and not first["replaced"]
    edited = b"The boiler pressure is checked weekly since the new valve was fitted.\n"
    second = send(edited)
    assert (second["media"]["id"], second["replaced"], second["duplicate"]) == (media_id, True, False)
    assert api.get(f"/v1/media/{media_id}/original").content == edited
    asked = {"q": "boiler pressure checked weekly", "mode": "keyword"}
    hits = api.get("/v1/search", params=asked).json()["hits"]
    assert [h["media_id"] for h in hits] == [media_id] and "weekly" in hits[0]["text"]
    again = send(edited)
    assert (again["media"]["id"], again["replaced"], again["duplicate"]) == (media_id, False, True)
    other = send(edited + b"x", source=None)  # no source: new bytes are a media of their own
    assert other["media"]["id"] != media_id and other["media"]["source"] is None

    body = {"filename": "a.txt", "content_type": "text/plain", "bytes": 3, "source": "a\nb"}
    assert api.post("/v1/uploads", json=body).status_code == 400
    assert api.post("/v1/uploads", json={**body, "source": "x" * 2049}).status_code == 400
    assert api.get("/v1/media", params={"source_prefix": "s3://mine/"}).json()["media"][0]["id"] == media_id


def test_a_collection_is_named_alike_by_uploads_direct_uploads_and_workflows(make_runtime, client_for):
    api = client_for(make_runtime(enrich=False))
    # letters of any alphabet, as a Spanish collection is named; no ':' '/' or spaces anywhere
    made = api.post("/v1/media", files={"file": ("menu.txt", b"Sopa del dia")}, data={"collection": "café"})
    assert made.status_code == 202 and made.json()["media"]["collection"] == "café"
    decomposed = api.post(
        "/v1/media", files={"file": ("menu2.txt", b"Tarta del dia")}, data={"collection": "cafe\u0301"}
    )
    assert decomposed.json()["media"]["collection"] == "café"  # one name, however it was typed
    direct = {"filename": "a.txt", "content_type": "text/plain", "bytes": 3}
    assert api.post("/v1/uploads", json={**direct, "collection": "cocina-española"}).status_code == 201
    workflow = "version: 1\nsteps:\n  - enrich: [keywords]\n"
    headers = {"Content-Type": "application/yaml"}
    assert api.put("/v1/collections/café/workflow", content=workflow, headers=headers).status_code == 201
    for name in ("a:b", "two words", "x" * 201):
        assert (
            api.post("/v1/media", files={"file": ("n.txt", b"x")}, data={"collection": name}).status_code
            == 400
        )
        assert api.post("/v1/uploads", json={**direct, "collection": name}).status_code == 400
        refused = api.put(f"/v1/collections/{name}/workflow", content=workflow, headers=headers)
        assert refused.status_code in (404, 422), name  # never stored for a name uploads refuse
