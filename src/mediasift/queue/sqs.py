"""AWS SQS as the job queue, and as the consumer of raw S3 bucket events.

How the ``Queue`` contract maps onto SQS:

==================  ==========================================================================
``send``            ``SendMessage`` of ``{"job_id": ...}`` with ``DelaySeconds`` (SQS caps it at 15 min)
``receive``         ``ReceiveMessage`` (long polling, ``VisibilityTimeout`` = the lease)
``Lease.receipt``   the message's ``ReceiptHandle``
``Lease.attempts``  ``ApproximateReceiveCount``
``extend``          ``ChangeMessageVisibility(visibility_s)``: the heartbeat
``retry``           ``ChangeMessageVisibility(delay_s)``: visible again after the backoff
``ack``             ``DeleteMessage`` (``ack_batch``: ``DeleteMessageBatch``)
``dead_letter``     ``SendMessage`` of ``{"job_id", "error_code", "receives"}`` to the redrive policy's
                    dead-letter queue, then ``DeleteMessage``
``drop_dead_letters``  a scan of the dead-letter queue that deletes those jobs' letters
``stats``           queue attributes; ``dead`` is the depth of the redrive policy's target queue
==================  ==========================================================================

**Bucket events.** The same queue may also receive S3 ``ObjectCreated`` and ``ObjectRemoved``
notifications. Consume such a queue with ``receive_any``, which returns a ``Lease`` for a job
message or an ``EventDelivery`` for a notification. The caller creates, replaces or deletes the
media the events name (idempotently: SQS delivers at least once, so the same event can arrive
twice), sends the jobs, then ``ack``\\ s the delivery. ``s3:TestEvent`` and other notifications
are deleted on sight. ``receive`` (the plain
``Queue`` method) only hands out jobs: an event it meets is made visible again at once for an
event-aware consumer, with a warning, because deleting it would lose an upload.

**Dead letters.** A job the worker gives up on (out of attempts, or its original gone) is recorded
dead in the catalog and its message moved to the dead-letter queue by ``dead_letter``, so the DLQ's
depth and a CloudWatch alarm on it count dead media. ``mediasift dlq retry`` and ``purge`` work on
the catalog and drop the jobs' letters with ``drop_dead_letters``; a console "redrive" of such a
letter only reaches a worker that sees the job dead and drops it. A message SQS cannot parse is
left alone, so the redrive policy moves it to the dead-letter queue after ``maxReceiveCount``
receives. Set ``maxReceiveCount`` above the worker's ``max_attempts`` (at least one more), so that
the worker, not the redrive policy, ends a job it can read: a job whose last allowed attempt killed
its worker comes back once more, and the worker records it dead (``worker_lost``) in the catalog
and sends its letter; were the redrive policy to move it instead, the catalog would show it running.

Limits SQS imposes: visibility timeouts are whole seconds up to 12 hours *in total* since the
first receive (an ``extend`` past that returns False); a wait longer than 20 s is cut to 20 s.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections.abc import Collection, Sequence
from typing import Any
from urllib.parse import urlsplit

from mediasift.errors import BackendUnavailable
from mediasift.queue.base import Delivery, Lease, Queue
from mediasift.queue.s3_events import EventDelivery, NotAnS3Event, parse_s3_event

log = logging.getLogger(__name__)

_MAX_DELAY_S = 900  # SendMessage DelaySeconds
_MAX_VISIBILITY_S = 43_200
_MAX_WAIT_S = 20
_BATCH = 10  # entries per *Batch call
_NO_DLQ = ""  # the cached dead-letter URL of a queue without a redrive policy
# A dead-letter scan hides the letters it has read for this long, so it reads each once.
_SCAN_VISIBILITY_S = 120
# Codes meaning "this receipt no longer holds the message": the lease is lost, not the service.
_LOST_LEASE_CODES = {
    "ReceiptHandleIsInvalid",
    "MessageNotInflight",
    "AWS.SimpleQueueService.MessageNotInflight",
    "InvalidParameterValue",  # e.g. past the 12-hour total visibility limit
}
_AWS_HOST = re.compile(r"^sqs\.([a-z0-9-]+)\.amazonaws\.com")


def _seconds(value: float, cap: int) -> int:
    return max(0, min(cap, math.ceil(value)))


def _client_for(queue_url: str, region: str | None) -> Any:
    try:
        import boto3
    except ImportError as e:  # pragma: no cover - exercised only without the extra
        raise BackendUnavailable("the SQS queue needs boto3: pip install 'mediasift[s3]'") from e
    from botocore.config import Config

    parts = urlsplit(queue_url)
    aws = _AWS_HOST.match(parts.netloc)
    # A queue URL on AWS names its region; any other host (ElasticMQ, LocalStack, moto) is the endpoint.
    endpoint = None if aws else f"{parts.scheme}://{parts.netloc}"
    region = region or (aws.group(1) if aws else "us-east-1")
    config = Config(retries={"max_attempts": 5, "mode": "standard"})
    return boto3.client("sqs", region_name=region, endpoint_url=endpoint, config=config)


def _error_code(e: Exception) -> str:
    return str(getattr(e, "response", {}).get("Error", {}).get("Code", ""))


class SqsQueue(Queue):
    def __init__(
        self, queue_url: str, client: Any | None = None, wait_s: float = 10, region: str | None = None
    ) -> None:
        """``wait_s`` is the long-poll used when ``receive`` is called with ``wait_s=None``."""
        self.queue_url = queue_url
        self.client = client if client is not None else _client_for(queue_url, region)
        self.wait_s = wait_s
        self._dlq_urls: dict[str, str] = {}  # dead-letter queue ARN -> URL, looked up once
        self._own_dlq: str | None = None  # this queue's dead-letter URL (_NO_DLQ: none), once

    # -- sending ---------------------------------------------------------------------------------

    def send(self, job_id: str, delay_s: float = 0.0) -> None:
        """Send a job message; delays beyond SQS's 15 minutes are cut to 15 minutes."""
        with _translated("SendMessage"):
            self.client.send_message(
                QueueUrl=self.queue_url,
                MessageBody=json.dumps({"job_id": job_id}),
                DelaySeconds=_seconds(delay_s, _MAX_DELAY_S),
            )

    # -- receiving -------------------------------------------------------------------------------

    def receive(self, visibility_s: float, wait_s: float | None = 0.0) -> Lease | None:
        """The next job message as a ``Lease``, or None if none arrived within ``wait_s``."""
        delivery = self.receive_any(visibility_s, wait_s)
        if isinstance(delivery, EventDelivery):
            log.warning(
                "queue %s carries S3 bucket events; consume it with receive_any() to ingest them",
                self.queue_url,
            )
            self.retry(delivery, 0)
            return None
        return delivery

    def receive_any(self, visibility_s: float, wait_s: float | None = 0.0) -> Delivery | None:
        """The next job (``Lease``) or bucket-event delivery (``EventDelivery``), or None.

        Waits up to ``wait_s`` seconds (the constructor's ``wait_s`` when None) by long polling.
        Messages with nothing to do (``s3:TestEvent``, object removals) are deleted, and the wait
        goes on with whatever time is left.
        """
        wait = self.wait_s if wait_s is None else wait_s
        deadline = time.monotonic() + wait
        visibility = _seconds(visibility_s, _MAX_VISIBILITY_S)
        while True:
            with _translated("ReceiveMessage"):
                response = self.client.receive_message(
                    QueueUrl=self.queue_url,
                    MaxNumberOfMessages=1,
                    VisibilityTimeout=visibility,
                    WaitTimeSeconds=_seconds(deadline - time.monotonic(), _MAX_WAIT_S),
                    MessageSystemAttributeNames=["ApproximateReceiveCount"],
                )
            for message in response.get("Messages", []):
                delivery = self._decode(message)
                if delivery is not None:
                    return delivery
            if time.monotonic() >= deadline:
                return None

    def _decode(self, message: dict[str, Any]) -> Delivery | None:
        receipt = message["ReceiptHandle"]
        attempts = int(message.get("Attributes", {}).get("ApproximateReceiveCount", 1))
        body = message.get("Body", "")
        try:
            parsed = json.loads(body)
        except (ValueError, RecursionError):  # not ours; maybe not even an S3 event: decided below
            parsed = None
        if isinstance(parsed, dict) and isinstance(parsed.get("job_id"), str):
            return Lease(job_id=parsed["job_id"], receipt=receipt, attempts=attempts)
        try:
            events = parse_s3_event(parsed if isinstance(parsed, dict) else body)
        except NotAnS3Event as e:
            # Left in flight on purpose: the redrive policy dead-letters it for a person to read.
            log.error("queue %s: unreadable message %s (%s)", self.queue_url, message.get("MessageId"), e)
            return None
        if not events:
            self._delete(receipt)  # s3:TestEvent, a restore: nothing will ever need it
            return None
        return EventDelivery(events=events, receipt=receipt, attempts=attempts)

    # -- leases ----------------------------------------------------------------------------------

    def extend(self, lease: Delivery, visibility_s: float) -> bool:
        """Heartbeat. False when the receipt no longer holds the message (acked, redelivered, >12 h)."""
        return self._change_visibility(lease.receipt, _seconds(visibility_s, _MAX_VISIBILITY_S))

    def retry(self, lease: Delivery, delay_s: float) -> None:
        """Visible again after ``delay_s`` (whole seconds); a lost lease reappears on its own anyway."""
        if not self._change_visibility(lease.receipt, _seconds(delay_s, _MAX_VISIBILITY_S)):
            log.warning("queue %s: retry of a lost lease ignored", self.queue_url)

    def _change_visibility(self, receipt: str, seconds: int) -> bool:
        from botocore.exceptions import ClientError

        try:
            with _translated("ChangeMessageVisibility", passthrough=ClientError):
                self.client.change_message_visibility(
                    QueueUrl=self.queue_url, ReceiptHandle=receipt, VisibilityTimeout=seconds
                )
        except ClientError as e:
            if _error_code(e) in _LOST_LEASE_CODES:
                return False
            raise BackendUnavailable(f"SQS ChangeMessageVisibility failed: {e}") from e
        return True

    def ack(self, lease: Delivery) -> None:
        self._delete(lease.receipt)

    # -- dead letters ----------------------------------------------------------------------------

    def dead_letter(self, lease: Lease, error_code: str | None = None) -> None:
        """Move a dead job's message to the dead-letter queue (just delete it when there is none)."""
        url = self._dead_letter_queue()
        if url:
            body = {"job_id": lease.job_id, "error_code": error_code, "receives": lease.attempts}
            # Sent before the delete: a crash in between leaves a duplicate letter, never none.
            with _translated("SendMessage"):
                self.client.send_message(QueueUrl=url, MessageBody=json.dumps(body))
        self._delete(lease.receipt)

    def drop_dead_letters(self, job_ids: Collection[str]) -> int:
        """Delete the dead letters of ``job_ids`` (every copy); other letters are left as they were.

        SQS cannot look a message up, so this reads the whole dead-letter queue once, hiding each
        letter it reads until the scan ends. It is for operators' retry and purge, not a hot path.
        """
        url = self._dead_letter_queue()
        wanted = set(job_ids)
        if not url or not wanted:
            return 0
        others: list[str] = []
        dropped = 0
        started = time.monotonic()
        try:
            while True:
                if time.monotonic() - started > _SCAN_VISIBILITY_S - 30:
                    # The first letters read would soon reappear and be read twice.
                    log.warning("queue %s: dead-letter scan cut short; the letters not read were kept", url)
                    break
                with _translated("ReceiveMessage"):
                    messages = self.client.receive_message(
                        QueueUrl=url,
                        MaxNumberOfMessages=_BATCH,
                        VisibilityTimeout=_SCAN_VISIBILITY_S,
                        WaitTimeSeconds=1,
                    ).get("Messages", [])
                if not messages:
                    break
                mine: list[str] = []
                for message in messages:
                    held = mine if _letter_job(message.get("Body", "")) in wanted else others
                    held.append(message["ReceiptHandle"])
                if mine:
                    dropped += self._batch(url, "DeleteMessageBatch", [{"ReceiptHandle": r} for r in mine])
        finally:
            entries = [{"ReceiptHandle": r, "VisibilityTimeout": 0} for r in others]
            self._batch(url, "ChangeMessageVisibilityBatch", entries)
        return dropped

    def max_receive_count(self) -> int | None:
        """The redrive policy's ``maxReceiveCount`` (None without a redrive policy)."""
        policy = self._attributes(self.queue_url, ["RedrivePolicy"]).get("RedrivePolicy")
        return int(json.loads(policy)["maxReceiveCount"]) if policy else None

    def _dead_letter_queue(self) -> str:
        if self._own_dlq is None:
            policy = self._attributes(self.queue_url, ["RedrivePolicy"]).get("RedrivePolicy")
            self._own_dlq = self._dead_letter_url(policy) or _NO_DLQ
        return self._own_dlq

    def _batch(self, url: str, operation: str, entries: list[dict[str, Any]]) -> int:
        """Run a *Batch call over ``entries`` 10 at a time; returns how many succeeded."""
        call = {
            "DeleteMessageBatch": self.client.delete_message_batch,
            "ChangeMessageVisibilityBatch": self.client.change_message_visibility_batch,
        }[operation]
        done = 0
        for i in range(0, len(entries), _BATCH):
            chunk = [{"Id": str(n), **entry} for n, entry in enumerate(entries[i : i + _BATCH])]
            with _translated(operation):
                response = call(QueueUrl=url, Entries=chunk)
            done += len(response.get("Successful", []))
            for failure in response.get("Failed", []):
                log.warning(
                    "queue %s: %s entry failed: %s %s",
                    url,
                    operation,
                    failure.get("Code"),
                    failure.get("Message"),
                )
        return done

    def ack_batch(self, leases: Sequence[Delivery]) -> int:
        """Delete many messages, 10 per request; returns how many SQS deleted (failures are logged)."""
        return self._batch(
            self.queue_url, "DeleteMessageBatch", [{"ReceiptHandle": x.receipt} for x in leases]
        )

    def _delete(self, receipt: str) -> None:
        from botocore.exceptions import ClientError

        try:
            with _translated("DeleteMessage", passthrough=ClientError):
                self.client.delete_message(QueueUrl=self.queue_url, ReceiptHandle=receipt)
        except ClientError as e:
            if _error_code(e) not in _LOST_LEASE_CODES:
                raise BackendUnavailable(f"SQS DeleteMessage failed: {e}") from e
            # Someone else holds the message now; their ack will delete it.
            log.warning("queue %s: ack of a lost lease ignored (%s)", self.queue_url, _error_code(e))

    # -- stats -----------------------------------------------------------------------------------

    def stats(self) -> dict[str, float]:
        """``depth`` (visible), ``in_flight`` (leased or in backoff), ``delayed`` (sent with a delay),
        ``dead`` (messages in the dead-letter queue, 0 without a redrive policy).

        ``oldest_age_s`` is absent: SQS publishes ApproximateAgeOfOldestMessage only as a CloudWatch
        metric, not as a queue attribute, so alarms on message age belong in CloudWatch.
        """
        attributes = self._attributes(
            self.queue_url,
            [
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
                "RedrivePolicy",
            ],
        )
        stats = {
            "depth": float(attributes.get("ApproximateNumberOfMessages", 0)),
            "in_flight": float(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
            "delayed": float(attributes.get("ApproximateNumberOfMessagesDelayed", 0)),
            "dead": 0.0,
        }
        dlq_url = self._dead_letter_url(attributes.get("RedrivePolicy"))
        if dlq_url:
            dead = self._attributes(dlq_url, ["ApproximateNumberOfMessages"])
            stats["dead"] = float(dead.get("ApproximateNumberOfMessages", 0))
        return stats

    def _attributes(self, url: str, names: list[str]) -> dict[str, str]:
        with _translated("GetQueueAttributes"):
            response = self.client.get_queue_attributes(QueueUrl=url, AttributeNames=names)
        return dict(response.get("Attributes", {}))  # absent when none of the names is set

    def _dead_letter_url(self, redrive_policy: str | None) -> str | None:
        if not redrive_policy:
            return None
        arn = json.loads(redrive_policy)["deadLetterTargetArn"]
        if arn not in self._dlq_urls:
            *_, account, name = arn.split(":")  # arn:aws:sqs:{region}:{account}:{name}
            with _translated("GetQueueUrl"):
                response = self.client.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)
            self._dlq_urls[arn] = response["QueueUrl"]
        return self._dlq_urls[arn]


def _letter_job(body: str) -> str | None:
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return None
    job_id = parsed.get("job_id") if isinstance(parsed, dict) else None
    return job_id if isinstance(job_id, str) else None


class _translated:
    """Turn botocore failures into ``BackendUnavailable`` (except ``passthrough`` types)."""

    def __init__(self, action: str, passthrough: type[BaseException] | None = None) -> None:
        self.action = action
        self.passthrough = passthrough

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        if exc is None or (self.passthrough and isinstance(exc, self.passthrough)):
            return
        if isinstance(exc, ClientError | BotoCoreError):
            raise BackendUnavailable(f"SQS {self.action} failed: {exc}") from exc
