"""`mediasift serve` start-up in open mode, and restricted CORS, against real server processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.servers import free_port

APP_ORIGIN = "https://app.example.com"


def _preflight(base: str, origin: str) -> httpx.Response:
    headers = {"Origin": origin, "Access-Control-Request-Method": "GET"}
    return httpx.options(f"{base}/v1/search", headers=headers, timeout=10)


@contextmanager
def _serving(tmp_path: Path, host: str, **env: str) -> Iterator[tuple[str, Path]]:
    """A `mediasift serve` on ``host`` (reached over loopback) until SIGTERM, which must exit 0."""
    port, log = free_port(), tmp_path / "serve.log"
    # only the settings given here: an inherited MEDIASIFT_CORS_ORIGINS or key would change the test
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("MEDIASIFT_")}
    variables = {**inherited, "MEDIASIFT_HOME": str(tmp_path / "home"), **env}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mediasift",
                "serve",
                "--host",
                host,
                "--port",
                str(port),
                "--workers",
                "0",
            ],
            env=variables,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield base, log
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert code == 0, log.read_text()


def _said(log: Path) -> str:
    return " ".join(log.read_text().split())  # Rich wraps long lines


def test_loopback_without_keys_says_open_mode_and_allows_only_listed_origins(tmp_path: Path):
    with _serving(tmp_path, "127.0.0.1", MEDIASIFT_CORS_ORIGINS=f'["{APP_ORIGIN}"]') as (base, log):
        said = _said(log)
        assert "open mode: no API keys exist, so requests need none and act as tenant 'default'" in said
        assert f"mediasift serving on {base}" in said
        # JSON logs (the default) to a file: every line a record, the banners too (two plain
        # lines had opened every log a shipper read)
        records = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
        assert {"open mode", "serving on"} <= {
            r["event"].split(":")[0].removeprefix("mediasift ")[:10] for r in records
        }

        allowed = _preflight(base, APP_ORIGIN)
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == APP_ORIGIN
        assert "Authorization" in allowed.headers["access-control-allow-headers"]
        refused = _preflight(base, "https://evil.example")
        assert "access-control-allow-origin" not in refused.headers
        simple = httpx.get(f"{base}/v1/media", headers={"Origin": "https://evil.example"})
        assert simple.status_code == 200 and "access-control-allow-origin" not in simple.headers
        listed = httpx.get(f"{base}/v1/media", headers={"Origin": APP_ORIGIN})
        assert listed.headers["access-control-allow-origin"] == APP_ORIGIN


def test_all_interfaces_without_keys_start_when_explicitly_allowed_and_send_no_cors(tmp_path: Path):
    with _serving(tmp_path, "0.0.0.0", MEDIASIFT_ALLOW_OPEN_REMOTE="true") as (base, log):
        assert "open mode" in _said(log)
        assert httpx.get(f"{base}/v1/media").status_code == 200
        preflight = _preflight(base, APP_ORIGIN)
        simple = httpx.get(f"{base}/v1/media", headers={"Origin": APP_ORIGIN})
        for response in (preflight, simple):
            assert not [h for h in response.headers if h.startswith("access-control-")], response.headers
