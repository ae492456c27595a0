"""What the CLI talks to: a running server over HTTP, or the system in-process.

Both return the API's JSON objects, so ``--json`` output is the same either way. In embedded mode
the server owns the index, so when one is up (its address is recorded in ``MEDIASIFT_HOME``) the
CLI must go through it.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import threading
import time
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast
from urllib.parse import quote

import httpx

from mediasift.config import Settings
from mediasift.errors import BackendUnavailable, MediasiftError
from mediasift.text_form import decoded_name

if TYPE_CHECKING:
    from mediasift.worker.loop import Worker

SERVER_FILE = "server.json"


class Client(Protocol):
    def upload(
        self,
        path: Path,
        collection: str,
        metadata: dict | None = None,
        subtitles: Sequence[Path] = (),
        source: str | None = None,
    ) -> dict[str, Any]: ...
    def job(self, job_id: str) -> dict[str, Any]: ...
    def jobs(
        self, status: str | None = None, limit: int = 100, ids: Sequence[str] | None = None
    ) -> list[dict[str, Any]]: ...
    def media_jobs(self, media_ids: Sequence[str], status: str | None = None) -> list[dict[str, Any]]: ...
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
        labels: list[str] | None = None,
        entities: list[str] | None = None,
        keywords: list[str] | None = None,
        languages: list[str] | None = None,
        paths: list[str] | None = None,
        min_quality: float | None = None,
        collections: list[str] | None = None,
        meta: list[str] | None = None,
        group_by: str | None = None,
        group_size: int | None = None,
        mode: str | None = None,
    ) -> dict[str, Any]: ...
    def media(self, media_id: str) -> dict[str, Any]: ...
    def media_list(
        self,
        *,
        collection: str | None = None,
        kind: str | None = None,
        status: str | None = None,
        limit: int = 50,
        source_prefix: str | None = None,
        offset: int = 0,
        cursor: str | None = None,
    ) -> dict[str, Any]: ...
    def delete(self, media_id: str) -> None: ...
    def follow(self, media_id: str, source: str, filename: str | None = None) -> dict[str, Any]: ...
    def subtitles(self, media_id: str) -> dict[str, Any]: ...
    def add_subtitles(self, media_id: str, files: Sequence[Path]) -> dict[str, Any]: ...
    def remove_subtitles(self, media_id: str, name: str | None = None) -> dict[str, Any]: ...
    def ask(self, question: str, filters: dict[str, Any] | None = None) -> dict[str, Any]: ...
    def facets(
        self,
        field: str,
        *,
        collections: list[str] | None = None,
        limit: int = 20,
        kinds: list[str] | None = None,
        languages: list[str] | None = None,
        labels: list[str] | None = None,
        entities: list[str] | None = None,
        keywords: list[str] | None = None,
        added_after: str | None = None,
        added_before: str | None = None,
        min_quality: float | None = None,
    ) -> dict[str, Any]: ...
    def put_taxonomy(self, name: str, document: Any) -> dict[str, Any]: ...
    def report(self, media_id: str, fmt: str) -> bytes: ...
    def quality(self, media_id: str, measure: bool = False) -> dict[str, Any]: ...
    def collection_report(self, name: str, fmt: str, limit: int | None = None) -> bytes: ...
    def convert(self, media_id: str, to: str, options: dict[str, Any]) -> dict[str, Any]: ...
    def conversion(self, media_id: str, conversion_id: str) -> dict[str, Any]: ...
    def conversions(self, media_id: str) -> list[dict[str, Any]]: ...
    def download(self, url: str, dest: Path) -> int: ...
    def taxonomies(self) -> list[dict[str, Any]]: ...
    def delete_taxonomy(self, name: str) -> dict[str, Any]: ...
    def nutrition(self, media_id: str) -> dict[str, Any]: ...
    def analyse_nutrition(self, media_id: str) -> dict[str, Any]: ...
    def correct_nutrition(self, media_id: str, correction: dict[str, Any]) -> dict[str, Any]: ...
    def put_workflow(self, collection: str, text: str, media_type: str) -> dict[str, Any]: ...
    def workflow(self, collection: str) -> dict[str, Any]: ...
    def delete_workflow(self, collection: str) -> dict[str, Any]: ...
    def apply_workflow(self, collection: str, rerun_changed: bool) -> dict[str, Any]: ...
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


# A refusal that says "later": 429 always; 503 only with Retry-After, since a backend that is down
# is better reported at once than waited for.
_RETRY_STATUSES = frozenset({429, 503})
MAX_RETRIES = 6  # with BACKOFF_BASE_S, about 30 s of waiting before the error reaches the user
BACKOFF_BASE_S = 0.5
MAX_WAIT_S = 30.0
JOBS_PER_REQUEST = 100  # ids per GET /v1/jobs?ids=…: keeps the request line well under 16 KiB
# media per GET /v1/jobs?media_id=…: their jobs fit the listing's 1,000 with a workflow of ~50 steps
MEDIA_PER_REQUEST = 20
MAX_LISTED = 1000  # the most jobs GET /v1/jobs answers


class HttpClient:
    """The API's calls over an ``httpx.Client``. A call refused with 429 (or 503 with
    ``Retry-After``) is sent again after the wait the server asks for, backing off exponentially
    when refused again, at most ``max_retries`` times; then its error is raised."""

    def __init__(
        self, http: httpx.Client, max_retries: int = MAX_RETRIES, max_wait_s: float = MAX_WAIT_S
    ) -> None:
        self._http, self.max_retries, self.max_wait_s = http, max_retries, max_wait_s

    def job_ends_seen(self) -> int:
        return 0  # the server's jobs end in another process: polling finds them

    def wait_for_job_end(self, seen: int, timeout_s: float) -> None:
        """Until the next look at the jobs (``LocalClient`` wakes when one of its own ends)."""
        time.sleep(timeout_s)

    def _check(self, response: httpx.Response, raw: bool = False) -> Any:
        """The answer's JSON, or its bytes when ``raw``; its error (a ``MediasiftError``) raised."""
        if response.status_code >= 400:
            try:
                body = response.json()
                err = MediasiftError(body.get("message", response.text))
                err.code = body.get("code", "error")
            except ValueError:
                err = MediasiftError(response.text)
            err.status = response.status_code
            if err.status == 401:  # the server names the HTTP headers; a command takes the key so
                err.message += " (the CLI sends MEDIASIFT_API_KEY: set it to a key of this server)"
            raise err
        if raw:
            return response.content
        return response.json() if response.content else None

    def _call(self, method: str, url: str, raw: bool = False, **kwargs: Any) -> Any:
        return self._with_retries(lambda: self._http.request(method, url, **kwargs), raw)

    def _with_retries(self, send: Callable[[], httpx.Response], raw: bool = False) -> Any:
        """``send`` must build its request afresh each time (a file body is read again)."""
        for attempt in range(self.max_retries + 1):
            try:
                response = send()
            except httpx.TransportError as exc:
                # The server went away mid-command (stopped, killed): one line saying so, exit 2,
                # not a traceback of the HTTP client's.
                where = str(getattr(self._http, "base_url", "")) or "the server"
                raise BackendUnavailable(
                    f"lost the connection to {where}: {str(exc) or type(exc).__name__}; "
                    "is `mediasift serve` still running?"
                ) from None
            wait = retry_wait_s(response, attempt, self.max_wait_s)
            if wait is None or attempt == self.max_retries:
                break
            time.sleep(wait)
        return self._check(response, raw)

    def upload(
        self,
        path: Path,
        collection: str,
        metadata: dict | None = None,
        subtitles: Sequence[Path] = (),
        source: str | None = None,
    ) -> dict[str, Any]:
        """``path`` uploaded, with ``subtitles`` (SubRip or WebVTT files) sent before it as its own;
        from ``source``, a new version of the media from there (``POST /v1/media``)."""
        data = {"collection": collection}
        if source is not None:
            data["source"] = source
        if metadata:
            data["metadata"] = json.dumps(metadata)
        beside = [("subtitles", (decoded_name(p.name), p.read_bytes())) for p in subtitles]

        def send() -> httpx.Response:
            with path.open("rb") as f:
                # a name on disk that is not UTF-8 could not be sent at all (the command failed)
                name = decoded_name(path.name)
                return self._http.post("/v1/media", files=[*beside, ("file", (name, f))], data=data)

        return self._with_retries(send)

    def job(self, job_id: str) -> dict[str, Any]:
        return self._call("GET", f"/v1/jobs/{job_id}")

    def jobs(
        self, status: str | None = None, limit: int = 100, ids: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        """Jobs newest first; with ``ids``, those jobs (any number: asked for in batches)."""
        params: dict[str, Any] = {"limit": limit}
        if status:
            params["status"] = status
        if ids is None:
            return self._call("GET", "/v1/jobs", params=params)["jobs"]
        found: list[dict[str, Any]] = []
        for start in range(0, len(ids), JOBS_PER_REQUEST):
            batch = list(ids[start : start + JOBS_PER_REQUEST])
            found += self._call("GET", "/v1/jobs", params={**params, "ids": batch})["jobs"]
        return found

    def media_jobs(self, media_ids: Sequence[str], status: str | None = None) -> list[dict[str, Any]]:
        """The jobs of these media (any number: asked for in batches), newest first in each
        batch; ``status`` one or several, separated by commas."""
        params: dict[str, Any] = {"limit": MAX_LISTED}
        if status:
            params["status"] = status
        found: list[dict[str, Any]] = []
        for start in range(0, len(media_ids), MEDIA_PER_REQUEST):
            batch = list(media_ids[start : start + MEDIA_PER_REQUEST])
            found += self._call("GET", "/v1/jobs", params={**params, "media_id": batch})["jobs"]
        return found

    def retry(self, job_id: str) -> dict[str, Any]:
        return self._call("POST", f"/v1/jobs/{job_id}/retry")

    def search(
        self,
        query: str | None,
        *,
        image: Path | None = None,
        kinds: list[str] | None = None,
        limit: int = 10,
        added_after: str | None = None,
        added_before: str | None = None,
        labels: list[str] | None = None,
        entities: list[str] | None = None,
        keywords: list[str] | None = None,
        languages: list[str] | None = None,
        paths: list[str] | None = None,
        min_quality: float | None = None,
        collections: list[str] | None = None,
        meta: list[str] | None = None,
        group_by: str | None = None,
        group_size: int | None = None,
        mode: str | None = None,
    ) -> dict[str, Any]:
        given = {
            "q": query,
            "mode": mode,  # hybrid (the API's default), keyword or vector
            "path": paths,  # src/*, *.py, src/*.py or a path (code)
            "meta": meta,  # key=value, e.g. sku=SKU-1
            "group_by": group_by,
        }
        params: dict[str, Any] = {
            "limit": str(limit),
            **{k: v for k, v in given.items() if v},
            **_filter_params(
                kinds,
                languages,
                labels,
                entities,
                keywords,
                added_after,
                added_before,
                min_quality,
                collections,
            ),
        }
        if group_by and group_size is not None:
            params["group_size"] = str(group_size)
        if image is None:
            return self._call("GET", "/v1/search", params=params)
        picture = image

        def send() -> httpx.Response:
            with picture.open("rb") as f:
                return self._http.post("/v1/search", files={"image": (picture.name, f)}, data=params)

        return self._with_retries(send)

    def media(self, media_id: str) -> dict[str, Any]:
        return self._call("GET", f"/v1/media/{media_id}")

    def media_list(
        self,
        *,
        collection: str | None = None,
        kind: str | None = None,
        status: str | None = None,
        limit: int = 50,
        source_prefix: str | None = None,
        offset: int = 0,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        """The tenant's media, newest first (``GET /v1/media``); ``cursor``: the page after the one
        whose ``next_cursor`` it is."""
        given = {
            "collection": collection, "kind": kind, "status": status, "source_prefix": source_prefix,
            "cursor": cursor,
        }  # fmt: skip
        params = {"limit": str(limit), "offset": str(offset), **{k: v for k, v in given.items() if v}}
        return self._call("GET", "/v1/media", params=params)

    def delete(self, media_id: str) -> None:
        self._call("DELETE", f"/v1/media/{media_id}")

    def follow(self, media_id: str, source: str, filename: str | None = None) -> dict[str, Any]:
        """The media follows ``source`` from now on, named ``filename`` where given (``PATCH
        /v1/media/{id}``)."""
        body = {"source": source} if filename is None else {"source": source, "filename": filename}
        return self._call("PATCH", f"/v1/media/{media_id}", json=body)

    def subtitles(self, media_id: str) -> dict[str, Any]:
        return self._call("GET", f"/v1/media/{media_id}/subtitles")

    def add_subtitles(self, media_id: str, files: Sequence[Path]) -> dict[str, Any]:
        """Subtitle files added to a media (``POST /v1/media/{id}/subtitles``): its pipeline runs again."""
        sent = [("subtitles", (decoded_name(p.name), p.read_bytes())) for p in files]
        return self._call("POST", f"/v1/media/{media_id}/subtitles", files=sent)

    def remove_subtitles(self, media_id: str, name: str | None = None) -> dict[str, Any]:
        """Every subtitle file of a media removed, or the one kept as ``name``."""
        if name is None:
            return self._call("DELETE", f"/v1/media/{media_id}/subtitles")
        return self._call("DELETE", f"/v1/media/{media_id}/subtitles/{quote(name, safe='')}")

    def ask(self, question: str, filters: dict[str, Any] | None = None) -> dict[str, Any]:
        """An answer with numbered citations (``POST /v1/ask``)."""
        return self._call("POST", "/v1/ask", json={"question": question, "filters": filters})

    def facets(
        self,
        field: str,
        *,
        collections: list[str] | None = None,
        limit: int = 20,
        kinds: list[str] | None = None,
        languages: list[str] | None = None,
        labels: list[str] | None = None,
        entities: list[str] | None = None,
        keywords: list[str] | None = None,
        added_after: str | None = None,
        added_before: str | None = None,
        min_quality: float | None = None,
    ) -> dict[str, Any]:
        """Media counted per value of ``field`` (``GET /v1/facets``), among those the filters
        leave, as ``search`` takes them."""
        filters = _filter_params(
            kinds, languages, labels, entities, keywords, added_after, added_before, min_quality, collections
        )
        return self._call("GET", "/v1/facets", params={"field": field, "limit": str(limit), **filters})

    def put_taxonomy(self, name: str, document: Any) -> dict[str, Any]:
        return self._call("PUT", f"/v1/taxonomies/{quote(name, safe='')}", json=document)

    def convert(self, media_id: str, to: str, options: dict[str, Any]) -> dict[str, Any]:
        """A conversion of the media (``POST /v1/media/{id}/conversions``): new, or the same one
        asked for before (``duplicate``)."""
        return self._call(
            "POST", f"/v1/media/{quote(media_id, safe='')}/conversions", json={"to": to, "options": options}
        )

    def conversion(self, media_id: str, conversion_id: str) -> dict[str, Any]:
        return self._call(
            "GET", f"/v1/media/{quote(media_id, safe='')}/conversions/{quote(conversion_id, safe='')}"
        )

    def conversions(self, media_id: str) -> list[dict[str, Any]]:
        return self._call("GET", f"/v1/media/{quote(media_id, safe='')}/conversions")["conversions"]

    def download(self, url: str, dest: Path) -> int:
        """Stream the file at ``url`` (an API path, or where it redirects: S3) to ``dest``; bytes written."""
        written = 0
        with self._http.stream("GET", url, follow_redirects=True) as response:
            if response.status_code >= 400:
                response.read()
                self._check(response)
            with dest.open("wb") as out:
                for block in response.iter_bytes(256 * 1024):
                    out.write(block)
                    written += len(block)
        return written

    def taxonomies(self) -> list[dict[str, Any]]:
        return self._call("GET", "/v1/taxonomies")["taxonomies"]

    def report(self, media_id: str, fmt: str) -> bytes:
        """A media's report as the API writes it (``GET /v1/media/{id}/report``): JSON, md or html."""
        return self._call("GET", f"/v1/media/{quote(media_id, safe='')}/report", True, params={"format": fmt})

    def quality(self, media_id: str, measure: bool = False) -> dict[str, Any]:
        """A media's quality (``GET /v1/media/{id}/quality``), or measured now (``POST``)."""
        return self._call("POST" if measure else "GET", f"/v1/media/{quote(media_id, safe='')}/quality")

    def collection_report(self, name: str, fmt: str, limit: int | None = None) -> bytes:
        """A collection's report (``GET /v1/collections/{name}/report``)."""
        params: dict[str, Any] = {"format": fmt, **({"limit": str(limit)} if limit is not None else {})}
        return self._call("GET", f"/v1/collections/{quote(name, safe='')}/report", True, params=params)

    def delete_taxonomy(self, name: str) -> dict[str, Any]:
        return self._call("DELETE", f"/v1/taxonomies/{quote(name, safe='')}")

    def nutrition(self, media_id: str) -> dict[str, Any]:
        """A media's nutrition results (404: not analysed; 409: an analysis is running)."""
        return self._call("GET", f"/v1/media/{quote(media_id, safe='')}/nutrition")

    def analyse_nutrition(self, media_id: str) -> dict[str, Any]:
        """Queue the analysis of a media's nutrition; the job."""
        return self._call("POST", f"/v1/media/{quote(media_id, safe='')}/nutrition")

    def correct_nutrition(self, media_id: str, correction: dict[str, Any]) -> dict[str, Any]:
        return self._call("PATCH", f"/v1/media/{quote(media_id, safe='')}/nutrition", json=correction)

    def put_workflow(self, collection: str, text: str, media_type: str) -> dict[str, Any]:
        """Set a collection's workflow from a document's text (YAML or JSON, as ``media_type``)."""
        return self._call(
            "PUT",
            f"/v1/collections/{quote(collection, safe='')}/workflow",
            content=text.encode(),
            headers={"Content-Type": media_type},
        )

    def workflow(self, collection: str) -> dict[str, Any]:
        return self._call("GET", f"/v1/collections/{quote(collection, safe='')}/workflow")

    def delete_workflow(self, collection: str) -> dict[str, Any]:
        return self._call("DELETE", f"/v1/collections/{quote(collection, safe='')}/workflow")

    def apply_workflow(self, collection: str, rerun_changed: bool) -> dict[str, Any]:
        """What the collection's workflow re-runs on its media (queued with ``rerun_changed``)."""
        return self._call(
            "POST",
            f"/v1/collections/{quote(collection, safe='')}/workflow/apply",
            params={"rerun_changed": "true" if rerun_changed else "false"},
        )

    def close(self) -> None:
        self._http.close()


def retry_wait_s(response: httpx.Response, attempt: int, max_wait_s: float = MAX_WAIT_S) -> float | None:
    """Seconds to wait before sending again after ``response`` (the ``attempt``-th, from 0), or
    None when it should not be sent again: the server's ``Retry-After``, or more once refused
    repeatedly (exponential, with up to 20 % jitter so that clients refused together spread out)."""
    if response.status_code not in _RETRY_STATUSES:
        return None
    asked = _retry_after_s(response.headers.get("retry-after"))
    if asked is None and response.status_code != 429:
        return None
    backoff = BACKOFF_BASE_S * 2**attempt * random.uniform(1.0, 1.2)
    return min(max_wait_s, max(asked or 0.0, backoff))


def _retry_after_s(value: str | None) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP date."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds()) if when.tzinfo else None


def _headers(tenant: str | None, api_key: str | None) -> dict[str, str]:
    headers = {}
    if tenant:
        headers["X-Mediasift-Tenant"] = tenant
    if api_key:  # keys apply in-process too: the CLI is one more API client
        headers["Authorization"] = f"Bearer {api_key}"
    return headers


# The longest a closing command waits for a background model load (loads take seconds; this only
# bounds a load that never ends).
_PRELOAD_WAIT_S = 300.0


def _filter_params(
    kinds: list[str] | None,
    languages: list[str] | None,
    labels: list[str] | None,
    entities: list[str] | None,
    keywords: list[str] | None,
    added_after: str | None,
    added_before: str | None,
    min_quality: float | None,
    collections: list[str] | None,
) -> dict[str, Any]:
    """The search filters given, as ``/v1/search`` and ``/v1/facets`` name their query parameters
    (labels, entities and keywords in the API's encoded forms: taxonomy:label, TYPE:text)."""
    given = {
        "kind": kinds,
        "language": languages,
        "label": labels,
        "entity": entities,
        "keyword": keywords,
        "added_after": added_after,
        "added_before": added_before,
        "collection": collections,
    }
    params: dict[str, Any] = {k: v for k, v in given.items() if v}
    if min_quality is not None:
        params["min_quality"] = str(min_quality)
    return params


class LocalClient:
    """The same calls, served by the FastAPI app in-process (no socket): one code path for both.
    Its requests are not rate-limited: the process is its own server (``api.deps.in_process``)."""

    def __init__(
        self,
        settings: Settings,
        tenant: str | None = None,
        api_key: str | None = None,
        workers: int = 0,
        preload: Sequence[str] = (),
        routers: Collection[str] | None = None,
        sources: Sequence[tuple[str, int]] = (),
    ) -> None:
        from mediasift.ops.readiness import Readiness
        from mediasift.runtime import open_runtime

        self.runtime = open_runtime(settings)
        # The models the command will need (``preload``; with workers, ``preload_models`` too) load
        # now, beside the API's import and build, rather than in its first request or job: until
        # then the cores are otherwise this thread's alone, and the engines load outside the GIL.
        # Not where every file of ``sources`` (source, size) is a media already, at its size: a
        # folder ingested again unchanged had loaded them for nothing (19 s and ~1 GB for a
        # folder of videos); a job that does come loads what it needs itself.
        self._readiness = Readiness(self.runtime)
        if (workers or preload) and not self._unchanged(sources, tenant or settings.default_tenant):
            self._readiness.start(preload=True, first=preload, only=not workers)

        from fastapi.testclient import TestClient

        from mediasift.api.app import create_app
        from mediasift.api.deps import in_process

        # A command without workers (a search, a listing) does not import their loop and the
        # pipeline's stages behind it (~0.1 s of a cold search).
        self._workers: list[Worker] = []
        if workers:
            from mediasift.worker.loop import start_worker_threads

            self._workers = start_worker_threads(self.runtime, workers)
            self._interrupted = False
            self._sigint: Any = None  # the handler before this client's, given back at close
            if threading.current_thread() is threading.main_thread():
                self._sigint = signal.signal(signal.SIGINT, self._on_interrupt)
        # models load when a command needs them; only the routers it calls are imported
        app = in_process(create_app(self.runtime, preload=False, routers=routers))
        # Starlette's TestClient is an httpx2.Client, the same API as httpx's Client
        test_client = cast(httpx.Client, TestClient(app, headers=_headers(tenant, api_key)))
        self._http = HttpClient(test_client)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._http, name)

    def _unchanged(self, sources: Sequence[tuple[str, int]], tenant: str) -> bool:
        from mediasift.services.versions import all_unchanged

        try:
            return all_unchanged(self.runtime, tenant, sources)
        except MediasiftError:  # only a guess ahead: the uploads say what the catalog thinks
            return False

    def job_ends_seen(self) -> int:
        return self.runtime.job_ends.count

    def wait_for_job_end(self, seen: int, timeout_s: float) -> None:
        """Until a job run by this process's workers ends (after ``seen``), at most ``timeout_s``:
        ``ingest --wait`` sees its last job end at once, not at its next poll."""
        self.runtime.job_ends.wait(seen, timeout_s)

    def _on_interrupt(self, signum: int, frame: Any) -> None:
        """Ctrl-C: the command stops now, and ``close`` gives the running jobs back at once rather
        than waiting out their grace (a single Ctrl-C had taken up to 100 s, silently)."""
        self._interrupted = True
        signal.signal(signal.SIGINT, signal.default_int_handler)
        raise KeyboardInterrupt

    def close(self) -> None:
        if self._workers:
            from mediasift.worker.loop import exit_abandoning, stop_workers

            # A job these workers took on finishes (or, past the grace, goes back to the queue)
            # before the runtime closes: a model still running when the interpreter exits aborts
            # the process (ONNX Runtime: "terminate called without an active exception") after
            # the command printed its result.
            if self._sigint is not None and not self._interrupted:
                signal.signal(signal.SIGINT, self._sigint)
            grace = 0.0 if self._interrupted else self.runtime.settings.shutdown_grace_s
            if abandoned := stop_workers(self._workers, grace):
                said = "interrupted" if self._interrupted else f"still running after {grace:g} s"
                sys.stderr.write(
                    f"{said}: {abandoned} job(s) went back to the queue; the next "
                    "`mediasift ingest --wait` or `mediasift serve` runs them\n"
                )
                exit_abandoning(130 if self._interrupted else 1)
        # A model still loading (its job failed before it needed it) ends its load before the
        # runtime closes and the interpreter exits: ONNX Runtime's sessions are waited for at exit
        # (``models/onnx_session.py``), CTranslate2's Whisper and the Python around them are not.
        self._readiness.wait_preloaded(_PRELOAD_WAIT_S)
        self._http.close()
        self.runtime.close()


def connect(
    settings: Settings,
    tenant: str | None = None,
    api_key: str | None = None,
    workers: int = 0,
    preload: Sequence[str] = (),
    routers: Collection[str] | None = None,
    sources: Sequence[tuple[str, int]] = (),
) -> HttpClient | LocalClient:
    """A client of the running server, else of an API in this process (with ``workers`` worker
    threads, and ``preload``, names of ``ops.readiness.PRELOADABLE``, loading in the background:
    the models the command will need; a server has its own). ``routers``: those the command calls
    (``api.app.ROUTERS``' names), for an API in this process; every one by default. ``sources``:
    the files (source, size) the command will upload, whose models are not loaded ahead where all
    of them are media already, at their size (``LocalClient``)."""
    api_key = api_key or settings.api_key
    url = running_server(settings)
    if url:
        return HttpClient(httpx.Client(base_url=url, headers=_headers(tenant, api_key), timeout=60.0))
    return LocalClient(
        settings,
        tenant=tenant,
        api_key=api_key,
        workers=workers,
        preload=preload,
        routers=routers,
        sources=sources,
    )
