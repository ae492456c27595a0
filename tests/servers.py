"""Real `mediasift serve` processes for tests that need a separate server (kill -9, CLI over HTTP)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(home: Path, port: int, **env: str) -> subprocess.Popen:
    """Start `mediasift serve` on 127.0.0.1:port with MEDIASIFT_* overrides; return once /ready."""
    variables = {
        **os.environ,
        "MEDIASIFT_HOME": str(home),
        "MEDIASIFT_HEARTBEAT_S": "0.5",
        "MEDIASIFT_POLL_INTERVAL_S": "0.1",
        "MEDIASIFT_WORKERS": "1",
        **{f"MEDIASIFT_{k.upper()}": v for k, v in env.items()},
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "mediasift", "serve", "--port", str(port)],
        env=variables,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"mediasift serve exited with {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise AssertionError("server did not become ready")
