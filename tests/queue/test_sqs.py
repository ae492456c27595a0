"""SqsQueue against a real SQS endpoint (moto server on 127.0.0.1) through boto3: the shared
Queue suite, then what only SQS does (batch acks, redrive to a dead-letter queue, bucket events).

Visibility timeouts are whole seconds in SQS, so the redelivery tests sleep for one or two.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from ulid import ULID

from mediasift.config import Settings
from mediasift.queue.base import Lease
from mediasift.queue.s3_events import EventDelivery, match_key
from tests.aws_fixtures import QueueUrls
from tests.queue.conformance import QueueConformance

sqs = pytest.importorskip(
    "mediasift.queue.sqs", reason="boto3 is not installed (pip install 'mediasift[s3]')"
)
SqsQueue = sqs.SqsQueue

PATTERN = Settings.model_fields["s3_event_key_pattern"].default


@pytest.fixture
def queue(make_queue: Callable[..., QueueUrls], sqs_client: Any) -> Any:
    return SqsQueue(make_queue().url, client=sqs_client, wait_s=1)


def depth(sqs_client: Any, url: str) -> int:
    attributes = sqs_client.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


class TestSqsQueueConformance(QueueConformance):
    refuses_superseded_receipts = False  # old receipt handles may still delete or hide the message
    backoff_counts_as_in_flight = True  # retry is ChangeMessageVisibility: NotVisible, not Delayed
    reports_oldest_age = False  # ApproximateAgeOfOldestMessage is a CloudWatch metric only

    @pytest.fixture
    def queue(self, queue: Any) -> Any:
        return queue

    @pytest.fixture
    def new_job(self) -> Callable[[], str]:
        return lambda: str(ULID())  # the message body carries the id; SQS needs nothing else


class TestJobMessages:
    def test_message_body_is_the_job_id_as_json(self, queue: Any, sqs_client: Any) -> None:
        queue.send("job-1")
        [message] = sqs_client.receive_message(QueueUrl=queue.queue_url)["Messages"]
        assert json.loads(message["Body"]) == {"job_id": "job-1"}

    def test_ack_batch_deletes_more_than_ten(self, queue: Any) -> None:
        for i in range(13):
            queue.send(f"job-{i}")
        leases = [queue.receive(visibility_s=30, wait_s=1) for _ in range(13)]
        assert sorted(lease.job_id for lease in leases) == sorted(f"job-{i}" for i in range(13))
        assert queue.ack_batch(leases) == 13
        assert queue.stats() == {"depth": 0, "in_flight": 0, "delayed": 0, "dead": 0}


class TestDeadLetters:
    def test_redrive_moves_a_message_to_the_dlq_after_max_receive_count(
        self, make_queue: Callable[..., QueueUrls], sqs_client: Any
    ) -> None:
        urls = make_queue(dlq_after=2)
        queue = SqsQueue(urls.url, client=sqs_client)
        queue.send("poison")
        for attempt in (1, 2):
            lease = queue.receive(visibility_s=30, wait_s=1)
            assert lease is not None and lease.attempts == attempt
            queue.retry(lease, delay_s=0)  # the worker crashed, or failed transiently
        assert queue.receive(visibility_s=30, wait_s=0) is None
        assert queue.stats()["dead"] == 1
        [message] = sqs_client.receive_message(QueueUrl=urls.dlq_url)["Messages"]
        assert json.loads(message["Body"]) == {"job_id": "poison"}

    # JSON deeper than json's decoder reaches raised RecursionError out of the receive.
    @pytest.mark.parametrize("body", ["garbage", "[" * 100_000 + "]" * 100_000])
    def test_unreadable_message_is_left_for_the_redrive_policy(
        self, make_queue: Callable[..., QueueUrls], sqs_client: Any, body: str
    ) -> None:
        urls = make_queue(visibility_s=1, dlq_after=1)
        queue = SqsQueue(urls.url, client=sqs_client)
        sqs_client.send_message(QueueUrl=urls.url, MessageBody=body)
        assert queue.receive_any(visibility_s=1, wait_s=0) is None
        time.sleep(1.2)
        assert queue.receive_any(visibility_s=1, wait_s=0) is None  # moved on this receive
        assert queue.stats()["dead"] == 1

    def test_stats_without_a_redrive_policy_have_no_dead_letters(self, queue: Any) -> None:
        assert queue.stats()["dead"] == 0

    def test_a_job_the_worker_gives_up_on_becomes_a_letter_in_the_dlq(
        self, make_queue: Callable[..., QueueUrls], sqs_client: Any
    ) -> None:
        urls = make_queue(dlq_after=5)
        queue = SqsQueue(urls.url, client=sqs_client)
        queue.send("corrupt")
        lease = queue.receive(visibility_s=30, wait_s=1)
        queue.dead_letter(lease, "corrupt_media")
        assert queue.stats() == {"depth": 0, "in_flight": 0, "delayed": 0, "dead": 1}
        [message] = sqs_client.receive_message(QueueUrl=urls.dlq_url)["Messages"]
        assert json.loads(message["Body"]) == {
            "job_id": "corrupt",
            "error_code": "corrupt_media",
            "receives": 1,
        }

    def test_without_a_dlq_a_dead_letter_is_only_deleted(self, queue: Any) -> None:
        queue.send("corrupt")
        queue.dead_letter(queue.receive(visibility_s=30, wait_s=1), "corrupt_media")
        assert queue.stats() == {"depth": 0, "in_flight": 0, "delayed": 0, "dead": 0}
        assert queue.drop_dead_letters(["corrupt"]) == 0

    def test_dropping_letters_removes_every_copy_of_those_jobs_and_nothing_else(
        self, make_queue: Callable[..., QueueUrls], sqs_client: Any
    ) -> None:
        urls = make_queue(dlq_after=5)
        queue = SqsQueue(urls.url, client=sqs_client)
        jobs = [f"job-{i}" for i in range(14)]  # more than one receive batch
        for job_id in [*jobs, "job-3"]:  # job-3 twice: a worker died between send and delete
            queue.send(job_id)
            queue.dead_letter(queue.receive(visibility_s=30, wait_s=1), "corrupt_media")
        sqs_client.send_message(QueueUrl=urls.dlq_url, MessageBody="garbage")  # redriven by SQS
        assert queue.stats()["dead"] == 16

        assert queue.drop_dead_letters(["job-3", "job-12", "never-dead"]) == 3
        assert queue.stats()["dead"] == 13  # the others are visible again at once
        left = []
        while messages := sqs_client.receive_message(QueueUrl=urls.dlq_url, MaxNumberOfMessages=10).get(
            "Messages"
        ):
            left += [m["Body"] for m in messages]
        assert sorted(left) == sorted(
            [
                json.dumps({"job_id": j, "error_code": "corrupt_media", "receives": 1})
                for j in jobs
                if j not in ("job-3", "job-12")
            ]
            + ["garbage"]
        )


class TestBucketEvents:
    @pytest.fixture
    def notifying_bucket(
        self, s3_client: Any, s3_bucket: str, make_queue: Callable[..., QueueUrls], sqs_client: Any
    ) -> tuple[str, Any]:
        """A bucket that notifies a fresh queue of every created object, as Terraform configures it."""
        url = make_queue().url
        arn = sqs_client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        s3_client.put_bucket_notification_configuration(
            Bucket=s3_bucket,
            NotificationConfiguration={
                "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]
            },
        )
        return s3_bucket, SqsQueue(url, client=sqs_client)

    def test_uploaded_object_arrives_as_an_event_mapping_to_tenant_and_sku(
        self, notifying_bucket: tuple[str, Any], s3_client: Any
    ) -> None:
        bucket, queue = notifying_bucket
        key = "clients/acme/products/SKU-1/media/video/a b.mp4"
        s3_client.put_object(Bucket=bucket, Key=key, Body=b"0123456789")
        delivery = queue.receive_any(visibility_s=30, wait_s=1)  # the TestEvent came first: skipped
        assert isinstance(delivery, EventDelivery)
        [event] = delivery.events
        assert (event.bucket, event.key, event.size) == (bucket, key, 10)
        assert event.etag and '"' not in event.etag
        assert match_key(PATTERN, event.key) == {
            "tenant": "acme",
            "sku": "SKU-1",
            "media_type": "video",
            "filename": "a b.mp4",
        }
        queue.ack(delivery)
        assert queue.stats()["depth"] + queue.stats()["in_flight"] == 0

    def test_test_event_is_deleted_not_delivered(self, notifying_bucket: tuple[str, Any]) -> None:
        _, queue = notifying_bucket
        assert queue.stats()["depth"] == 1  # S3's s3:TestEvent on configuring the notification
        assert queue.receive_any(visibility_s=30, wait_s=0) is None
        assert queue.stats() == {"depth": 0, "in_flight": 0, "delayed": 0, "dead": 0}

    def test_jobs_and_events_share_a_queue_and_stay_distinguishable(
        self, notifying_bucket: tuple[str, Any], s3_client: Any
    ) -> None:
        bucket, queue = notifying_bucket
        s3_client.put_object(Bucket=bucket, Key="clients/acme/products/S/media/image/x.jpg", Body=b"x")
        queue.send("job-1")
        got = [queue.receive_any(visibility_s=30, wait_s=1) for _ in range(2)]
        assert {type(d) for d in got} == {Lease, EventDelivery}

    def test_plain_receive_puts_events_back_for_an_event_aware_consumer(
        self, notifying_bucket: tuple[str, Any], s3_client: Any, caplog: pytest.LogCaptureFixture
    ) -> None:
        bucket, queue = notifying_bucket
        s3_client.put_object(Bucket=bucket, Key="clients/acme/products/S/media/image/x.jpg", Body=b"x")
        assert queue.receive(visibility_s=30, wait_s=1) is None
        assert "receive_any" in caplog.text
        assert isinstance(queue.receive_any(visibility_s=30, wait_s=0), EventDelivery)

    def test_event_delivery_can_be_extended_and_retried_like_a_lease(
        self, notifying_bucket: tuple[str, Any], s3_client: Any
    ) -> None:
        bucket, queue = notifying_bucket
        s3_client.put_object(Bucket=bucket, Key="clients/acme/products/S/media/image/x.jpg", Body=b"x")
        delivery = queue.receive_any(visibility_s=30, wait_s=1)
        assert queue.extend(delivery, visibility_s=60)
        queue.retry(delivery, delay_s=0)  # e.g. the catalog was down: try again
        again = queue.receive_any(visibility_s=30, wait_s=0)
        assert isinstance(again, EventDelivery) and again.attempts == 2


def test_client_is_built_from_a_non_aws_queue_url(
    make_queue: Callable[..., QueueUrls], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    queue = SqsQueue(make_queue().url)  # the URL's host is the endpoint
    queue.send("job-1")
    assert queue.receive(visibility_s=30, wait_s=1).job_id == "job-1"
