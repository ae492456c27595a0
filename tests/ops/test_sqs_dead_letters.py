"""On SQS, a dead job is a letter in the dead-letter queue (where the CloudWatch alarm looks), and
the dead-letter commands keep that queue and the catalog in step: retry and purge drop the letters."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import wait_for_job

BROKEN_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ntruncated garbage"


@pytest.fixture
def sqs_api(make_runtime, client_for, make_queue, monkeypatch):  # type: ignore[no-untyped-def]
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)
    urls = make_queue(dlq_after=5)
    rt = make_runtime(queue="sqs", sqs_queue_url=urls.url, sqs_wait_s=1, max_attempts=2)
    return client_for(rt, workers=1), urls


def letters(sqs_client: Any, dlq_url: str) -> list[dict]:
    """The DLQ's letters: each read once (hidden while reading), then all made visible again."""
    found: list[dict] = []
    receipts: list[str] = []
    while messages := sqs_client.receive_message(
        QueueUrl=dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=30, WaitTimeSeconds=1
    ).get("Messages"):
        found += [json.loads(m["Body"]) for m in messages]
        receipts += [m["ReceiptHandle"] for m in messages]
    for i in range(0, len(receipts), 10):
        entries = [
            {"Id": str(n), "ReceiptHandle": r, "VisibilityTimeout": 0}
            for n, r in enumerate(receipts[i : i + 10])
        ]
        sqs_client.change_message_visibility_batch(QueueUrl=dlq_url, Entries=entries)
    return found


def test_dead_jobs_are_letters_that_retry_and_purge_drop(sqs_api, sqs_client):  # type: ignore[no-untyped-def]
    api, urls = sqs_api
    created = [
        api.post("/v1/media", files={"file": (f"broken-{i}.pdf", BROKEN_PDF + bytes([i]))}).json()
        for i in range(2)
    ]
    jobs = [wait_for_job(api, c["job"]["id"]) for c in created]
    assert [(j["status"], j["attempts"], j["error_code"]) for j in jobs] == [("dead", 1, "corrupt_media")] * 2
    assert sorted(x["job_id"] for x in letters(sqs_client, urls.dlq_url)) == sorted(j["id"] for j in jobs)
    assert api.get("/health").json()["queue"]["dead"] == 2  # the DLQ's depth, as CloudWatch sees it

    # Retry one: its letter goes, and when it dies again it leaves exactly one new letter.
    retried = api.post("/v1/admin/dlq/retry", json={"job_ids": [jobs[0]["id"]]})
    assert retried.status_code == 200, retried.text
    assert wait_for_job(api, jobs[0]["id"])["status"] == "dead"
    assert sorted(x["job_id"] for x in letters(sqs_client, urls.dlq_url)) == sorted(j["id"] for j in jobs)

    # Purge: the catalog's dead jobs and their media go, and so do their letters.
    assert api.post("/v1/admin/dlq/purge", json={}).json() == {"count": 2}
    assert letters(sqs_client, urls.dlq_url) == []
    assert api.get("/v1/media").json()["media"] == []


def test_a_job_deleted_while_it_ran_fails_without_leaving_a_letter(
    make_runtime, make_queue, sqs_client, monkeypatch
):  # type: ignore[no-untyped-def]
    from mediasift.errors import CorruptMedia
    from mediasift.jobs import lifecycle

    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)
    urls = make_queue(dlq_after=5)
    rt = make_runtime(queue="sqs", sqs_queue_url=urls.url, sqs_wait_s=1, max_attempts=1)
    rt.queue.send("01JOBWHOSEMEDIAWASDELETED0")
    lease = rt.queue.receive(visibility_s=30, wait_s=1)
    lifecycle.fail(rt, lease, CorruptMedia("the file ended early"))  # the row is gone, as after a delete
    assert letters(sqs_client, urls.dlq_url) == []
    assert rt.queue.stats() == {"depth": 0, "in_flight": 0, "delayed": 0, "dead": 0}
