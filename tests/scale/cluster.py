"""A scale-out deployment in processes: ``mediasift serve --no-workers`` plus ``mediasift worker``s.

Every process gets the same ``MEDIASIFT_*`` environment (PostgreSQL catalog, pgvector index, S3 store,
SQS queue), exactly as compose or ECS would set it; each writes its log to a file that a failing
test prints.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = {**os.environ, **env}
        self.logs = logs
        logs.mkdir(parents=True, exist_ok=True)
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.api_url = ""

    def _start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "mediasift", *args], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        self.procs[name] = proc
        return proc

    def start_api(self, timeout_s: float = 90.0) -> str:
        port = free_port()
        proc = self._start("api", "serve", "--no-workers", "--port", str(port))
        self.api_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"API exited with {proc.returncode}:\n{self.log_tail('api')}")
            try:
                if httpx.get(f"{self.api_url}/health", timeout=2).status_code == 200:
                    return self.api_url
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"API did not answer /health in {timeout_s}s:\n{self.log_tail('api')}")

    def start_worker(self, name: str, threads: int = 1) -> subprocess.Popen[bytes]:
        return self._start(name, "worker", "--threads", str(threads))

    def kill(self, name: str) -> None:
        """SIGKILL: no graceful stop, no ack, no lease release."""
        proc = self.procs[name]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def alive(self, name: str) -> bool:
        return self.procs[name].poll() is None

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.logs / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def all_logs(self) -> str:
        return "\n".join(f"--- {name} ---\n{self.log_tail(name)}" for name in self.procs)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
