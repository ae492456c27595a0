"""What the CLI talks to: a running server over HTTP, or the system in-process.

Both return the API's JSON objects, so ``--json`` output is the same either way. In embedded mode
the server owns the index, so when one is up (its address is recorded in ``MEDIASIFT_HOME``) the
CLI must go through it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Protocol

import httpx

from mediasift.config import Settings
from mediasift.errors import MediasiftError

SERVER_FILE = "server.json"


class Client(Protocol):
    def upload(self, path: Path, collection: str, metadata: dict | None = None) -> dict[str, Any]: ...
    def job(self, job_id: str) -> dict[str, Any]: ...
    def jobs(self, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]: ...
    def retry(self, job_id: str) -> dict[str, Any]: ...
    def search(
        self,
        query: str | None,
        *,
        image: Path | None = None,
        kinds: list[str] | None = None,
        limit: int = 10,
        added_after: str | None = None,
        added_before: str | None = None,
    ) -> dict[str, Any]: ...
    def media(self, media_id: str) -> dict[str, Any]: ...
    def delete(self, media_id: str) -> None: ...
    def ask(self, question: str, filters: dict[str, Any] | None = None) -> dict[str, Any]: ...
    def close(self) -> None: ...


def record_server(settings: Settings, url: str) -> Path:
    path = settings.home / SERVER_FILE
    path.write_text(json.dumps({"url": url, "pid": os.getpid()}))
    return path


def running_server(settings: Settings) -> str | None:
    path = settings.home / SERVER_FILE
    try:
        info = json.loads(path.read_text())
        os.kill(int(info["pid"]), 0)
        httpx.get(f"{info['url']}/health", timeout=2.0).raise_for_status()
        return str(info["url"])
    except (OSError, ValueError, KeyError, httpx.HTTPError):
        return None


class HttpClient:
    def __init__(self, base_url: str, tenant: str | None = None, api_key: str | None = None) -> None:
        headers = {}
        if tenant:
            headers["X-Mediasift-Tenant"] = tenant
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._http = httpx.Client(base_url=base_url, headers=headers, timeout=60.0)

    def _check(self, response: httpx.Response) -> Any:
        if response.status_code >= 400:
            try:
                body = response.json()
                err = MediasiftError(body.get("message", response.text))
                err.code = body.get("code", "error")
            except ValueError:
                err = MediasiftError(response.text)
            err.status = response.status_code
            raise err
        return response.json() if response.content else None

    def upload(self, path: Path, collection: str, metadata: dict | None = None) -> dict[str, Any]:
        data = {"collection": collection}
        if metadata:
            data["metadata"] = json.dumps(metadata)
        with path.open("rb") as f:
            return self._check(self._http.post("/v1/media", files={"file": (path.name, f)}, data=data))

    def job(self, job_id: str) -> dict[str, Any]:
        return self._check(self._http.get(f"/v1/jobs/{job_id}"))

    def jobs(self, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"limit": limit}
        if status:
            params["status"] = status
        return self._check(self._http.get("/v1/jobs", params=params))["jobs"]

    def retry(self, job_id: str) -> dict[str, Any]:
        return self._check(self._http.post(f"/v1/jobs/{job_id}/retry"))

    def search(
        self,
        query: str | None,
        *,
        image: Path | None = None,
        kinds: list[str] | None = None,
        limit: int = 10,
        added_after: str | None = None,
        added_before: str | None = None,
    ) -> dict[str, Any]:
        given = {"q": query, "kind": kinds, "added_after": added_after, "added_before": added_before}
        params: dict[str, Any] = {"limit": str(limit), **{k: v for k, v in given.items() if v}}
        if image is not None:
            with image.open("rb") as f:
                return self._check(
                    self._http.post("/v1/search", files={"image": (image.name, f)}, data=params)
                )
        return self._check(self._http.get("/v1/search", params=params))

    def media(self, media_id: str) -> dict[str, Any]:
        return self._check(self._http.get(f"/v1/media/{media_id}"))

    def delete(self, media_id: str) -> None:
        self._check(self._http.delete(f"/v1/media/{media_id}"))

    def ask(self, question: str, filters: dict[str, Any] | None = None) -> dict[str, Any]:
        """An answer with numbered citations (``POST /v1/ask``)."""
        return self._check(self._http.post("/v1/ask", json={"question": question, "filters": filters}))

    def close(self) -> None:
        self._http.close()


class LocalClient:
    """The same calls, served by the FastAPI app in-process (no socket): one code path for both."""

    def __init__(self, settings: Settings, tenant: str | None = None, workers: int = 0) -> None:
        from fastapi.testclient import TestClient

        from mediasift.api.app import create_app
        from mediasift.runtime import open_runtime
        from mediasift.worker import start_worker_threads

        self.runtime = open_runtime(settings)
        self._workers = start_worker_threads(self.runtime, workers) if workers else []
        self._http = HttpClient.__new__(HttpClient)
        headers = {"X-Mediasift-Tenant": tenant} if tenant else {}
        if settings.api_key:  # keys apply in-process too: the CLI is one more API client
            headers["Authorization"] = f"Bearer {settings.api_key}"
        self._http._http = TestClient(create_app(self.runtime), headers=headers)  # type: ignore[assignment]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._http, name)

    def close(self) -> None:
        for w in self._workers:
            w.stop()
        self._http._http.close()
        self.runtime.close()


def connect(
    settings: Settings, tenant: str | None = None, api_key: str | None = None, workers: int = 0
) -> HttpClient | LocalClient:
    url = running_server(settings)
    if url:
        return HttpClient(url, tenant=tenant, api_key=api_key or settings.api_key)
    return LocalClient(settings, tenant=tenant, workers=workers)
