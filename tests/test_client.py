"""The CLI's API client: it waits as long as a 429 asks (backing off when refused again), gives up
with the error after a bounded number of retries, and follows many jobs with few list requests."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from mediasift.api.app import create_app
from mediasift.cli.client import HttpClient, retry_wait_s
from mediasift.errors import MediasiftError
from mediasift.models.registry import ModelRegistry
from mediasift.ops.metrics import REGISTRY
from mediasift.runtime import Runtime, open_runtime
from tests.conftest import test_settings


def _requests(route: str, status: int) -> float:
    labels = {"method": "GET", "route": route, "status": str(status)}
    return REGISTRY.get_sample_value("mediasift_http_requests_total", labels) or 0.0


def test_a_429_waits_its_retry_after_and_longer_when_refused_again():
    refused = httpx.Response(429, headers={"Retry-After": "3"})
    assert 3.0 <= retry_wait_s(refused, attempt=0) < 3.1
    assert 8.0 <= retry_wait_s(refused, attempt=4) <= 9.6  # 0.5 s × 2⁴, up to 20 % jitter
    assert retry_wait_s(refused, attempt=20) == 30.0  # never more than MAX_WAIT_S
    assert 0.5 <= retry_wait_s(httpx.Response(429), attempt=0) <= 0.6  # no Retry-After: back off
    in_a_minute = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    assert retry_wait_s(httpx.Response(503, headers={"Retry-After": in_a_minute}), attempt=0) == 30.0


@pytest.mark.parametrize("status", [200, 400, 404, 500, 503])
def test_other_answers_are_not_sent_again(status: int):
    assert retry_wait_s(httpx.Response(status), attempt=0) is None  # 503 without Retry-After too


@pytest.fixture
def api_for(tmp_path: Path, models: ModelRegistry) -> Iterator[Callable[..., TestClient]]:
    """The API in-process (as a remote server would answer: rate-limited) with extra settings."""
    opened: list[tuple[Runtime, TestClient]] = []

    def make(**overrides: Any) -> TestClient:
        rt = open_runtime(test_settings(tmp_path / f"home{len(opened)}", **overrides))
        rt.models = models
        opened.append((rt, TestClient(create_app(rt))))
        return opened[-1][1]

    yield make
    for rt, client in opened:
        client.close()
        rt.close()


def test_a_client_still_refused_after_its_retries_gets_the_rate_limited_error(api_for):
    client = HttpClient(api_for(rate_limit_per_s=0.01, rate_limit_burst=1), max_retries=2, max_wait_s=0.05)
    client.jobs()  # the bucket's one token
    before = _requests("/v1/jobs", 429)
    with pytest.raises(MediasiftError) as refused:
        client.jobs()
    assert refused.value.code == "rate_limited"
    assert _requests("/v1/jobs", 429) == before + 3  # the call and its two retries


def test_jobs_by_id_are_one_list_request_per_hundred(api_for):
    api = api_for()
    uploads = [api.post("/v1/media", files={"file": (f"{i}.txt", f"note {i}".encode())}) for i in range(3)]
    ids = [u.json()["job"]["id"] for u in uploads]
    other = api.post(
        "/v1/media", files={"file": ("x.txt", b"another tenant")}, headers={"X-Mediasift-Tenant": "other"}
    ).json()["job"]["id"]

    listed = api.get("/v1/jobs", params={"ids": [ids[0], f"{ids[2]},{other}"]}).json()["jobs"]
    assert sorted(j["id"] for j in listed) == sorted([ids[0], ids[2]])  # never another tenant's
    assert all(j["filename"] for j in listed)
    too_many = api.get("/v1/jobs", params={"ids": ",".join(f"j{i}" for i in range(1001))})
    assert too_many.status_code == 400 and too_many.json()["code"] == "invalid_request"

    before = _requests("/v1/jobs", 200)
    asked = ids + [f"01NOSUCHJOB{i:015d}" for i in range(247)]  # 250 ids: three requests
    found = HttpClient(api).jobs(ids=asked)
    assert sorted(j["id"] for j in found) == sorted(ids)
    assert _requests("/v1/jobs", 200) == before + 3


def test_a_cli_command_in_process_loads_no_model_it_does_not_use(tmp_path):  # type: ignore[no-untyped-def]
    """The in-process API does not preload: `mediasift jobs` must not start loading the text model,
    which a process that exits mid-load (ONNX Runtime building its session) aborts on."""
    import threading

    from mediasift.cli.client import LocalClient
    from tests.conftest import test_settings

    # Threads of this client's: another test's app in the same process may still be preloading.
    before = set(threading.enumerate())
    client = LocalClient(test_settings(tmp_path / "home"))
    try:
        assert "model-preload" not in [t.name for t in set(threading.enumerate()) - before]
        assert client.jobs() == []
        assert client.runtime.models.loaded() == []
    finally:
        client.close()


def test_the_cli_imports_no_engine_until_a_command_runs() -> None:
    """`mediasift --help` (and shell completion, which runs the same start) took 0.78-0.81 s while the CLI's
    import pulled in SQLAlchemy's models and the food tables; the commands import them as they run."""
    import subprocess
    import sys

    heavy = ("sqlalchemy", "numpy", "fastapi", "onnxruntime", "av", "spacy", "alembic")
    probe = f"import sys, mediasift.cli.main; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


_IMPORTS_OF_A_LISTING = """
import sys
from mediasift.cli.client import LocalClient
from mediasift.config import Settings

client = LocalClient(Settings(_env_file=None, home=sys.argv[1]), routers=("jobs",))
assert client.jobs() == []
client.close()
heavy = ("av", "PIL.Image", "mediasift.asr.whisper", "mediasift.ocr.rapidocr", "mediasift.worker.loop")
print(" ".join(name for name in heavy if name in sys.modules))
"""


def test_a_command_that_preloads_nothing_and_runs_no_worker_imports_no_model_stack(tmp_path: Path):
    # a cold `mediasift search` or listing pays no import of speech recognition, PyAV, Pillow, OCR
    # or the pipeline (with the C stemmers, a cold search 2.9-3.4 -> 2.35-2.7 s; docs/benchmarks.md)
    done = subprocess.run(
        [sys.executable, "-c", _IMPORTS_OF_A_LISTING, str(tmp_path / "home")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == []


def test_a_server_gone_mid_command_is_one_clear_error_not_a_traceback():
    from mediasift.cli.client import HttpClient
    from mediasift.errors import BackendUnavailable
    from tests.servers import free_port

    gone = HttpClient(httpx.Client(base_url=f"http://127.0.0.1:{free_port()}", timeout=2.0))
    with pytest.raises(BackendUnavailable, match=r"lost the connection to http://127\.0\.0\.1:") as raised:
        gone.job("01ARZ3NDEKTSV4RRFFQ69G5FAV")
    assert "mediasift serve" in raised.value.message
