"""Media follow their objects in the bucket, through real S3 notifications (moto) read from SQS:
a new version of an object is processed again under the same media, a removed object deletes
its media, and late or repeated events undo nothing newer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mediasift.queue.s3_events import EventDelivery, ObjectCreated, ObjectRemoved
from mediasift.queue.sqs import SqsQueue
from mediasift.runtime import Runtime
from mediasift.worker.bucket_events import ingest_delivery
from tests.aws_fixtures import REGION, QueueUrls
from tests.conftest import wait_for_job

KEY = "clients/acme/products/SKU-7/media/document/label.txt"
ACME = {"X-Mediasift-Tenant": "acme"}


@pytest.fixture
def bucket_runtime(
    make_runtime: Callable[..., Runtime], aws_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> Runtime:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return make_runtime(s3_endpoint_url=aws_endpoint, s3_region=REGION, s3_sse="")


@pytest.fixture
def notifying_bucket(
    s3_client: Any, s3_bucket: str, make_queue: Callable[..., QueueUrls], sqs_client: Any
) -> tuple[str, SqsQueue]:
    """A bucket notifying a queue of created and removed objects, as deploy/terraform configures it."""
    url = make_queue().url
    arn = sqs_client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3_client.put_bucket_notification_configuration(
        Bucket=s3_bucket,
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]}]
        },
    )
    return s3_bucket, SqsQueue(url, client=sqs_client, wait_s=1)


def deliver(rt: Runtime, queue: SqsQueue) -> list[Any]:
    """Handle every notification waiting in the queue as the worker does; the events handled."""
    handled: list[Any] = []
    while (delivery := queue.receive_any(visibility_s=30, wait_s=1)) is not None:
        assert isinstance(delivery, EventDelivery)
        ingest_delivery(rt, delivery)
        queue.ack(delivery)
        handled += delivery.events
    return handled


def found(api: TestClient, words: str) -> list[dict[str, Any]]:
    response = api.get("/v1/search", params={"q": words, "mode": "keyword"}, headers=ACME)
    assert response.status_code == 200, response.text
    return response.json()["hits"]


def test_a_new_version_reprocesses_the_media_and_a_removed_object_deletes_it(
    bucket_runtime: Runtime,
    client_for: Callable[..., TestClient],
    notifying_bucket: tuple[str, SqsQueue],
    s3_client: Any,
) -> None:
    rt = bucket_runtime
    api = client_for(rt, workers=1)
    bucket, queue = notifying_bucket

    s3_client.put_object(Bucket=bucket, Key=KEY, Body=b"Roasted espresso beans from Huila, 250 grams.")
    [created] = deliver(rt, queue)
    assert isinstance(created, ObjectCreated)  # moto sends no sequencer: see the late-events test
    [media] = api.get("/v1/media", headers=ACME).json()["media"]
    assert wait_for_job(api, _job(api, media["id"]), tenant="acme")["status"] == "succeeded"
    assert media["metadata"]["sku"] == "SKU-7" and media["metadata"]["client"] == "acme"
    assert media["metadata"]["s3_key"] == KEY and media["metadata"]["media_type"] == "document"
    [hit] = found(api, "espresso")
    assert hit["media_id"] == media["id"] and hit["media_meta"]["sku"] == "SKU-7"

    # A new version of the object: the same media, its new bytes processed again.
    s3_client.put_object(Bucket=bucket, Key=KEY, Body=b"Ceremonial matcha from Uji, 30 grams.")
    deliver(rt, queue)
    [replaced] = api.get("/v1/media", headers=ACME).json()["media"]
    assert replaced["id"] == media["id"] and replaced["sha256"] != media["sha256"]
    assert wait_for_job(api, _job(api, media["id"]), tenant="acme")["status"] == "succeeded"
    assert [h["media_id"] for h in found(api, "matcha")] == [media["id"]]
    assert found(api, "espresso") == []
    original = api.get(f"/v1/media/{media['id']}/original", headers=ACME)
    assert original.content == b"Ceremonial matcha from Uji, 30 grams."

    # The same bytes written again (or the event redelivered): nothing is processed again.
    jobs_before = _jobs(api)
    s3_client.put_object(Bucket=bucket, Key=KEY, Body=b"Ceremonial matcha from Uji, 30 grams.")
    deliver(rt, queue)
    assert _jobs(api) == jobs_before

    # The object removed: its media goes, with its hits and its stored original.
    s3_client.delete_object(Bucket=bucket, Key=KEY)
    [removed] = deliver(rt, queue)
    assert isinstance(removed, ObjectRemoved) and removed.key == KEY
    assert api.get(f"/v1/media/{media['id']}", headers=ACME).status_code == 404
    assert found(api, "matcha") == []
    assert list(rt.store.list(f"raw/acme/{media['id']}/")) == []


def test_late_events_never_undo_a_newer_write(
    bucket_runtime: Runtime, s3_client: Any, s3_bucket: str
) -> None:
    rt = bucket_runtime
    s3_client.put_object(Bucket=s3_bucket, Key=KEY, Body=b"version two")

    def created(sequencer: str) -> ObjectCreated:
        return ObjectCreated(bucket=s3_bucket, key=KEY, size=11, etag="e", sequencer=sequencer)

    def handle(*events: ObjectCreated | ObjectRemoved) -> list[Any]:
        return ingest_delivery(rt, EventDelivery(events=list(events), receipt="r", attempts=1))

    [first] = handle(created("00AA02"))
    # A delete that S3 sequenced before the write (a late delivery) leaves the media alone...
    assert handle(ObjectRemoved(bucket=s3_bucket, key=KEY, sequencer="00AA01")) == []
    # ...as does a stale version.
    assert handle(created("00AA")) == []
    with rt.catalog.read_session() as s:
        from mediasift.catalog import repo

        [media] = repo.media_from_source(s, "acme", f"s3://{s3_bucket}/{KEY}")
        assert media.id == first.media.id and media.meta["s3_sequencer"] == "00AA02"
    # A later delete removes it; delivered twice, the second finds nothing to do.
    handle(ObjectRemoved(bucket=s3_bucket, key=KEY, sequencer="00AA03"))
    handle(ObjectRemoved(bucket=s3_bucket, key=KEY, sequencer="00AA03"))
    with rt.catalog.read_session() as s:
        assert repo.media_from_source(s, "acme", f"s3://{s3_bucket}/{KEY}") == []


def test_a_redelivered_event_reads_nothing_and_one_that_can_never_succeed_is_said_once(
    bucket_runtime: Runtime, s3_client: Any, s3_bucket: str, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    rt = bucket_runtime
    s3_client.put_object(Bucket=s3_bucket, Key=KEY, Body=b"version one")
    event = ObjectCreated(bucket=s3_bucket, key=KEY, size=11, etag="e", sequencer="00BB01")

    def handle(*events: ObjectCreated) -> list[Any]:
        return ingest_delivery(rt, EventDelivery(events=list(events), receipt="r", attempts=1))

    [first] = handle(event)
    opened: list[str] = []
    real_open = rt.bucket_reader.open
    monkeypatch.setattr(rt.bucket_reader, "open", lambda b, k: opened.append(k) or real_open(b, k))
    [again] = handle(event)  # SQS delivers at least once: the same write, the same sequencer
    assert again.duplicate and again.media.id == first.media.id and opened == []

    # Over the upload limit, or an object already gone: the same on every receive, so the
    # delivery is not failed (to be retried into a raw dead letter) but said, and the rest goes on.
    big = KEY.replace("label.txt", "big.txt")
    s3_client.put_object(Bucket=s3_bucket, Key=big, Body=b"x" * 2048)
    rt.settings.max_upload_bytes = 1024
    ghost = ObjectCreated(
        bucket=s3_bucket, key=KEY.replace("label", "ghost"), size=5, etag="e", sequencer="01"
    )
    s3_client.put_object(Bucket=s3_bucket, Key=KEY.replace("label", "next"), Body=b"the next label")
    following = ObjectCreated(
        bucket=s3_bucket, key=KEY.replace("label", "next"), size=14, etag="e", sequencer="01"
    )
    with caplog.at_level("WARNING", logger="mediasift.bucket_events"):
        handled = handle(
            ObjectCreated(bucket=s3_bucket, key=big, size=2048, etag="e", sequencer="01"), ghost, following
        )
    assert [h.media.filename for h in handled] == ["next.txt"]
    said = [r.getMessage() for r in caplog.records]
    assert any(f"{big} not ingested: limit_exceeded" in m for m in said), said
    assert any("ghost.txt not ingested: not_found" in m for m in said), said


def test_a_removed_object_whose_bytes_another_key_brought_first_keeps_that_media(
    bucket_runtime: Runtime, s3_client: Any, s3_bucket: str
) -> None:
    rt = bucket_runtime
    copy_key = KEY.replace("label.txt", "label-copy.txt")
    for key in (KEY, copy_key):
        s3_client.put_object(Bucket=s3_bucket, Key=key, Body=b"the same label twice")
    events = [
        ObjectCreated(bucket=s3_bucket, key=k, size=20, etag="e", sequencer="01") for k in (KEY, copy_key)
    ]
    first, second = ingest_delivery(rt, EventDelivery(events=events, receipt="r", attempts=1))
    assert second.duplicate and second.media.id == first.media.id

    removed = ObjectRemoved(bucket=s3_bucket, key=copy_key, sequencer="02")
    ingest_delivery(rt, EventDelivery(events=[removed], receipt="r", attempts=1))

    with rt.catalog.read_session() as s:
        from mediasift.catalog import repo

        assert repo.get_media(s, "acme", first.media.id).source_uri == f"s3://{s3_bucket}/{KEY}"


def _job(api: TestClient, media_id: str) -> str:
    return str(api.get(f"/v1/media/{media_id}", headers=ACME).json()["job"]["id"])


def _jobs(api: TestClient) -> list[str]:
    return sorted(j["id"] for j in api.get("/v1/jobs", headers=ACME).json()["jobs"])


SUBTITLES = b"1\n00:00:01,000 --> 00:00:03,000\nEl relojero abre la tienda a las nueve.\n"


@pytest.mark.parametrize("subtitles_first", [False, True], ids=["video-first", "subtitles-first"])
def test_a_subtitle_file_beside_a_video_in_the_bucket_becomes_its_track(
    bucket_runtime: Runtime,
    client_for: Callable[..., TestClient],
    s3_client: Any,
    s3_bucket: str,
    tmp_path: Any,
    subtitles_first: bool,
) -> None:
    from tests import mediagen

    if not mediagen.have_tools():
        pytest.skip("needs ffmpeg, espeak-ng, fonts-dejavu-core")
    rt = bucket_runtime
    api = client_for(rt, workers=1)
    folder = "clients/acme/products/SKU-9/media/video/"
    clip = mediagen.pattern_video(tmp_path, duration_s=4.0 + subtitles_first, ext="mp4", name="demo")
    objects = {f"{folder}demo.mp4": clip.read_bytes(), f"{folder}demo.es.srt": SUBTITLES}
    order = sorted(objects, key=lambda key: key.endswith(".srt") != subtitles_first)
    for key in order:  # each object written, then its event handled, as the worker sees them
        s3_client.put_object(Bucket=s3_bucket, Key=key, Body=objects[key])
        event = ObjectCreated(bucket=s3_bucket, key=key, size=len(objects[key]), etag="e", sequencer="01")
        for done in ingest_delivery(rt, EventDelivery(events=[event], receipt="r", attempts=1)):
            assert wait_for_job(api, done.job.id, tenant="acme")["status"] == "succeeded"

    [media] = api.get("/v1/media", headers=ACME).json()["media"]  # the video alone: no timed text
    assert media["filename"] == "demo.mp4"
    files = api.get(f"/v1/media/{media['id']}/subtitles", headers=ACME).json()["files"]
    assert [(f["language"], f["format"]) for f in files] == [("es", "srt")]
    [hit] = [h for h in found(api, "relojero") if h["modality"] == "speech"]
    assert hit["media_id"] == media["id"] and abs(hit["start_s"] - 1.0) <= 0.5

    # A new version of the subtitle object takes the place of the file the first became, and a
    # removed one takes its file with it; a late event of the first version changes nothing.
    newer = SUBTITLES.replace(b"El relojero", b"La panadera")
    s3_client.put_object(Bucket=s3_bucket, Key=f"{folder}demo.es.srt", Body=newer)
    rewritten = ObjectCreated(
        bucket=s3_bucket, key=f"{folder}demo.es.srt", size=len(newer), etag="f", sequencer="02"
    )
    [done] = ingest_delivery(rt, EventDelivery(events=[rewritten], receipt="r", attempts=1))
    assert wait_for_job(api, done.job.id, tenant="acme")["status"] == "succeeded"
    late = ObjectCreated(bucket=s3_bucket, key=f"{folder}demo.es.srt", size=1, etag="e", sequencer="01")
    [stale] = ingest_delivery(rt, EventDelivery(events=[late], receipt="r", attempts=1))
    assert stale.duplicate and stale.job is not None and stale.job.id == done.job.id
    files = api.get(f"/v1/media/{media['id']}/subtitles", headers=ACME).json()["files"]
    assert [f["language"] for f in files] == ["es"]
    assert [h["media_id"] for h in found(api, "panadera") if h["modality"] == "speech"] == [media["id"]]
    assert not [h for h in found(api, "relojero") if h["modality"] == "speech"]

    s3_client.delete_object(Bucket=s3_bucket, Key=f"{folder}demo.es.srt")
    removed = ObjectRemoved(bucket=s3_bucket, key=f"{folder}demo.es.srt", sequencer="03")
    assert ingest_delivery(rt, EventDelivery(events=[removed], receipt="r", attempts=1)) == []
    assert wait_for_job(api, _job(api, media["id"]), tenant="acme")["status"] == "succeeded"
    assert api.get(f"/v1/media/{media['id']}/subtitles", headers=ACME).json()["files"] == []
    assert not [h for h in found(api, "panadera") if h["modality"] == "speech"]
    assert [m["id"] for m in api.get("/v1/media", headers=ACME).json()["media"]] == [media["id"]]
