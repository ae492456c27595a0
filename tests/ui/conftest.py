"""Browser tests: a real ``mediasift serve`` subprocess on a free loopback port, driven by Debian's
Chromium through Playwright (never ``playwright install``; flags as DESIGN.md says).

One server serves every UI test of the session (models load once); each test uploads its own files.
Screenshots land in ``test-artifacts/screenshots/`` (gitignored) for a person to look at.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
TERMINAL = {"succeeded", "dead", "cancelled"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    base: str
    home: Path
    log: Path
    client: httpx.Client = field(repr=False)

    def upload(self, path: Path, **form: str) -> dict:
        with path.open("rb") as f:
            r = self.client.post("/v1/media", files={"file": (path.name, f)}, data=form)
        assert r.status_code in (200, 202), r.text
        return r.json()

    def wait_for_job(self, job_id: str, timeout_s: float = 240.0) -> dict:
        deadline = time.monotonic() + timeout_s
        job: dict = {}
        while time.monotonic() < deadline:
            job = self.client.get(f"/v1/jobs/{job_id}").json()
            if job["status"] in TERMINAL:
                return job
            time.sleep(0.2)
        raise AssertionError(f"job {job_id} did not finish in {timeout_s}s: {job}\n{self.tail()}")

    def ingest(self, path: Path, **form: str) -> dict:
        """Upload through the API and wait until searchable; returns the media."""
        created = self.upload(path, **form)
        if created["job"]:
            job = self.wait_for_job(created["job"]["id"])
            assert job["status"] == "succeeded", job
        return created["media"]

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


@contextmanager
def running_server(root: Path, **env: str) -> Iterator[Server]:
    """``mediasift serve`` in a subprocess with its data under ``root``; SIGTERM on exit."""
    root.mkdir(parents=True, exist_ok=True)
    home, log, port = root / "home", root / "serve.log", _free_port()
    env = {
        **os.environ,
        "MEDIASIFT_HOME": str(home),
        "MEDIASIFT_WORKERS": "1",
        "MEDIASIFT_MODEL_THREADS": "2",
        "MEDIASIFT_POLL_INTERVAL_S": "0.1",
        "MEDIASIFT_MAX_ATTEMPTS": "1",  # a broken file goes straight to the dead-letter state
        "MEDIASIFT_BACKOFF_BASE_S": "0.1",
        "MEDIASIFT_BACKOFF_MAX_S": "0.5",
        **env,
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mediasift", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    client = httpx.Client(base_url=base, timeout=60)
    srv = Server(base, home, log, client)
    deadline = time.monotonic() + 90
    while True:
        try:
            client.get("/openapi.json", timeout=2).raise_for_status()
            break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"mediasift serve did not start:\n{srv.tail()}")
        time.sleep(0.3)
    try:
        yield srv
    finally:
        client.close()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("ui-server")) as srv:
        yield srv


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server: Server) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A fresh tab (its own session storage) on the server; fails the test on a JavaScript error."""
    context = browser.new_context(base_url=server.base, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(30_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def open_view(page, hash_route: str) -> None:  # type: ignore[no-untyped-def]
    """Go to a view of the single page and wait until its script has started."""
    page.goto(f"/{hash_route}")
    page.wait_for_selector("body[data-ready=true]")


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
