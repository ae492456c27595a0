"""The ``mediasift`` command line (Typer + Rich)."""

from __future__ import annotations

import functools
import glob
import logging
import os
import re
import signal
import threading
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from mediasift.cli import waiting
from mediasift.cli.client import MAX_LISTED, connect, record_server
from mediasift.cli.convert import conversions_command, convert_command
from mediasift.cli.doctor_command import doctor_command
from mediasift.cli.facets import facets_command
from mediasift.cli.filter_options import (
    AddedAfterOpt,
    AddedBeforeOpt,
    EntityOpt,
    KeywordOpt,
    KindOpt,
    LabelOpt,
    LanguageOpt,
    MinQualityOpt,
    PathOpt,
    encoded,
)
from mediasift.cli.nutrition import nutrition_command
from mediasift.cli.ops import check_serve_binding, keys_app, reindex_command, retention_app
from mediasift.cli.output import announce, stdout_console
from mediasift.cli.output import fail as _fail
from mediasift.cli.output import print_json as _print_json
from mediasift.cli.quality import quality_command
from mediasift.cli.report import report_command
from mediasift.cli.taxonomy import taxonomy_app
from mediasift.cli.workflow import workflow_app
from mediasift.config import Settings
from mediasift.errors import InvalidRequest, MediasiftError
from mediasift.media.subtitle_format import SUBTITLE_EXTENSIONS, TIMED_EXTENSIONS
from mediasift.ops.logs import configure_logging
from mediasift.ops.tracing import setup_tracing

if TYPE_CHECKING:
    from mediasift.runtime import Runtime

app = typer.Typer(help="Find and ask about what is inside your media.", no_args_is_help=True)


def _version(value: bool) -> None:
    if value:
        from mediasift import __version__

        print(f"mediasift {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit")
    ] = False,
) -> None:
    """Find and ask about what is inside your media."""


dlq_app = typer.Typer(help="The dead-letter queue: jobs out of attempts.", no_args_is_help=True)
media_app = typer.Typer(help="Inspect or delete media.", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")
app.add_typer(media_app, name="media")
app.add_typer(keys_app, name="keys")
app.add_typer(retention_app, name="retention")
app.add_typer(taxonomy_app, name="taxonomy")
app.add_typer(workflow_app, name="workflow")
app.command("reindex")(reindex_command)
app.command("doctor")(doctor_command)
app.command("facets")(facets_command)
app.command("report")(report_command)
app.command("convert")(convert_command)
app.command("conversions")(conversions_command)
app.command("nutrition")(nutrition_command)
app.command("quality")(quality_command)


class SearchMode(StrEnum):
    hybrid = "hybrid"
    keyword = "keyword"
    vector = "vector"


console = Console(stderr=True, soft_wrap=True)
CODE_LINES_SHOWN = 4  # of a code hit, under its path:lines

TenantOpt = Annotated[
    str | None, typer.Option("--tenant", help="Tenant to act as (default: the default tenant)")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON objects as the API returns them")]


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default from settings: 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port (default 8000)")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker threads in this process")] = None,
    no_workers: Annotated[bool, typer.Option("--no-workers", help="API only (scale-out)")] = False,
    preload: Annotated[
        list[str] | None,
        typer.Option(
            "--preload",
            help="A model to load at start, which /ready waits for: text, image, asr or ocr; repeatable "
            "(default from settings: text)",
        ),
    ] = None,
) -> None:
    """Run the API and workers in one process on the configured backends."""
    from mediasift.api.app import create_app
    from mediasift.api.http_server import build_server
    from mediasift.ops.readiness import PRELOADABLE
    from mediasift.runtime import open_runtime
    from mediasift.worker.loop import exit_abandoning, start_worker_threads

    settings = Settings()
    if preload:
        if unknown := sorted(set(preload) - set(PRELOADABLE)):
            choices = ", ".join(PRELOADABLE)
            raise typer.BadParameter(f"unknown model {', '.join(unknown)}; choose from {choices}")
        settings = settings.model_copy(update={"preload_models": list(dict.fromkeys(preload))})
    configure_logging(settings.log_level, settings.log_format)
    setup_tracing(settings)
    host = host or settings.host
    port = port if port is not None else settings.port
    _check_port_free(host, port)
    try:
        rt = open_runtime(settings)
    except MediasiftError as exc:
        _fail(exc)
    check_serve_binding(settings, host, rt.catalog)  # open mode only on loopback
    count = 0 if no_workers else (workers if workers is not None else settings.workers)
    if not count and settings.index == "edge":
        # The embedded index is this process's alone: no `mediasift worker` can open it, so the
        # jobs this API queues would wait for ever.
        announce(
            "warning: no worker threads with the embedded index: no other process can run the jobs "
            "(use scale-out backends for separate workers, or leave out --no-workers)",
            level=logging.WARNING,
        )
    if count:
        _take_back_jobs_of_dead_processes(rt)
    pool = start_worker_threads(rt, count)
    metrics_server = None
    if settings.metrics_port:
        from mediasift.ops.metrics import serve_worker_metrics

        # Loopback only: whoever shares the host or the task (a collector sidecar) scrapes it keyless.
        metrics_server = serve_worker_metrics(rt, "127.0.0.1", settings.metrics_port, queue=True)
    server = build_server(create_app(rt), host, port)
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    info_file = record_server(settings, url)
    announce(f"mediasift serving on {url} with {count} worker thread(s); data in {settings.home}")
    # uvicorn re-raises the signal that stopped it once it has drained open requests; with the
    # default handlers that would kill the process before the workers' graceful stop below.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    try:
        server.run()
    finally:
        info_file.unlink(missing_ok=True)
        if metrics_server is not None:
            metrics_server.shutdown()
        if _stop_pool(settings, pool):
            exit_abandoning(0)
        rt.close()


def _stop_pool(settings: Settings, pool: list[Any]) -> int:
    """``stop_workers``, said: a stop that waits for running jobs had logged nothing, so a slow
    stop looked like a hang. Returns how many jobs went back to the queue."""
    from mediasift.worker.loop import stop_workers

    running = [job for w in pool if (job := w.running_job)]
    grace = settings.shutdown_grace_s
    waiting = f": waiting up to {grace:g} s for {len(running)} running job(s)" if running else ""
    announce(f"stopping{waiting}")
    abandoned = stop_workers(pool, grace)
    said = f": {abandoned} job(s) still running after {grace:g} s went back to the queue" if abandoned else ""
    announce(f"stopped{said}", level=logging.WARNING if abandoned else logging.INFO)
    return abandoned


def _check_port_free(host: str, port: int) -> None:
    """A port another server holds is said before anything starts (it had printed "serving on …"
    and then exited 3)."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            said = f"error port: cannot listen on {host}:{port}: {exc.strerror} (another server?)"
            announce(said, markup=escape(said), level=logging.ERROR)
            raise typer.Exit(2) from None


def _take_back_jobs_of_dead_processes(rt: Runtime) -> None:
    """A server killed mid-job (kill -9, out of memory) left its jobs leased; its successor runs
    them again now rather than after their leases run out (120 s by default)."""
    released = rt.queue.release_leases_of_gone_holders()
    if released:
        said = f"took back {len(released)} job(s) whose process had died: {', '.join(released)}"
        announce(said, level=logging.WARNING)


@app.command()
def worker(
    threads: Annotated[int | None, typer.Option(help="Worker threads (default from settings)")] = None,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve /metrics and /health here (default from settings; 0: off)")
    ] = None,
    metrics_host: Annotated[str | None, typer.Option(help="Address for --metrics-port")] = None,
) -> None:
    """Run workers only (against the configured scale-out backends, or the embedded ones)."""
    from mediasift.runtime import open_runtime
    from mediasift.worker.loop import exit_abandoning, start_worker_threads

    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    setup_tracing(settings)
    try:
        rt = open_runtime(settings)
    except MediasiftError as exc:
        _fail(exc)
    from mediasift.cli.doctor import check_shared_index

    if (shared := check_shared_index(settings)) is not None:
        # It opened: no other process holds this index, so what this worker indexes lands where
        # only this process searches (the API beside it had found none of its media, silently).
        announce(f"warning: {shared.detail}; fix: {shared.fix}", level=logging.WARNING)
    pool = start_worker_threads(rt, threads or settings.workers)
    port = settings.worker_metrics_port if metrics_port is None else metrics_port
    server = None
    if port:
        from mediasift.ops.metrics import serve_worker_metrics

        server = serve_worker_metrics(rt, metrics_host or settings.worker_metrics_host, port)
        bound_host, bound_port = server.socket.getsockname()[:2]
        announce(f"metrics on http://{bound_host}:{bound_port}/metrics")
    stop = threading.Event()
    # SIGTERM is graceful: no new jobs; the running ones finish within MEDIASIFT_SHUTDOWN_GRACE_S,
    # else their leases are released so another worker takes them at once.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    announce(f"mediasift worker: {len(pool)} thread(s)")
    stop.wait()
    abandoned = _stop_pool(settings, pool)
    if server is not None:
        server.shutdown()
    if abandoned:
        exit_abandoning(0)
    rt.close()


# Audio and video a subtitle file can be beside.
_TIMED = TIMED_EXTENSIONS
_SUBTITLES = frozenset(SUBTITLE_EXTENSIONS)


def subtitles_beside(files: list[Path]) -> dict[Path, list[Path]]:
    """The subtitle files of ``files`` that belong to one of its videos or audio files, as players
    pair them: in the same folder, named as the media is, with a language or "forced" between
    ("talk.mp4": "talk.srt", "talk.es.srt", "talk.en.forced.vtt"). They are sent with it, not as
    media of their own; a subtitle file that matches no media stays one."""
    media: dict[tuple[Path, str], Path] = {
        (f.parent, f.stem.lower()): f for f in files if f.suffix.lower() in _TIMED
    }
    beside: dict[Path, list[Path]] = {}
    for f in files:
        if f.suffix.lower() not in _SUBTITLES:
            continue
        words = f.name.lower().split(".")[:-1]
        # the longest name that is a media's: "talk.part2.es.srt" goes with "talk.part2.mp4"
        for end in range(len(words), 0, -1):
            owner = media.get((f.parent, ".".join(words[:end])))
            if owner is not None:
                beside.setdefault(owner, []).append(f)
                break
    return beside


def _subtitles_near(files: list[Path]) -> list[Path]:
    """The subtitle files beside the videos and audio of ``files`` that ``files`` does not hold
    (a media named alone: ``mediasift ingest talk.mp4`` sends ``talk.es.srt`` too)."""
    given = set(files)
    return [
        near
        for f in files
        if f.suffix.lower() in _TIMED
        for near in sorted(f.parent.glob(f"{glob.escape(f.stem)}.*"))
        if near.suffix.lower() in _SUBTITLES and near not in given and near.is_file()
    ]


def _files(paths: list[Path], repositories: bool = False) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir() and repositories:
            found.append(path)
        elif path.is_dir():
            found.extend(_folder_files(path))
        elif path.is_file():
            found.append(path)
        else:
            raise typer.BadParameter(f"{path} does not exist")
    return found


def _folder_files(folder: Path) -> list[Path]:
    """The files under ``folder``, sorted, leaving out hidden ones and everything in a hidden
    folder (a project's ``.git`` had become twenty media, four of them dead) and not following
    links to folders (a loop of them would never end)."""
    found: list[Path] = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(p for name in names if not name.startswith(".") and (p := Path(root, name)).is_file())
    return sorted(found)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files and folders (recursively)")],
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait until every job ends; exit 1 if any failed")
    ] = False,
    as_json: JsonOpt = False,
    tenant: TenantOpt = None,
    collection: Annotated[str, typer.Option(help="Collection to file the media under")] = "default",
    repo: Annotated[
        bool,
        typer.Option(
            "--repo",
            help="Upload each folder as one code repository (a .tar.gz of its source files: .git, "
            "vendored folders and what its .gitignore files ignore left out)",
        ),
    ] = False,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune",
            help="Delete the media of files ingested from these folders before that are no longer "
            "there (moved or deleted), so the media stay in step with the folders",
        ),
    ] = False,
) -> None:
    """Ingest files and folders (with --repo, each folder as one code repository).

    Subtitle files named for a video of their folder (talk.srt, talk.es.srt) go with it (talk.mp4).
    A file ingested before from the same path is a new version of its media when its bytes changed
    (the same media, processed again), and nothing new when they did not."""
    settings = Settings()
    if prune and repo:
        raise typer.BadParameter("--prune keeps a folder's files in step; with --repo a folder is one media")
    files = _files(paths, repositories=repo)
    workers = settings.workers if wait else 0
    preload = _models_for(files) if workers else []
    ahead = (
        [(file_source(f), f.stat().st_size) for f in files[:_SNIFFED_AHEAD] if f.is_file()] if workers else []
    )
    try:
        client = connect(
            settings, tenant=tenant, workers=workers, preload=preload, routers=_INGEST_ROUTES, sources=ahead
        )
    except MediasiftError as exc:
        _fail(exc)
    uploads: list[dict[str, Any]] = []
    sent: list[Path] = []  # the file (or folder) of each upload
    beside = {} if repo else subtitles_beside(files + _subtitles_near(files))
    paired = {subtitles for found in beside.values() for subtitles in found}
    files = [f for f in files if f not in paired]
    try:
        for path in files:
            if path.is_dir():
                packed = _upload_repository(client, path, collection)
                if packed is not None:
                    sent.append(path)
                    uploads.append(packed)
                continue
            sent.append(path)
            uploads.append(
                client.upload(path, collection, subtitles=beside.get(path, []), source=file_source(path))
            )
        _follow_moves(client, sent, uploads)
        kept = {u["media"]["id"] for u in uploads}
        pruned = _prune(client, [p for p in paths if p.is_dir()], kept) if prune else []
        # Files of the same bytes (three empty ones) are one media with one job: waited for and
        # shown once, not once a file.
        # A duplicate's job that ended before this run is not this run's: a folder ingested again
        # with an old corrupt file in it had exited 1 every time, nothing new having failed.
        jobs = list({u["job"]["id"]: u["job"] for u in uploads if u.get("job") and _this_runs(u)}.values())
        steps: list[dict[str, Any]] = []
        if wait:
            jobs, steps = waiting.wait_for(client, jobs, quiet=as_json)
            if as_json:  # the media as the jobs left them, not as the upload found them
                for u in uploads:
                    now = client.media(u["media"]["id"])
                    u["media"] = {key: now.get(key, value) for key, value in u["media"].items()}
    except MediasiftError as exc:
        _fail(exc)
    finally:
        client.close()
    named = [(path.name, u) for path, u in zip(sent, uploads, strict=True)]
    again = [(name, u["media"]) for name, u in named if u.get("duplicate")]
    replaced = [(name, u["media"]) for name, u in named if u.get("replaced")]
    if as_json:
        _print_json(
            {
                "media": [u["media"] for u in uploads],
                "jobs": jobs,
                "steps": steps,
                "duplicates": [m["id"] for _, m in again],
                "replaced": [m["id"] for _, m in replaced],
                "deleted": [m["id"] for m in pruned],
            }
        )
    else:
        waiting.print_outcome(jobs, steps)
        _print_replaced(replaced, collection)
        _print_pruned(pruned)
        _print_duplicates(again, collection)
    if wait and not waiting.all_succeeded(jobs + steps):
        raise typer.Exit(1)


_ENDED = ("succeeded", "dead", "cancelled")


def _this_runs(upload: dict[str, Any]) -> bool:
    """Whether an upload's job is this run's to wait for: a new media's or a new version's, or a
    duplicate's still running."""
    return not upload.get("duplicate") or upload["job"].get("status") not in _ENDED


def file_source(path: Path) -> str:
    """What a file's media follows: ``file://host/absolute/path`` (RFC 8089), so the same path
    ingested again is a new version of it, and the same path on another machine is another file."""
    return "file://" + _host() + path.resolve().as_uri().removeprefix("file://")


@functools.cache
def _host() -> str:
    import socket

    return socket.gethostname()


def _source_path(source: str) -> Path | None:
    """The path on this machine a ``file_source`` names; None for another machine's or another
    kind of source."""
    from urllib.parse import unquote_to_bytes

    here = "file://" + _host()
    if not source.startswith(here + "/"):
        return None
    return Path(os.fsdecode(unquote_to_bytes(source.removeprefix(here))))


def _follow_moves(client, files: list[Path], uploads: list[dict[str, Any]]) -> None:  # type: ignore[no-untyped-def]
    """A file ingested before at a path that is gone (moved, renamed) is the same bytes, so the
    same media: it follows the file's new path from now on, so that the file's next change is a
    new version of it rather than a media of its own."""
    for path, upload in zip(files, uploads, strict=True):
        media, here = upload["media"], file_source(path)
        was = _source_path(media.get("source") or "")
        if upload.get("duplicate") and media.get("source") != here and was is not None and not was.exists():
            renamed = path.name if path.name != was.name else None  # a file renamed as it moved
            upload["media"] = client.follow(media["id"], here, renamed)


def _prune(client, folders: list[Path], kept: set[str]) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Delete the media ingested from a file under ``folders`` that is no longer there, except
    those ``kept``: the media of this run's files (a copy's media may follow another path)."""
    gone: dict[str, dict[str, Any]] = {}
    for folder in folders:
        prefix = file_source(folder).removesuffix("/") + "/"
        cursor = None
        while True:  # by cursor: media added or deleted meanwhile shift no page
            page = client.media_list(source_prefix=prefix, limit=MAX_LISTED, cursor=cursor)
            for m in page["media"]:
                path = _source_path(m["source"])
                if m["id"] not in kept and path is not None and not path.exists():
                    gone[m["id"]] = m
            cursor = page.get("next_cursor")
            if not cursor:
                break
    for media_id in gone:
        client.delete(media_id)
    return list(gone.values())


def _print_pruned(media: list[dict[str, Any]]) -> None:
    if not media:
        return
    count = len(media)
    console.print(f"{count} media deleted: {'their files are' if count > 1 else 'its file is'} gone")
    for m in media:
        console.print(f"  {m['filename']}: media {m['id']} ({m['source']})", markup=False)


def _print_replaced(media: list[tuple[str, dict[str, Any]]], collection: str) -> None:
    """Files changed since they were ingested: new versions of their media."""
    if media:
        count = len(media)
        console.print(
            f"{count} file{'s' if count > 1 else ''} changed since ingested: the same media, processed again"
        )
        _print_media(media, collection)


def _print_duplicates(media: list[tuple[str, dict[str, Any]]], collection: str) -> None:
    """Files whose bytes were ingested before: their media is kept as it is (its collection too)."""
    if media:
        count = len(media)
        files = f"{count} file{'s' if count > 1 else ''}"
        failed = sum(m.get("status") == "failed" for _, m in media)
        # an earlier run's failure is not this run's (exit 0), but it is said: those stay unfound
        also = (
            f"; {failed} of them failed then and {'is' if failed == 1 else 'are'} not searchable "
            "(fix the file or reprocess)"
            if failed
            else ""
        )
        console.print(f"{files} ingested before (the same bytes): kept as they are{also}", soft_wrap=True)
        _print_media(media, collection)


def _print_media(media: list[tuple[str, dict[str, Any]]], collection: str) -> None:
    """Each file ingested and its media: its name where the file's is another (a copy), and its
    collection where it stays in another than the one asked for."""
    for name, m in media:
        also = f" ({m['filename']})" if m["filename"] != name else ""
        elsewhere = f", not moved to {collection!r}" if m["collection"] != collection else ""
        failed = f": failed ({m.get('error') or 'no error recorded'})" if m.get("status") == "failed" else ""
        console.print(
            f"  {name}: media {m['id']}{also} in {m['collection']!r}{elsewhere}{failed}",
            markup=False,
            soft_wrap=True,
        )


# What ``ingest`` calls: POST /v1/media, then GET /v1/jobs while it waits.
_INGEST_ROUTES = ("media", "jobs")

# ``ingest --wait`` reads what kind of media this many of its files are, to load their models ahead.
_SNIFFED_AHEAD = 20


def _models_for(files: list[Path]) -> list[str]:
    """The models the first ``_SNIFFED_AHEAD`` of ``files`` will need besides the text model (a
    video: speech, OCR, pictures): the in-process workers of ``ingest --wait`` then load them beside
    the API's import and build, not inside their first jobs (a cold 54-s video: 9.6 -> 8.6 s).
    A file that cannot be read as media is left to its job, which says why."""
    from mediasift.media.sniff import sniff
    from mediasift.ops.readiness import models_for_kinds

    kinds = set()
    for path in files[:_SNIFFED_AHEAD]:
        if path.is_dir():  # a repository (``--repo``): code, the text model's
            continue
        try:
            kinds.add(sniff(path, path.name).kind)
        except Exception:  # only a guess ahead: the upload and its job judge the file
            continue
    return models_for_kinds(kinds)


def _upload_repository(client, folder: Path, collection: str) -> dict[str, Any] | None:  # type: ignore[no-untyped-def]
    """``folder`` packed as ``<name>.tar.gz`` (as code extraction reads it) and uploaded; None,
    and a line saying so, when it holds no source file to read (its job could only fail)."""
    import tempfile

    from mediasift.extract.code.archives import pack_folder

    folder = folder.resolve()
    with tempfile.TemporaryDirectory(prefix="mediasift-repo-") as scratch:
        archive = Path(scratch) / f"{folder.name or 'repository'}.tar.gz"
        if not pack_folder(folder, archive):
            console.print(
                f"{folder}: no source files to read (only vendored, generated, ignored or other "
                "kinds of files); not ingested",
                markup=False,
                soft_wrap=True,
            )
            return None
        return dict(client.upload(archive, collection, source=file_source(folder)))


@app.command()
def search(
    query: Annotated[str | None, typer.Argument(help="What to look for")] = None,
    image: Annotated[Path | None, typer.Option("--image", help="Search by a picture")] = None,
    kind: KindOpt = None,
    language: LanguageOpt = None,
    path: PathOpt = None,
    limit: Annotated[int, typer.Option(help="How many hits")] = 10,
    added_after: AddedAfterOpt = None,
    added_before: AddedBeforeOpt = None,
    label: LabelOpt = None,
    entity: EntityOpt = None,
    keyword: KeywordOpt = None,
    min_quality: MinQualityOpt = None,
    collection: Annotated[
        list[str] | None, typer.Option(help="Only media of this collection; repeatable")
    ] = None,
    meta: Annotated[
        list[str] | None,
        typer.Option(
            help="Only media with this metadata, key=value (e.g. sku=SKU-1); repeatable, all must match"
        ),
    ] = None,
    group_by: Annotated[
        str | None,
        typer.Option(
            help="One group per value of this metadata key (e.g. sku: which products?); --limit counts groups"
        ),
    ] = None,
    group_size: Annotated[int, typer.Option(min=1, max=20, help="With --group-by: hits kept per group")] = 3,
    mode: Annotated[
        SearchMode,
        typer.Option(help="hybrid: words and meaning; keyword: the words only; vector: the meaning only"),
    ] = SearchMode.hybrid,
    as_json: JsonOpt = False,
    tenant: TenantOpt = None,
) -> None:
    """Search everything: the second of a video, the page of a document, similar images, or with
    --group-by sku the products that look like a photo.

    Filters of one option match any of their values; different options must all match.
    """
    if not query and image is None:
        raise typer.BadParameter("give a query, --image, or both")
    try:
        client = connect(Settings(), tenant=tenant, routers=("search",))
        try:
            result = client.search(
                query,
                image=image,
                kinds=kind,
                limit=limit,
                added_after=added_after,
                added_before=added_before,
                labels=encoded(label),
                entities=encoded(entity),
                keywords=keyword or None,
                languages=language or None,
                paths=path or None,
                min_quality=min_quality,
                collections=collection or None,
                meta=meta or None,
                group_by=group_by,
                group_size=group_size if group_by else None,
                mode=None if mode is SearchMode.hybrid else mode.value,
            )
        finally:
            client.close()
    except MediasiftError as exc:
        _fail(exc)
    if group_by:
        _print_groups(result["groups"] or [], as_json, query or "")
        return
    if as_json:
        _print_json(result["hits"])
        return
    out = stdout_console()
    if not result["hits"]:
        out.print("no hits")
    _print_hits(out, result["hits"], query=query or "")


def _print_groups(groups: list[dict[str, Any]], as_json: bool, query: str = "") -> None:
    """One heading per group (a product: its key=value and best score), its best hits under it."""
    if as_json:
        _print_json(groups)
        return
    out = stdout_console()
    if not groups:
        out.print("no groups: no hit's media has that metadata key")
    for i, group in enumerate(groups, 1):
        out.print(f"[bold]{i}. {group['key']}={group['value']}[/bold] [dim]{group['score']:.4f}[/dim]")
        _print_hits(out, group["hits"], indent="   ", query=query)


def snippet(text: str, query: str, width: int = 200) -> str:
    """``width`` characters of ``text`` around the first of the query's words it holds (by stem,
    accents aside), from a word's start, marked "…" where cut; its start when it holds none."""
    from mediasift.enrich.terms import terms  # its stemmers: loaded by a search, not by `--help`

    text = " ".join(text.split())
    if len(text) <= width:
        return text
    asked = set().union(*terms(query)) if query else set()
    at = next(
        (m.start() for m in re.finditer(r"\w+", text) if asked and any(s & asked for s in terms(m.group()))),
        0,
    )
    start = 0 if at < width // 3 else text.rfind(" ", 0, at - width // 3) + 1
    end = min(len(text), start + width)
    if end < len(text) and (space := text.rfind(" ", start, end)) > start:
        end = space
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def _print_hits(out: Console, hits: list[dict[str, Any]], indent: str = "", query: str = "") -> None:
    for i, hit in enumerate(hits, 1):
        where = _where(hit)
        out.print(
            f"{indent}[bold]{i}. {hit['filename']}[/bold] {where} "
            f"[dim]{hit['modality']} {hit['score']:.4f}[/dim]"
        )
        if hit.get("cite"):  # code: what it is, then its first lines as they are in the file
            if hit.get("symbol"):
                out.print(
                    f"{indent}   {(hit.get('meta') or {}).get('symbol_kind', '')} {hit['symbol']}".rstrip(),
                    markup=False,
                )
            for line in hit["text"].splitlines()[:CODE_LINES_SHOWN]:
                out.print(f"{indent}   {line[:120]}", markup=False, highlight=False)
        elif hit["text"]:
            out.print(f"{indent}   {snippet(hit['text'], query)}", markup=False)


def _where(hit: dict[str, Any]) -> str:
    if hit.get("cite"):  # code: path:line_start-line_end
        return str(hit["cite"])
    if hit.get("start_s") is not None:
        s = int(hit["start_s"])
        return (
            f"@ {s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
            if s >= 3600
            else f"@ {s // 60:02d}:{s % 60:02d}"
        )
    if hit.get("page") is not None:
        return f"p. {hit['page']}"
    return ""


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A question about your media")],
    kind: KindOpt = None,
    language: LanguageOpt = None,
    path: PathOpt = None,
    collection: Annotated[list[str] | None, typer.Option("--collection", help="Only these")] = None,
    media: Annotated[list[str] | None, typer.Option("--media", help="Only this media (repeatable)")] = None,
    label: LabelOpt = None,
    entity: EntityOpt = None,
    keyword: KeywordOpt = None,
    as_json: JsonOpt = False,
    tenant: TenantOpt = None,
) -> None:
    """Ask a question; the answer cites the second, slide, page or lines of code it comes from (and,
    about nutrition, the food table rows)."""
    given = {
        "kinds": kind,
        "languages": language,
        "paths": path,
        "collections": collection,
        "media_ids": media,
        "labels": encoded(label),
        "entities": encoded(entity),
        "keywords": keyword,
    }
    filters = {k: v for k, v in given.items() if v} or None
    try:
        client = connect(Settings(), tenant=tenant, routers=("ask",))
        try:
            result = client.ask(question, filters)
        finally:
            client.close()
    except MediasiftError as exc:
        _fail(exc)
    if as_json:
        _print_json(result)
        return
    out = stdout_console()
    out.print(result["answer"], markup=False, highlight=False)
    for c in result["citations"]:
        rows = ", ".join(r["food_id"] for r in c.get("table_rows") or [] if r.get("food_id"))
        wheres = list(dict.fromkeys(_where({**c, **q}) for q in c.get("quotes") or [c]))
        where = ", ".join(w for w in wheres if w)
        line = f"[{c['n']}] {c['filename']} {where}".rstrip() + (f" (food table: {rows})" if rows else "")
        out.print(line, markup=False, highlight=False)


@app.command()
def jobs(
    status: Annotated[
        str | None, typer.Option(help="queued, running, succeeded, failed, dead, cancelled")
    ] = None,
    limit: int = 50,
    as_json: JsonOpt = False,
    tenant: TenantOpt = None,
) -> None:
    """List jobs, newest first."""
    try:
        client = connect(Settings(), tenant=tenant, routers=("jobs",))
        try:
            rows = client.jobs(status=status, limit=limit)
        finally:
            client.close()
    except MediasiftError as exc:
        _fail(exc)
    _print_json(rows) if as_json else waiting.print_jobs(rows)


@dlq_app.command("list")
def dlq_list(as_json: JsonOpt = False, tenant: TenantOpt = None) -> None:
    """Dead jobs (out of attempts), with their errors."""
    jobs(status="dead", limit=1000, as_json=as_json, tenant=tenant)


@dlq_app.command("retry")
def dlq_retry(
    job_ids: Annotated[list[str] | None, typer.Argument(help="Jobs to retry (default: all dead)")] = None,
    tenant: TenantOpt = None,
) -> None:
    """Send dead jobs back to the queue with fresh attempts."""
    try:
        client = connect(Settings(), tenant=tenant, routers=("jobs",))
        try:
            ids = job_ids or [j["id"] for j in client.jobs(status="dead", limit=100_000)]
            for jid in ids:
                client.retry(jid)
        finally:
            client.close()
    except MediasiftError as exc:
        _fail(exc)
    console.print(f"retried {len(ids)} job(s)")


@dlq_app.command("purge")
def dlq_purge(
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask")] = False,
    tenant: TenantOpt = None,
) -> None:
    """Delete dead jobs and their media."""
    if not yes:
        typer.confirm("Delete every dead job and its media?", abort=True, err=True)  # stdout is data
    try:
        client = connect(Settings(), tenant=tenant, routers=("jobs", "media"))
        try:
            # A dead conversion is a failed copy, not a dead media: its media stays.
            dead = [j for j in client.jobs(status="dead", limit=100_000) if j["type"] != "convert"]
            for media_id in dict.fromkeys(j["media_id"] for j in dead):
                client.delete(media_id)
        finally:
            client.close()
    except MediasiftError as exc:
        _fail(exc)
    console.print(f"purged {len(dead)} dead job(s)")


@media_app.command("list")
def media_list(
    collection: Annotated[str | None, typer.Option(help="Only this collection")] = None,
    kind: Annotated[str | None, typer.Option(help="video, audio, image, document, text, code")] = None,
    status: Annotated[str | None, typer.Option(help="pending, processing, ready or failed")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many, newest first")] = 50,
    as_json: JsonOpt = False,
    tenant: TenantOpt = None,
) -> None:
    """The media, newest first: id, file, kind, status, and why one failed."""
    try:
        client = connect(Settings(), tenant=tenant, routers=("media",))
        try:
            listed = client.media_list(collection=collection, kind=kind, status=status, limit=limit)
        finally:
            client.close()
    except MediasiftError as exc:
        _fail(exc)
    if as_json:
        _print_json(listed["media"])
        return
    out = stdout_console()
    if not listed["media"]:
        out.print("no media")
    for m in listed["media"]:
        why = f"  {m['error']}" if m.get("error") else ""
        out.print(
            f"{m['id']}  {m['filename']}  {m['kind'] or '-'}  {m['status']}{why}",
            markup=False,
            soft_wrap=True,
        )


@media_app.command("show")
def media_show(media_id: str, as_json: JsonOpt = False, tenant: TenantOpt = None) -> None:
    """A media with its segments."""
    try:
        client = connect(Settings(), tenant=tenant, routers=("media",))
        try:
            detail = client.media(media_id)
        finally:
            client.close()
    except MediasiftError as exc:
        _fail(exc)
    if as_json:
        _print_json(detail)
        return
    out = stdout_console()
    out.print(
        f"[bold]{detail['filename']}[/bold] {detail['kind']} {detail['status']} {detail['bytes']} bytes"
    )
    if detail.get("error"):
        job = detail.get("job") or {}
        code = f"{job['error_code']}: " if job.get("error_code") else ""
        out.print(f"error {code}{detail['error']}", markup=False)
    for line in _read_notes(detail) + _about(detail):
        out.print(line, markup=False)
    for seg in detail["segments"]:
        text = " ".join(seg["text"].split())  # a slide's or a page's lines on one line
        out.print(f"  {_where(seg):>10} {seg['modality']:<7} {text[:100]}", markup=False)


def _read_notes(detail: dict[str, Any]) -> list[str]:
    """What extraction said of how the file read: a PDF cut off, pages it could not read or read
    by OCR (they were in the JSON alone, so a cut-off file looked whole)."""
    extracted = (detail.get("metadata") or {}).get("extracted") or {}
    lines = []
    if extracted.get("cut_short"):
        pages = detail.get("pages")
        read = f"; its first {pages} page(s) were read" if pages else ""
        lines.append(f"cut off: the file ends early{read} (upload the whole file for the rest)")
    if unreadable := extracted.get("unreadable_pages"):
        lines.append(f"pages that could not be read: {', '.join(map(str, unreadable))}")
    if scanned := extracted.get("scanned_pages"):
        lines.append(f"pages read by OCR (no text layer): {', '.join(map(str, scanned))}")
    return lines


def _about(detail: dict[str, Any]) -> list[str]:
    """What the media is about, as a few lines above its segments (all of it: ``--json``)."""
    lines = []
    if labels := detail.get("labels"):
        shown = (f"{x['taxonomy']}={x['label']} ({x['score']:.2f})" for x in labels)
        lines.append("labels: " + ", ".join(shown))
    if keywords := detail.get("keywords"):
        lines.append("keywords: " + ", ".join(k["text"] for k in keywords))
    if entities := detail.get("entities"):
        lines.append("entities: " + ", ".join(f"{e['text']} ({e['type']})" for e in entities[:15]))
    for sentence in detail.get("summary") or []:
        lines.append(f"  {_where(sentence):>10} summary {sentence['text']}")
    return lines


@media_app.command("subtitles")
def media_subtitles(
    media_id: str,
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="SubRip or WebVTT files to add, named as players name them (talk.es.srt)"),
    ] = None,
    remove: Annotated[
        bool, typer.Option("--remove", help="Remove every subtitle file the media has")
    ] = False,
    remove_file: Annotated[
        str | None,
        typer.Option("--remove-file", help="Remove one subtitle file, by the name listed (01.es.srt)"),
    ] = None,
    wait: Annotated[
        bool,
        typer.Option("--wait", help="Wait for the media to be processed again (here, without a server)"),
    ] = False,
    as_json: JsonOpt = False,
    tenant: TenantOpt = None,
) -> None:
    """List a video's or audio file's subtitle files, add some, or remove them: a change runs its
    pipeline again, which reads them as its tracks."""
    if (remove or remove_file) and files:
        _fail(InvalidRequest("--remove and --remove-file take no files: they remove what the media has"))

    def call(client: Any) -> dict[str, Any]:
        if remove or remove_file:
            return client.remove_subtitles(media_id, remove_file)
        return client.add_subtitles(media_id, files) if files else client.subtitles(media_id)

    def queued(client: Any, done: dict[str, Any]) -> list[dict[str, Any]]:
        return [done["job"]] if done.get("job") else []

    waits = wait and (remove or bool(remove_file) or bool(files))
    try:
        done, ended, steps = waiting.call_and_wait(
            Settings(), tenant, ("subtitles", "jobs"), call, queued if waits else None, quiet=as_json
        )
    except MediasiftError as exc:
        _fail(exc)
    if ended:
        done["job"] = ended[0]
    if as_json:
        _print_json({**done, "steps": steps} if ended else done)
    else:
        out = stdout_console()  # what the media holds is the command's answer: stdout, as media list's
        for kept in done["files"]:
            flags = " ".join(f for f in ("forced", "hearing_impaired") if kept[f])
            out.print(
                f"{kept['name']}  {kept['language'] or 'language not named'}  {flags}".rstrip(), markup=False
            )
        if not done["files"]:
            out.print("no subtitle files")
        if done.get("job"):
            waiting.print_outcome([done["job"]], steps)
    if ended and not waiting.all_succeeded(ended + steps):
        raise typer.Exit(1)


@media_app.command("delete")
def media_delete(media_id: str, tenant: TenantOpt = None) -> None:
    """Delete a media everywhere (original, artifacts, segments, vectors)."""
    try:
        client = connect(Settings(), tenant=tenant, routers=("media",))
        try:
            client.delete(media_id)
        finally:
            client.close()
    except MediasiftError as exc:
        _fail(exc)
    console.print(f"deleted {media_id}")


def main() -> None:
    from pydantic import ValidationError

    try:
        app()
    except ValidationError as exc:
        if exc.title != "Settings":
            raise
        # A setting the environment (or .env) got wrong: say which, as `mediasift doctor` does,
        # not a traceback.
        for error in exc.errors():
            name = "MEDIASIFT_" + "_".join(map(str, error["loc"])).upper()
            Console(stderr=True, soft_wrap=True).print(
                f"error settings: {name}: {error['msg']}", markup=False
            )
        raise SystemExit(2) from None
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as exc:
        # A file named on the command line (an --image, a subtitle file, an -o folder) that is
        # not there or not a file: a line and exit 2, as every other error, not a traceback.
        where = f": {exc.filename}" if exc.filename else ""
        Console(stderr=True, soft_wrap=True).print(f"error file: {exc.strerror or exc}{where}", markup=False)
        raise SystemExit(2) from None
    except MediasiftError as exc:  # one a command did not say itself (a catalog locked at start)
        Console(stderr=True, soft_wrap=True).print(f"error {exc.code}: {exc.message}", markup=False)
        raise SystemExit(2) from None
    except UnicodeDecodeError as exc:
        Console(stderr=True, soft_wrap=True).print(f"error file: not UTF-8 text ({exc.reason})", markup=False)
        raise SystemExit(2) from None
