"""Webhooks: signed deliveries to a real loopback receiver, retries recorded, SSRF refused, SNS."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from mediasift.errors import InvalidRequest
from mediasift.jobs import notify
from mediasift.services import webhooks
from tests.conftest import test_settings


class Receiver:
    """A real HTTP server on 127.0.0.1 that records requests and fails the first ``fail`` of them."""

    def __init__(self, fail: int = 0) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.fail = fail
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = 500 if len(receiver.requests) <= receiver.fail else 204
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(fail=2)
    yield r
    r.close()


def _wait(predicate, timeout_s: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_job_events_are_delivered_signed_and_retried_with_backoff(make_runtime, client_for, receiver):
    rt = make_runtime(webhook_allow_hosts=["127.0.0.1"], webhook_backoff_base_s=0.2)
    api = client_for(rt, workers=1)
    made = api.post("/v1/webhooks", json={"url": receiver.url, "events": ["media.succeeded"]})
    assert made.status_code == 201, made.text
    hook, secret = made.json(), made.json()["secret"]
    quiet = api.post("/v1/webhooks", json={"url": receiver.url + "/dead-only", "events": ["media.dead"]})
    assert quiet.status_code == 201

    created = api.post(
        "/v1/media", files={"file": ("note.txt", b"Webhooks tell you when it is done.")}
    ).json()
    _wait(lambda: len(receiver.requests) >= 3)
    time.sleep(0.5)  # nothing else should arrive: the dead-only hook stays silent
    assert len(receiver.requests) == 3
    ids = {headers["x-mediasift-delivery"] for headers, _ in receiver.requests}
    assert len(ids) == 1  # one delivery, retried under the same id
    headers, body = receiver.requests[-1]
    assert headers["x-mediasift-event"] == "media.succeeded"
    assert webhooks.verify(secret, headers["x-mediasift-signature"], body)
    assert not webhooks.verify(secret, headers["x-mediasift-signature"], body + b" ")
    event = json.loads(body)
    assert event["data"]["media_id"] == created["media"]["id"] and event["data"]["status"] == "succeeded"
    assert event["data"]["tenant"] == "default"
    assert event["created_at"].endswith("Z")  # as the API writes its times (RFC 3339, UTC)

    _wait(
        lambda: (
            api.get(f"/v1/webhooks/{hook['id']}/deliveries").json()["deliveries"][0]["status"] == "delivered"
        )
    )
    (delivery,) = api.get(f"/v1/webhooks/{hook['id']}/deliveries").json()["deliveries"]
    assert delivery["attempts"] == 3 and delivery["last_status_code"] == 204
    assert "secret" not in api.get("/v1/webhooks").json()["webhooks"][0]


def test_a_corrupt_file_notifies_dead_at_once_from_the_worker(make_runtime, client_for):
    receiver = Receiver()
    try:
        rt = make_runtime(
            webhook_allow_hosts=["127.0.0.1"], max_attempts=2, backoff_base_s=0.1, backoff_max_s=0.2
        )
        api = client_for(rt, workers=1)
        events = ["media.succeeded", "media.failed", "media.dead"]
        assert api.post("/v1/webhooks", json={"url": receiver.url, "events": events}).status_code == 201
        # A PDF header and then garbage: sniffed as a PDF, undecodable. Corrupt bytes stay corrupt,
        # so the first attempt is the last: no media.failed, no retry.
        created = api.post("/v1/media", files={"file": ("broken.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 50)})
        media_id = created.json()["media"]["id"]
        _wait(lambda: len(receiver.requests) >= 1)
        time.sleep(1.0)  # room for a second event, were one (wrongly) sent
        sent = [(h["x-mediasift-event"], json.loads(body)["data"]) for h, body in receiver.requests]
        assert [event for event, _ in sent] == ["media.dead"]
        assert [(data["media_id"], data["error_code"], data["attempts"]) for _, data in sent] == [
            (media_id, "corrupt_media", 1)
        ]
    finally:
        receiver.close()


def test_a_tenant_sees_and_deletes_only_its_own_webhooks(make_runtime, client_for, receiver):
    api = client_for(make_runtime(webhook_allow_hosts=["127.0.0.0/8"]))
    acme = {"X-Mediasift-Tenant": "acme"}
    hook = api.post("/v1/webhooks", json={"url": receiver.url, "events": ["media.dead"]}, headers=acme).json()
    assert api.get("/v1/webhooks").json()["webhooks"] == []
    assert api.delete(f"/v1/webhooks/{hook['id']}").status_code == 404
    assert api.delete(f"/v1/webhooks/{hook['id']}", headers=acme).status_code == 204


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "ftp://example.com/hook",
        "http://user:pass@127.0.0.1/hook",
    ],
)
def test_private_loopback_and_link_local_targets_are_refused(make_runtime, client_for, url):
    api = client_for(make_runtime())
    response = api.post("/v1/webhooks", json={"url": url, "events": ["media.succeeded"]})
    assert response.status_code == 400 and response.json()["code"] == "invalid_request", response.text


def test_the_guard_checks_every_resolved_address(tmp_path, monkeypatch):
    settings = test_settings(tmp_path)

    def resolve_to(*addresses: str):  # type: ignore[no-untyped-def]
        return lambda host, port, *a, **k: [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", resolve_to("93.184.215.14"))
    assert webhooks.check_url("https://hooks.example.com/x", settings)
    monkeypatch.setattr(socket, "getaddrinfo", resolve_to("93.184.215.14", "10.0.0.7"))  # DNS rebinding trick
    with pytest.raises(InvalidRequest, match="non-public"):
        webhooks.check_url("https://hooks.example.com/x", settings)


def test_signatures_with_stale_timestamps_are_rejected():
    body = b'{"event":"media.succeeded"}'
    header = webhooks.sign("whsec_x", 1_000, body)
    assert webhooks.verify("whsec_x", header, body, now=1_100)
    assert not webhooks.verify("whsec_x", header, body, now=1_000 + 301)
    assert not webhooks.verify("whsec_other", header, body, now=1_100)


def test_events_also_publish_to_sns_when_configured(make_runtime, aws_endpoint, monkeypatch):
    from tests.aws_fixtures import aws_client

    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)
    sns, sqs = aws_client("sns", aws_endpoint), aws_client("sqs", aws_endpoint)
    topic = sns.create_topic(Name="mediasift-events")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="events-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    rt = make_runtime(sns_topic_arn=topic, sns_endpoint_url=aws_endpoint)
    notify.publish(rt, "acme", "media.dead", {"media_id": "m1", "status": "dead"})
    messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=5).get("Messages", [])
    assert messages
    published = json.loads(json.loads(messages[0]["Body"])["Message"])
    assert published == {
        "event": "media.dead",
        "tenant": "acme",
        "data": {"media_id": "m1", "status": "dead"},
    }


def test_a_delivery_connects_to_the_address_that_was_checked(make_runtime, receiver, monkeypatch):
    """The guard's answer is the connection's target: no second DNS lookup can rebind the host."""
    port = receiver.server.server_address[1]
    rt = make_runtime(webhook_allow_hosts=["rebind.test"])
    lookups: list[str] = []
    real = socket.getaddrinfo

    def resolver(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host != "rebind.test":
            return real(host, *args, **kwargs)
        lookups.append(host)
        # The checks (at creation, at delivery) see loopback, allowed by name; a lookup after them
        # would get an address nothing listens on.
        return real("127.0.0.1" if len(lookups) <= 2 else "192.0.2.1", *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    hook = webhooks.create_webhook(rt, "default", f"http://rebind.test:{port}/hook", ["media.succeeded"])
    notify.publish(rt, "default", "media.succeeded", {"media_id": "m1"})
    receiver.fail = 0
    with httpx.Client(timeout=5, follow_redirects=False, trust_env=False) as http:
        assert webhooks.dispatch_due(rt, http) == 1
    [(headers, _)] = receiver.requests
    assert headers["host"] == f"rebind.test:{port}" and lookups == ["rebind.test"] * 2
    [delivery] = webhooks.list_deliveries(rt, "default", hook.id)
    assert delivery.status == "delivered"


def test_pinned_targets_keep_the_original_host_for_tls(tmp_path, monkeypatch):
    settings = test_settings(tmp_path)
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, *a, **k: [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("2606:2800:220:1::1", port, 0, 0))
        ],
    )
    target = webhooks.pin("https://hooks.example.com:8443/in?x=1", settings)
    assert target == webhooks.PinnedTarget(
        url="https://[2606:2800:220:1::1]:8443/in?x=1", host="hooks.example.com:8443", sni="hooks.example.com"
    )


def test_a_poll_with_nothing_due_waits_for_no_writer(make_runtime, receiver):
    """The dispatcher polls twice a second in every process with workers: a poll that finds nothing
    due reads without SQLite's write lock, so it neither waits behind a writer nor holds one up."""
    import sqlite3

    from sqlalchemy.engine import make_url

    rt = make_runtime(webhook_allow_hosts=["127.0.0.1"])
    writer = sqlite3.connect(make_url(rt.catalog.url).database, timeout=0, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process mid-write
    try:
        polled: list[list[str]] = []
        poll = threading.Thread(target=lambda: polled.append(webhooks._claim_due(rt)), daemon=True)
        poll.start()
        poll.join(timeout=10)  # the write lock's wait would be the catalog's 30 s busy timeout
        assert polled == [[]]
    finally:
        writer.execute("ROLLBACK")
        writer.close()

    webhooks.create_webhook(rt, "default", receiver.url, ["media.succeeded"])
    notify.publish(rt, "default", "media.succeeded", {"media_id": "m1"})
    [claimed] = webhooks._claim_due(rt)  # something due: claimed under the write lock, once
    assert webhooks._claim_due(rt) == []
    receiver.fail = 0
    with httpx.Client(timeout=5, follow_redirects=False, trust_env=False) as http:
        assert webhooks.deliver(rt, claimed, http) == "delivered"


def test_a_workflow_s_conversion_raises_conversion_ready_as_a_conversion_of_its_own_does(
    make_runtime, client_for
):
    receiver = Receiver()
    try:
        rt = make_runtime(webhook_allow_hosts=["127.0.0.1"])
        api = client_for(rt, workers=1)
        made = api.post("/v1/webhooks", json={"url": receiver.url, "events": ["media.conversion_ready"]})
        assert made.status_code == 201, made.text
        workflow = "version: 1\nsteps:\n  - convert: [{to: md}]\n  - quality: {}\n"
        put = api.put(
            "/v1/collections/notas/workflow", content=workflow, headers={"Content-Type": "application/yaml"}
        )
        assert put.status_code in (200, 201), put.text
        created = api.post(
            "/v1/media",
            data={"collection": "notas"},
            files={"file": ("note.txt", b"Workflows convert what lands in a collection.")},
        ).json()
        _wait(lambda: len(receiver.requests) >= 1)
        time.sleep(0.5)  # the quality step raises nothing
        ((headers, body),) = receiver.requests
        assert headers["x-mediasift-event"] == "media.conversion_ready"
        data = json.loads(body)["data"]
        assert data["media_id"] == created["media"]["id"] and data["conversion"]["target"] == "md"
        assert api.get(data["conversion"]["file_url"]).status_code == 200
    finally:
        receiver.close()
