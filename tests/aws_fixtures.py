"""Pytest fixtures for a real S3 + SQS endpoint: moto in server mode on 127.0.0.1.

The code under test talks HTTP to it through boto3 exactly as it would to AWS. One server runs per
test session; every test gets its own bucket/queue names, so tests never see each other's data.

Use from a conftest.py: ``from tests.aws_fixtures import *  # noqa: F403``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import pytest

__all__ = [
    "QueueUrls",
    "aws_endpoint",
    "make_queue",
    "s3_bucket",
    "s3_client",
    "sqs_client",
]

REGION = "us-east-1"
# moto accepts any credentials; explicit ones keep a developer's real ~/.aws out of the tests.
_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": REGION}


class QueueUrls(NamedTuple):
    url: str
    dlq_url: str | None


def aws_client(service: str, endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(
        signature_version="s3v4",  # as production: SigV2 presigned URLs are refused by newer regions
        s3={"addressing_style": "path"},
        retries={"max_attempts": 2, "mode": "standard"},
    )
    return boto3.client(service, endpoint_url=endpoint, config=config, **_CREDENTIALS)


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[str]:
    """URL of a moto server bound to loopback (never 0.0.0.0, moto's default)."""
    pytest.importorskip("boto3", reason="boto3 is not installed (pip install 'mediasift[s3]')")
    server_module = pytest.importorskip("moto.server", reason="moto[server] is not installed")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def s3_client(aws_endpoint: str) -> Any:
    return aws_client("s3", aws_endpoint)


@pytest.fixture(scope="session")
def sqs_client(aws_endpoint: str) -> Any:
    return aws_client("sqs", aws_endpoint)


@pytest.fixture
def s3_bucket(s3_client: Any) -> str:
    """A fresh, empty bucket for one test."""
    name = f"test-{uuid.uuid4().hex[:20]}"
    s3_client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def make_queue(sqs_client: Any) -> Callable[..., QueueUrls]:
    """Factory: ``make_queue(visibility_s=30, dlq_after=None) -> QueueUrls(url, dlq_url)``.

    With ``dlq_after=N`` the queue gets a dead-letter queue and a redrive policy moving a message
    there once it has been received N times (SQS's ``maxReceiveCount`` = N).
    """

    def make(visibility_s: int = 30, dlq_after: int | None = None) -> QueueUrls:
        name = f"q-{uuid.uuid4().hex[:16]}"
        attributes = {"VisibilityTimeout": str(visibility_s)}
        dlq_url = None
        if dlq_after is not None:
            dlq_url = sqs_client.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
            dlq_arn = sqs_client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
                "Attributes"
            ]["QueueArn"]
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(dlq_after)}
            )
        url = sqs_client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        return QueueUrls(url, dlq_url)

    return make
