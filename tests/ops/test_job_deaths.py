"""When a job dies, and how: what every kind of dead job leaves in the catalog, the queue and the
webhooks, driven one delivery at a time through a real worker on a real queue.

- a permanent error (empty, unsupported, encrypted, over a limit) is dead on its first attempt;
- a transient error retries and is dead after ``max_attempts``;
- a job whose last allowed attempt lost its worker (the process died in it) is dead with
  ``worker_lost`` on the delivery after, without running again, on the DB queue and on SQS.

The same through processes killed with SIGKILL: tests/test_crash_recovery.py.
"""

from __future__ import annotations

import io
import json
import math
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from mediasift.catalog import jobs as job_rows
from mediasift.catalog import repo
from mediasift.catalog.models import Job, Media, WebhookDelivery
from mediasift.runtime import Runtime
from mediasift.services.ingest import ingest_stream
from mediasift.services.webhooks import create_webhook
from mediasift.worker.loop import Worker
from tests.docgen import damage_page, make_encrypted_pdf, make_pdf

NOTES = b"The greenhouse sprinklers run every evening at seven, and the vents open at noon."


def _ingest(rt: Runtime, data: bytes, name: str) -> str:
    return ingest_stream(rt, "default", io.BytesIO(data), name).job.id  # type: ignore[union-attr]


def _job(rt: Runtime, job_id: str) -> Job:
    with rt.catalog.session() as s:
        return job_rows.get_job(s, job_id)


def _media(rt: Runtime, job: Job) -> Media:
    with rt.catalog.session() as s:
        media = s.get(Media, job.media_id)
        assert media is not None
        return media


def _run_until_ended(rt: Runtime, job_id: str, deliveries: int = 10) -> Job:
    """Hand the job to a worker one delivery at a time (a retry comes back after its backoff)."""
    worker = Worker(rt)
    for _ in range(deliveries):
        job = _job(rt, job_id)
        if job.status in ("succeeded", "dead", "cancelled"):
            return job
        worker.run_once(wait_s=2.0)
    raise AssertionError(f"job {job_id} still {_job(rt, job_id).status} after {deliveries} deliveries")


def _events(rt: Runtime) -> list[tuple[str, dict[str, Any]]]:
    with rt.catalog.session() as s:
        rows = s.query(WebhookDelivery).order_by(WebhookDelivery.id).all()
        return [(row.event, row.payload["data"]) for row in rows]


def _tone_wav() -> bytes:
    """One second of a 440 Hz tone: real audio, so the job reaches speech recognition."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16_000)
        samples = (int(8000 * math.sin(2 * math.pi * 440 * i / 16_000)) for i in range(16_000))
        w.writeframes(b"".join(s.to_bytes(2, "little", signed=True) for s in samples))
    return buffer.getvalue()


# -- permanent and transient errors --------------------------------------------------------------


def _permanent_inputs(tmp_path: Path) -> dict[str, tuple[bytes, str, str]]:
    """file name → (bytes, error code, a word of the message)."""
    locked = make_encrypted_pdf(tmp_path / "locked.pdf", ["The vault code is in chapter seven."], "s3cret")
    long = make_pdf(tmp_path / "long.pdf", [["One."], ["Two."], ["Three."]])
    torn = damage_page(make_pdf(tmp_path / "torn.pdf", [["The only page."]]), 1)
    odd = bytearray(_tone_wav())
    odd[20:22] = (0x1234).to_bytes(2, "little")  # a WAV format tag no FFmpeg decoder claims
    return {
        "empty.mp4": (b"", "corrupt_media", "empty"),
        # Both failed every attempt as "internal" errors (a page PDFium cannot load; a stream
        # without a codec context) before they were told apart as damage.
        "torn.pdf": (torn.read_bytes(), "corrupt_media", "page"),
        "odd.wav": (bytes(odd), "corrupt_media", "codec"),
        "mystery.bin": (bytes(range(256)) * 8, "unsupported_media", "unrecognised"),
        # FFmpeg names the file by the worker's path, and its error by a number: neither is shown
        "cut.mp4": (b"\x00\x00\x00\x18ftypmp42" + b"x" * 1000, "corrupt_media", "invalid data"),
        "locked.pdf": (locked.read_bytes(), "media_rejected", "password"),
        "long.pdf": (long.read_bytes(), "limit_exceeded", "limit"),
    }


def test_a_permanent_error_is_dead_on_the_first_attempt_with_its_code(tmp_path, make_runtime):
    rt = make_runtime(max_attempts=3, max_pages=2, webhook_allow_hosts=["127.0.0.1"])
    create_webhook(rt, "default", "http://127.0.0.1:9/hooks", ["media.failed", "media.dead"])
    inputs = _permanent_inputs(tmp_path)
    jobs = {name: _ingest(rt, data, name) for name, (data, _, _) in inputs.items()}

    ended = {name: _run_until_ended(rt, job_id) for name, job_id in jobs.items()}

    for name, (_, code, word) in inputs.items():
        job = ended[name]
        assert (job.status, job.attempts, job.error_code) == ("dead", 1, code), (name, job.error)
        assert word in job.error.lower(), (name, job.error)
        assert str(rt.settings.home) not in job.error and "Errno" not in job.error, job.error
        media = _media(rt, job)
        assert (media.status, media.error) == ("failed", job.error)
    # One event per job, the dead one: never a media.failed promising a retry.
    assert sorted((event, data["job_id"]) for event, data in _events(rt)) == sorted(
        ("media.dead", job_id) for job_id in jobs.values()
    )
    assert rt.queue.stats()["depth"] == rt.queue.stats()["in_flight"] == 0


def test_a_transient_error_retries_and_is_dead_after_max_attempts(make_runtime):
    # A speech model directory that does not exist: backend_unavailable, which an operator can
    # fix while the job waits, so it is retried.
    rt = make_runtime(max_attempts=3, asr_model="whisper-dir", webhook_allow_hosts=["127.0.0.1"])
    create_webhook(rt, "default", "http://127.0.0.1:9/hooks", ["media.failed", "media.dead"])
    job_id = _ingest(rt, _tone_wav(), "tone.wav")

    job = _run_until_ended(rt, job_id)

    assert (job.status, job.attempts, job.error_code) == ("dead", 3, "backend_unavailable")
    assert [event for event, _ in _events(rt)] == ["media.failed", "media.failed", "media.dead"]


# -- a job that kills its worker -----------------------------------------------------------------


class QueueUnderTest(NamedTuple):
    settings: dict[str, Any]
    dead_letters: Callable[[], list[dict[str, Any]]] | None  # SQS: the letters in its DLQ


@pytest.fixture(params=["db", "sqs"])
def queue_under_test(request, monkeypatch) -> QueueUnderTest:  # type: ignore[no-untyped-def]
    """Each queue; on SQS the redrive policy allows one delivery past max_attempts (2)."""
    if request.param == "db":
        return QueueUnderTest({"queue": "db"}, None)
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)
    sqs = request.getfixturevalue("sqs_client")
    urls = request.getfixturevalue("make_queue")(dlq_after=3)

    def dead_letters() -> list[dict[str, Any]]:
        response = sqs.receive_message(QueueUrl=urls.dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        return [json.loads(m["Body"]) for m in response.get("Messages", [])]

    return QueueUnderTest({"queue": "sqs", "sqs_queue_url": urls.url, "sqs_wait_s": 1}, dead_letters)


def _lose_worker_in(rt: Runtime, attempt: int) -> None:
    """Take a delivery and end it as a killed worker does: no outcome, no ack; the lease runs out."""
    lease = rt.queue.receive(visibility_s=1, wait_s=2.0)
    assert lease is not None and lease.attempts == attempt
    time.sleep(1.2)


def test_a_job_whose_last_attempt_lost_its_worker_is_dead_on_its_next_delivery(
    make_runtime, queue_under_test: QueueUnderTest
):  # type: ignore[no-untyped-def]
    rt = make_runtime(max_attempts=2, webhook_allow_hosts=["127.0.0.1"], **queue_under_test.settings)
    create_webhook(rt, "default", "http://127.0.0.1:9/hooks", ["media.dead"])
    job_id = _ingest(rt, NOTES, "notes.txt")
    _lose_worker_in(rt, attempt=1)
    _lose_worker_in(rt, attempt=2)

    assert Worker(rt).run_once(wait_s=3.0)  # the third delivery

    job = _job(rt, job_id)
    assert (job.status, job.attempts, job.error_code) == ("dead", 2, "worker_lost")
    assert "attempt 2 of 2" in job.error and "not run again" in job.error
    assert job.stage is None  # the pipeline never started on it
    media = _media(rt, job)
    assert (media.status, media.error) == ("failed", job.error)
    with rt.catalog.session() as s:
        assert repo.count_segments(s, media.id) == 0
    ((event, data),) = _events(rt)
    assert (event, data["job_id"], data["error_code"], data["attempts"]) == (
        "media.dead", job_id, "worker_lost", 2
    )  # fmt: skip
    time.sleep(1.2)  # past any lease the dead-lettering could have left behind
    assert rt.queue.receive(visibility_s=1, wait_s=1.0) is None  # never delivered again
    if queue_under_test.dead_letters is not None:
        letters = queue_under_test.dead_letters()
        assert letters == [{"job_id": job_id, "error_code": "worker_lost", "receives": 3}]
    else:
        assert rt.queue.stats()["dead"] == 1


def test_workers_warn_when_the_redrive_policy_would_move_such_a_job_first(
    make_runtime, make_queue, monkeypatch, caplog
):  # type: ignore[no-untyped-def]
    from mediasift.worker.loop import start_worker_threads, stop_workers

    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)
    urls = make_queue(dlq_after=3)
    rt = make_runtime(queue="sqs", sqs_queue_url=urls.url, sqs_wait_s=1, max_attempts=3)
    with caplog.at_level("WARNING", logger="mediasift.worker"):
        stop_workers(start_worker_threads(rt, 1), grace_s=5)
    warnings = [r.getMessage() for r in caplog.records if "redrive policy" in r.getMessage()]
    assert len(warnings) == 1 and "set maxReceiveCount to 4 or more" in warnings[0], warnings


def test_a_quality_measure_that_fails_costs_the_media_its_quality_not_its_segments(
    make_runtime, monkeypatch, tmp_path
):
    # Quality is measured beside extraction; an error of its own (OpenCV refused a 2-pixel-tall
    # video's frames) failed the whole ingest, three times over. Injected here, as no real
    # input is known to fail a measure any more.
    from mediasift.quality import video as video_quality
    from tests import mediagen

    def broken(path: Path) -> dict[str, Any]:
        raise RuntimeError("a measure's own bug")

    monkeypatch.setattr(video_quality, "measure_video", broken)
    path = mediagen.noise_video(tmp_path / "clip.mp4", (128, 96))
    rt = make_runtime(max_attempts=3)

    job = _run_until_ended(rt, _ingest(rt, path.read_bytes(), "clip.mp4"))

    assert (job.status, job.attempts) == ("succeeded", 1), job.error
    with rt.catalog.read_session() as s:
        assert repo.media_segments(s, "default", job.media_id)  # its keyframes
    assert _media(rt, job).quality is None


def test_a_job_s_error_names_no_worker_path_and_no_errno():
    from mediasift.errors import public_message

    said = "cannot decode media container: [Errno 1094995529] Invalid data found when processing input: "
    assert public_message(said + "'/srv/home/objects/raw/t/01X/original.mp4'") == said.replace(
        "[Errno 1094995529] ", ""
    ).rstrip(": ")
    assert public_message("Package not found at '/tmp/x/original.docx'") == "Package not found at the file"
    for kept in ("see http://example.com/a/b", "corrupt archive member 'src/x.py': bad", "text/plain"):
        assert public_message(kept) == kept
