"""What the search benchmarks share: a real ``mediasift serve`` on loopback, generated large
documents, uploads (optionally paced like a slow client), job counts and latency percentiles.

The server runs with the default settings (2 worker threads, 2 model threads) except the rate
limit, raised so that the benchmark measures the server rather than its throttle, and every model
preloaded before the server reports ready.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

TERMINAL = {"succeeded", "dead", "cancelled"}
# Words of the generated documents, so that new queries built from them find something.
SUBJECTS = ["pump", "valve", "compressor", "refrigerator", "grinder", "boiler", "invoice", "badge"]
DETAILS = ["pressure", "vibration", "temperature", "door seal", "payment terms", "maintenance", "crema"]
ASKS = ["readings", "checks", "problems", "schedule", "limits", "remarks", "history", "causes"]


@dataclass
class LiveServer:
    url: str
    home: Path
    process: subprocess.Popen

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(home: Path, source: Path | None = None, **settings: str) -> Iterator[LiveServer]:
    """``mediasift serve`` on a free loopback port with MEDIASIFT_* overrides, once /ready.
    ``source``: the ``src`` folder of another checkout to run instead (a before/after comparison)."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "MEDIASIFT_HOME": str(home),
        "MEDIASIFT_RATE_LIMIT_PER_S": "1000000",
        "MEDIASIFT_RATE_LIMIT_BURST": "1000000",
        "MEDIASIFT_SHUTDOWN_GRACE_S": "1",
        # Every model loads before /ready, as a deployment that points its health checks at /ready
        # has them: a model's first load (seconds, once per process) is not a search figure.
        "MEDIASIFT_PRELOAD_MODELS": '["text", "image", "asr", "ocr"]',
        **{f"MEDIASIFT_{k.upper()}": v for k, v in settings.items()},
    }
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(source), *filter(None, [env.get("PYTHONPATH")])])
    with (home / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "mediasift", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(f"http://127.0.0.1:{port}", home, process)
    try:
        _wait_ready(server)
        yield server
    finally:
        server.stop()


def _wait_ready(server: LiveServer, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"mediasift serve exited; see {server.home / 'server.log'}")
        try:
            if httpx.get(f"{server.url}/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("mediasift serve did not become ready")


def upload(url: str, path: Path, pace_s: float = 0.0, chunk_bytes: int = 64 * 1024) -> dict:
    """POST the file to /v1/media; with ``pace_s``, one chunk of the body every ``pace_s`` seconds
    (a client on a slow link). Returns the job."""
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body = head + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), chunk_bytes):
            if pace_s and start:
                time.sleep(pace_s)
            yield body[start : start + chunk_bytes]

    response = httpx.post(
        f"{url}/v1/media",
        content=chunks(),
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(len(body)),
        },
        timeout=600,
    )
    response.raise_for_status()
    return response.json()["job"]


def unfinished_jobs(url: str) -> int:
    jobs = httpx.get(f"{url}/v1/jobs", params={"limit": 1000}, timeout=60).json()["jobs"]
    return sum(job["status"] not in TERMINAL for job in jobs)


def wait_for_jobs(url: str, timeout_s: float = 600.0) -> None:
    deadline = time.monotonic() + timeout_s
    while unfinished_jobs(url):
        if time.monotonic() > deadline:
            raise RuntimeError("jobs did not finish in time")
        time.sleep(0.5)


def new_queries(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct queries in the documents' vocabulary, each text never asked before."""
    return [f"{rng.choice(SUBJECTS)} {rng.choice(DETAILS)} {rng.choice(ASKS)} {i}" for i in range(count)]


def maintenance_text(rng: random.Random, paragraphs: int) -> list[str]:
    """Paragraphs of a maintenance manual (~300 characters each), varied so chunks differ."""
    out = []
    for i in range(paragraphs):
        subject, detail, ask = rng.choice(SUBJECTS), rng.choice(DETAILS), rng.choice(ASKS)
        out.append(
            f"Section {i}. The {subject} log records {detail} {ask} for unit {rng.randint(1, 999)}. "
            f"Technicians compare the {detail} with last week's figures, note the {subject}'s "
            f"condition during shift {i % 3} and report {ask} to the supervisor before noon."
        )
    return out


def large_documents(directory: Path, rng: random.Random, paragraphs: int) -> list[Path]:
    """A text-layer PDF, a DOCX and a plain-text file of ``paragraphs`` paragraphs each."""
    from tests import docgen

    directory.mkdir(parents=True, exist_ok=True)
    pdf_lines = [line for p in maintenance_text(rng, paragraphs) for line in _wrap(p, 90)]
    pages = [pdf_lines[i : i + 48] for i in range(0, len(pdf_lines), 48)]
    text = directory / "log.txt"
    text.write_text("\n\n".join(maintenance_text(rng, paragraphs)))
    return [
        docgen.make_pdf(directory / "manual.pdf", pages),  # type: ignore[arg-type]
        docgen.make_docx(directory / "report.docx", maintenance_text(rng, paragraphs)),
        text,
    ]


def _wrap(paragraph: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in paragraph.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line, ""]


def latency_summary(seconds: list[float]) -> dict:
    """Count, p50/p95/p99 and max in milliseconds."""
    if not seconds:
        return {"count": 0}
    ms = np.asarray(seconds) * 1000
    return {
        "count": len(ms),
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
        "p99_ms": round(float(np.percentile(ms, 99)), 1),
        "max_ms": round(float(ms.max()), 1),
    }
