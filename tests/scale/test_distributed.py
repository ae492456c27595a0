"""One API and three worker processes on PostgreSQL + pgvector, moto S3 (store) and moto SQS (queue).

A mixed batch arrives two ways at once — uploads through the API and objects landing in a bucket that
notifies the SQS queue under ``clients/{client}/products/{sku}/media/{image|video}/{file}`` — while a
worker is killed with SIGKILL in the middle of a job. What must hold afterwards:

- every media is processed exactly once: one media per distinct (tenant, bytes), one job per media,
  one set of segments per media, and as many index points as segments;
- the killed worker's job is redelivered after its lease expires and completes on another worker;
- only the corrupt files end dead in the catalog (on their first attempt: corrupt bytes never
  decode on a retry), each with one letter in the SQS dead-letter queue that the worker sent; the
  only other letter is the one message no worker could ever read (not an S3 event), which SQS's
  redrive policy moved there after ``maxReceiveCount`` (5, above the worker's ``max_attempts`` of
  3); an event for a vanished object is said in a worker's log and acked, not retried into a
  letter no one reads.
"""

from __future__ import annotations

import io
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from PIL import Image
from sqlalchemy import select

from mediasift.catalog.db import Catalog
from mediasift.catalog.models import Job, Media, SegmentRow
from tests.docgen import make_docx, make_pdf
from tests.scale.cluster import Cluster
from tests.scale.test_postgres import sqlalchemy_url

pytestmark = pytest.mark.postgres

MAX_ATTEMPTS = 3
DLQ_AFTER = 5  # SQS maxReceiveCount: above MAX_ATTEMPTS, see the module docstring
VISIBILITY_S = 5  # the job lease; a killed worker's job is visible again this long after its last beat
PATTERN_KEY = "clients/{client}/products/{sku}/media/{kind}/{file}"


def key(client: str, sku: str, kind: str, file: str) -> str:
    return PATTERN_KEY.format(client=client, sku=sku, kind=kind, file=file)


# -- the batch -----------------------------------------------------------------------------------


def long_log(path: Path, paragraphs: int = 400) -> Path:
    """A text document that takes several seconds to embed: long enough to kill a worker inside it."""
    path.write_text(
        "\n\n".join(
            f"Section {i}. The maintenance log for pump {i} records pressure readings, valve checks "
            f"and the technician's remarks about vibration levels observed during shift {i % 3}."
            for i in range(paragraphs)
        )
    )
    return path


def cat_photo() -> bytes:
    import skimage.data

    buf = io.BytesIO()
    Image.fromarray(skimage.data.chelsea()).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def s3_event(bucket: str, object_key: str, size: int) -> str:
    """The notification S3 sends for a created object (key URL-encoded, as S3 does)."""
    from urllib.parse import quote_plus

    return json.dumps(
        {
            "Records": [
                {
                    "eventSource": "aws:s3",
                    "eventName": "ObjectCreated:Put",
                    "s3": {
                        "bucket": {"name": bucket},
                        "object": {"key": quote_plus(object_key, safe="/"), "size": size, "eTag": "x"},
                    },
                }
            ]
        }
    )


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def deployment(
    tmp_path: Path, make_database, aws_endpoint: str, s3_client: Any, sqs_client: Any, make_queue
) -> Any:  # type: ignore[no-untyped-def]
    """Backends for one deployment; yields (cluster, catalog, db_url, landing bucket, queue urls)."""
    db_url = make_database()
    store_bucket = f"store-{time.time_ns()}"
    landing = f"landing-{time.time_ns()}"
    for bucket in (store_bucket, landing):
        s3_client.create_bucket(Bucket=bucket)
    urls = make_queue(visibility_s=VISIBILITY_S, dlq_after=DLQ_AFTER)
    arn = sqs_client.get_queue_attributes(QueueUrl=urls.url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    # Objects landing in the bucket notify the job queue, as deploy/terraform configures it.
    s3_client.put_bucket_notification_configuration(
        Bucket=landing,
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    home = tmp_path / "home"
    env = {
        "MEDIASIFT_HOME": str(home),
        "MEDIASIFT_CATALOG_URL": sqlalchemy_url(db_url),
        "MEDIASIFT_INDEX": "pgvector",
        "MEDIASIFT_STORE": "s3",
        "MEDIASIFT_S3_BUCKET": store_bucket,
        "MEDIASIFT_S3_ENDPOINT_URL": aws_endpoint,
        "MEDIASIFT_QUEUE": "sqs",
        "MEDIASIFT_SQS_QUEUE_URL": urls.url,
        "MEDIASIFT_SQS_WAIT_S": "1",
        "MEDIASIFT_S3_EVENT_KEY_PATTERN": "clients/{tenant}/products/{sku}/media/{media_type}/{filename}",
        "MEDIASIFT_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
        "MEDIASIFT_VISIBILITY_TIMEOUT_S": str(VISIBILITY_S),
        "MEDIASIFT_HEARTBEAT_S": "1",
        "MEDIASIFT_BACKOFF_BASE_S": "0.5",
        "MEDIASIFT_BACKOFF_MAX_S": "1",
        "MEDIASIFT_MODEL_THREADS": "1",  # 3 workers + API share 2 cores
        "MEDIASIFT_LOG_FORMAT": "console",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    cluster = Cluster(env, tmp_path / "logs")
    catalog = Catalog(sqlalchemy_url(db_url))
    try:
        yield cluster, catalog, db_url, landing, urls
    finally:
        cluster.stop()
        catalog.close()


# -- the test ------------------------------------------------------------------------------------


def test_three_workers_process_a_mixed_batch_exactly_once_through_a_kill(
    deployment: Any, tmp_path: Path, s3_client: Any, sqs_client: Any
) -> None:
    cluster, catalog, db_url, landing, urls = deployment
    api = cluster.start_api()
    http = httpx.Client(base_url=api, timeout=30)
    acme = {"X-Mediasift-Tenant": "acme"}

    def upload(path: Path, headers: dict[str, str] | None = None) -> dict[str, Any]:
        with path.open("rb") as f:
            response = http.post("/v1/media", files={"file": (path.name, f)}, headers=headers or {})
        assert response.status_code in (200, 202), response.text
        return response.json()

    def job(job_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        return http.get(f"/v1/jobs/{job_id}", headers=headers or {}).json()

    try:
        # 1. Worker A alone takes a long job; it is killed inside it once the others are running.
        cluster.start_worker("worker-a")
        victim = upload(long_log(tmp_path / "pump-log.txt"))
        deadline = time.monotonic() + 120
        while (state := job(victim["job"]["id"]))["stage"] != "embed":
            assert state["status"] in ("queued", "running"), state
            assert time.monotonic() < deadline, f"never reached embed: {state}\n{cluster.all_logs()}"
            time.sleep(0.1)
        cluster.start_worker("worker-b")
        cluster.start_worker("worker-c")

        # 2. The batch, by upload...
        fridge = make_pdf(tmp_path / "manual.pdf", [["Welcome."], ["Keep the refrigerator at four degrees."]])
        receta = make_docx(tmp_path / "receta.docx", ["El agua para el café debe estar a noventa grados."])
        notes = tmp_path / "notes.md"
        notes.write_text("# Budget\n\nThe quarterly budget meeting moved to Friday afternoon.\n")
        spec = tmp_path / "spec-sheet.txt"
        spec.write_text("The blender motor delivers 1200 watts and the jar holds two litres.")
        broken_pdf = tmp_path / "broken.pdf"
        broken_pdf.write_bytes(fridge.read_bytes()[:200])  # a PDF cut off in its first object
        photo = tmp_path / "cat.jpg"
        photo.write_bytes(cat_photo())
        uploads = {p.name: upload(p) for p in (fridge, receta, notes, broken_pdf, photo)}
        uploads["spec-sheet.txt"] = upload(spec, acme)

        # ...and by objects landing in the bucket (tenant "acme" from the key, sku into metadata).
        landed = {
            key("acme", "CAT-7", "image", "cat photo.jpg"): cat_photo(),
            key("acme", "VID-1", "video", "clip.mp4"): b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8,
            # the same bytes as the acme upload above: one media, not two
            key("acme", "BLD-2", "image", "spec.txt"): spec.read_bytes(),
        }
        for object_key, body in landed.items():
            s3_client.put_object(Bucket=landing, Key=object_key, Body=body)
        # SQS delivers at least once: the same notification twice must not make a second media.
        dup_key = key("acme", "CAT-7", "image", "cat photo.jpg")
        sqs_client.send_message(QueueUrl=urls.url, MessageBody=s3_event(landing, dup_key, 1))
        # An event for an object that is gone before a worker reads it: said and acked; and a
        # message no worker can read at all, left to the redrive policy.
        vanished = key("acme", "GONE-1", "image", "deleted.jpg")
        sqs_client.send_message(QueueUrl=urls.url, MessageBody=s3_event(landing, vanished, 10))
        sqs_client.send_message(QueueUrl=urls.url, MessageBody='{"note": "not an S3 event"}')

        # 3. Kill worker A mid-job (it is still embedding the long log).
        assert job(victim["job"]["id"])["stage"] == "embed", "the long job ended before the kill"
        cluster.kill("worker-a")

        # 4. Wait until every media the batch makes exists and every job has ended.
        expected_media = 9  # 6 uploads to default, 1 to acme, 2 new objects in the bucket
        deadline = time.monotonic() + 240
        while True:
            with catalog.session() as s:
                jobs = list(s.scalars(select(Job)))
            ended = [j for j in jobs if j.status in ("succeeded", "dead")]
            if len(jobs) == expected_media and len(ended) == len(jobs):
                break
            assert time.monotonic() < deadline, (
                f"{len(ended)}/{len(jobs)} jobs ended: {Counter(j.status for j in jobs)}\n"
                + cluster.all_logs()
            )
            time.sleep(0.5)
        assert cluster.alive("worker-b") and cluster.alive("worker-c"), cluster.all_logs()

        # 5. The unreadable message reaches the SQS dead-letter queue after maxReceiveCount,
        # beside the workers' letters for the two corrupt files.
        dead_letters = _drain_dlq(sqs_client, urls.dlq_url, want=3, timeout_s=DLQ_AFTER * VISIBILITY_S + 30)

        hits = http.get("/v1/search", params={"q": "pump 123 vibration"}).json()["hits"]
        cat_hits = http.get("/v1/search", params={"q": "a cat", "meta": "sku=CAT-7"}, headers=acme).json()[
            "hits"
        ]
        dead_api = http.get("/v1/jobs", params={"status": "dead"}).json()["jobs"]
    except BaseException:
        print(cluster.all_logs())
        raise

    with catalog.session() as s:
        media = {m.id: m for m in s.scalars(select(Media))}
        jobs = list(s.scalars(select(Job)))
        segments = list(s.scalars(select(SegmentRow)))

    # Exactly once: one media per distinct bytes and tenant, one job per media.
    names = sorted((m.tenant_id, m.filename) for m in media.values())
    assert names == sorted(
        [
            ("default", n)
            for n in ("pump-log.txt", "manual.pdf", "receta.docx", "notes.md", "broken.pdf", "cat.jpg")
        ]
        + [("acme", "spec-sheet.txt"), ("acme", "cat photo.jpg"), ("acme", "clip.mp4")]
    )
    assert Counter(j.media_id for j in jobs) == Counter(dict.fromkeys(media, 1))
    by_name = {(m.tenant_id, m.filename): m for m in media.values()}
    cat_from_bucket = by_name[("acme", "cat photo.jpg")]
    assert (
        cat_from_bucket.meta["sku"] == "CAT-7" and cat_from_bucket.source_uri == f"s3://{landing}/{dup_key}"
    )

    # Only the corrupt files are dead, each on its first attempt (a permanent error); the rest
    # succeeded on the first try, except the killed worker's job, which took one more delivery.
    status = {media[j.media_id].filename: (j.status, j.attempts) for j in jobs}
    assert status.pop("broken.pdf") == ("dead", 1)
    assert status.pop("clip.mp4") == ("dead", 1)
    assert status.pop("pump-log.txt") == ("succeeded", 2)
    assert status == dict.fromkeys(status, ("succeeded", 1))
    assert {j["filename"] for j in dead_api} == {"broken.pdf"}  # the API's DLQ view, tenant "default"

    # One set of segments per media (ordinals 0..n-1 of one run), and the index holds exactly them.
    per_media: dict[str, list[SegmentRow]] = {}
    for seg in segments:
        per_media.setdefault(seg.media_id, []).append(seg)
    points = _points_per_media(db_url)
    for media_id, m in media.items():
        segs = per_media.get(media_id, [])
        if m.status == "failed":
            assert segs == [] and media_id not in points
            continue
        assert m.status == "ready" and segs, m.filename
        assert sorted(s.ordinal for s in segs) == list(range(len(segs))), m.filename
        assert points[media_id] == len(segs), m.filename
    assert len(per_media[victim["media"]["id"]]) > 50  # the whole long log, once

    # The results are searchable, per tenant, with the bucket key's metadata as a filter.
    assert hits and hits[0]["media_id"] == victim["media"]["id"]
    assert cat_hits and {h["media_id"] for h in cat_hits} == {cat_from_bucket.id}

    # SQS: nothing left in flight; the DLQ holds a letter per dead job and the unhandleable event.
    letters = [json.loads(b) for b in dead_letters]
    assert [letter for letter in letters if "Records" in letter] == []
    assert [letter for letter in letters if "note" in letter] == [{"note": "not an S3 event"}]
    logs = "".join((cluster.logs / f"{name}.log").read_text(errors="replace") for name in cluster.procs)
    assert f"bucket object {vanished} not ingested: not_found" in logs
    dead_jobs = {j.id: j for j in jobs if j.status == "dead"}
    assert sorted((x["job_id"], x["error_code"]) for x in letters if "job_id" in x) == sorted(
        (j.id, j.error_code) for j in dead_jobs.values()
    )
    assert len(letters) == 3
    attributes = sqs_client.get_queue_attributes(QueueUrl=urls.url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def _drain_dlq(sqs_client: Any, dlq_url: str, want: int, timeout_s: float) -> list[str]:
    bodies: list[str] = []
    deadline = time.monotonic() + timeout_s
    while len(bodies) < want and time.monotonic() < deadline:
        response = sqs_client.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in response.get("Messages", []):
            bodies.append(message["Body"])
            sqs_client.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
    time.sleep(1.0)  # anything else on its way to the DLQ would show up now
    extra = sqs_client.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    bodies.extend(m["Body"] for m in extra.get("Messages", []))
    return bodies


def _points_per_media(db_url: str) -> dict[str, int]:
    with psycopg.connect(db_url) as conn:
        rows = conn.execute("SELECT media_id, count(*) FROM ms_points GROUP BY media_id").fetchall()
    return {media_id: int(n) for media_id, n in rows}
