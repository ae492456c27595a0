"""Real `mediasift serve` processes for tests that need a separate server (kill -9, CLI over HTTP)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(
    home: Path, port: int, log_file: Path | None = None, args: Sequence[str] = (), **env: str
) -> subprocess.Popen:
    """Start `mediasift serve` on 127.0.0.1:port (and ``args``) with MEDIASIFT_* overrides; return
    once /ready.

    Its log (stderr) goes to ``log_file`` when one is given, else nowhere.
    """
    variables = {
        **os.environ,
        "MEDIASIFT_HOME": str(home),
        "MEDIASIFT_HEARTBEAT_S": "0.5",
        "MEDIASIFT_POLL_INTERVAL_S": "0.1",
        "MEDIASIFT_WORKERS": "1",
        **{f"MEDIASIFT_{k.upper()}": v for k, v in env.items()},
    }
    log = log_file.open("ab") if log_file else None
    proc = subprocess.Popen(
        [sys.executable, "-m", "mediasift", "serve", "--port", str(port), *args],
        env=variables,
        stdout=subprocess.DEVNULL,
        stderr=log or subprocess.DEVNULL,
    )
    if log:
        log.close()  # the server writes through its own copy
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
