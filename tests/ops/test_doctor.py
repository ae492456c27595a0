"""`mediasift doctor` run as a real process: a healthy install, a running server holding the
embedded index, and broken settings, each failure with its fix."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mediasift.cli.doctor import (
    check_backends,
    check_libreoffice,
    check_redis_eviction,
    check_shared_index,
    check_tesseract,
    exit_code,
    run_checks,
)
from tests.conftest import test_settings
from tests.servers import free_port, serve

BACKENDS = ["catalog", "store", "queue", "index", "cache"]
MODELS = ["model text", "model image", "model asr", "model ocr"]


def doctor(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess:
    """`mediasift doctor` with MEDIASIFT_* overrides, run from an empty directory (no stray .env)."""
    cwd = tmp_path / "cwd"
    cwd.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIASIFT_")}
    env.update({f"MEDIASIFT_{k.upper()}": v for k, v in settings.items()})
    env.setdefault("MEDIASIFT_HOME", str(tmp_path / "home"))
    env["COLUMNS"] = "250"  # one table row per line
    return subprocess.run(
        [sys.executable, "-m", "mediasift", "doctor", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def checks_by_name(result: subprocess.CompletedProcess) -> dict[str, dict]:
    return {c["name"]: c for c in json.loads(result.stdout)["checks"]}


def test_healthy_install_passes_every_check_and_loads_each_model(tmp_path: Path):
    result = doctor(tmp_path, "--json")

    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True
    checks = {c["name"]: c for c in report["checks"]}
    expected = [
        "python",
        "pyav",
        "settings",
        "tesseract",
        "libreoffice",
        "data directory",
        *BACKENDS,
        *MODELS,
    ]
    assert list(checks) == expected
    for check in report["checks"]:
        assert set(check) == {"name", "status", "ok", "required", "detail", "fix", "seconds"}
        assert (check["status"], check["ok"], check["fix"]) == ("ok", True, ""), check
    assert "decoders h264, hevc, vp9, aac, mp3, opus" in checks["pyav"]["detail"]
    assert "languages eng+spa" in checks["tesseract"]["detail"]
    assert checks["tesseract"]["required"] is False  # the second OCR engine; rapidocr is the default
    assert checks["model asr"]["detail"].startswith("whisper-base-int8 loaded in")
    assert checks["model text"]["detail"].startswith("multilingual-e5-small")
    assert (tmp_path / "home" / "catalog.db").is_file()  # migrated, as `serve` would
    assert [p.name for p in (tmp_path / "home" / "objects").rglob("*")] == ["processed"]  # probe deleted


def test_a_running_server_holds_the_embedded_index_and_doctor_says_so(tmp_path: Path):
    home, port = tmp_path / "home", free_port()
    server = serve(home, port)
    try:
        result = doctor(tmp_path, "--json", "--skip-models", home=str(home))
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert result.returncode == 0, result.stdout + result.stderr
    checks = checks_by_name(result)
    assert (
        checks["index"]["ok"]
        and f"held by the server at http://127.0.0.1:{port}" in checks["index"]["detail"]
    )
    assert not any(name.startswith("model") for name in checks)


def test_unreachable_redis_fails_with_its_fix_in_the_table(tmp_path: Path):
    # Port 9 (discard): nothing listens there. The password must not be printed.
    result = doctor(tmp_path, "--skip-models", cache="redis", redis_url="redis://:hunter2@127.0.0.1:9/0")

    assert result.returncode == 1, result.stdout + result.stderr
    [row] = [line for line in result.stdout.splitlines() if line.startswith("│ cache")]
    _, check, status, detail, fix, _ = (cell.strip() for cell in row.split("│"))
    assert (check, status) == ("cache", "FAIL")
    assert detail.startswith("redis redis://:***@127.0.0.1:9/0: redis cache does not answer")
    assert "Connection refused" in detail
    assert fix == "start Redis there, correct MEDIASIFT_REDIS_URL, or set MEDIASIFT_CACHE=memory"
    assert "hunter2" not in result.stdout
    assert result.stdout.rstrip().endswith("1 required check(s) failed: cache")


def test_a_postgresql_without_pgvector_is_told_to_install_it_not_to_start(tmp_path: Path):
    """The machine's PostgreSQL on 5432 answers but has no pgvector: the fix had said to start the
    server that was running."""
    import psycopg

    try:
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=2) as conn:
            if conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'").fetchone():
                pytest.skip("this PostgreSQL has pgvector")
    except psycopg.OperationalError as e:
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432 ({e})")
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    checked = checks_by_name(doctor(tmp_path, "--skip-models", "--json", index="pgvector", pgvector_url=url))
    index = checked["index"]
    assert index["status"] == "fail" and "vector" in index["detail"], index
    assert index["fix"].startswith("install pgvector on that PostgreSQL server"), index


def test_data_directory_that_cannot_be_written_fails_with_its_fix(tmp_path: Path):
    # A path under a regular file cannot be created, even by root (who ignores permission bits).
    (tmp_path / "a-file").write_text("not a directory")
    home = tmp_path / "a-file" / "home"

    result = doctor(tmp_path, "--json", "--skip-models", home=str(home))

    assert result.returncode == 1
    report = json.loads(result.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    assert report["ok"] is False
    data = checks["data directory"]
    assert (data["status"], data["required"]) == ("fail", True)
    assert f"{home} is not writable: Not a directory" in data["detail"]
    assert "set MEDIASIFT_HOME to a directory this user" in data["fix"]
    assert checks["catalog"]["fix"] == "fix MEDIASIFT_HOME: the SQLite catalog lives there"
    assert checks["queue"]["fix"] == "fix the catalog first"
    assert checks["python"]["ok"] and checks["pyav"]["ok"]  # one failure does not hide the rest


@pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="needs tesseract-ocr (scripts/system-deps.sh test)"
)
def test_missing_tesseract_language_is_required_only_when_tesseract_is_the_engine(tmp_path: Path):
    optional = check_tesseract(test_settings(tmp_path, ocr_languages=["en", "fr"]))
    required = check_tesseract(test_settings(tmp_path, ocr_languages=["en", "fr"], ocr_engine="tesseract"))

    assert (optional.status, optional.fix) == ("warn", "apt-get install tesseract-ocr-fra")
    assert "languages eng+fra wanted; installed: " in optional.detail
    assert required.status == "fail" and exit_code([required]) == 1 and exit_code([optional]) == 0


def test_invalid_setting_is_reported_instead_of_a_traceback(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("MEDIASIFT_QUEUE", "kafka")

    checks = {c.name: c for c in run_checks(models=False)}

    assert list(checks) == ["python", "pyav", "settings"]  # nothing else can be checked without them
    assert checks["settings"].status == "fail"
    assert checks["settings"].detail == "MEDIASIFT_QUEUE: Input should be 'db' or 'sqs'"


@pytest.mark.postgres
def test_scale_out_backends_each_answer_and_a_missing_queue_is_named(
    tmp_path: Path, make_database, aws_endpoint, s3_bucket, make_queue, monkeypatch
):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    catalog_url = make_database().replace("postgresql://", "postgresql+psycopg://", 1)
    scale_out = dict(
        catalog_url=catalog_url,
        index="pgvector",
        store="s3",
        s3_bucket=s3_bucket,
        s3_endpoint_url=aws_endpoint,
        s3_sse="",
        queue="sqs",
        sqs_queue_url=make_queue().url,
    )

    healthy = {c.name: c for c in check_backends(test_settings(tmp_path, **scale_out))}
    missing_queue = {
        c.name: c
        for c in check_backends(
            test_settings(tmp_path, **{**scale_out, "sqs_queue_url": f"{aws_endpoint}/123456789012/nope"})
        )
    }

    assert [(name, c.status) for name, c in healthy.items()] == [(name, "ok") for name in BACKENDS]
    assert healthy["catalog"].detail.startswith("postgresql+psycopg://postgres:***@/")
    assert healthy["store"].detail == f"s3 s3://{s3_bucket} (write, read, delete)"
    queue = missing_queue["queue"]
    assert queue.status == "fail" and "nope" in queue.detail
    assert queue.fix == "check MEDIASIFT_SQS_QUEUE_URL and the AWS credentials and region"


def test_missing_libreoffice_is_a_warning_with_the_packages_to_install(tmp_path: Path):
    check = check_libreoffice(test_settings(tmp_path, libreoffice_path="no-such-soffice"))
    assert (check.status, check.required) == ("warn", False)
    assert "libreoffice-writer-nogui libreoffice-impress-nogui" in check.fix


def test_a_shared_catalog_with_a_one_process_index_is_a_warning(tmp_path: Path):
    postgres = "postgresql+psycopg://postgres@127.0.0.1/mediasift"
    warned = check_shared_index(test_settings(tmp_path, catalog_url=postgres, index="edge"))
    assert warned is not None and warned.status == "warn" and "pgvector" in warned.fix
    local = test_settings(tmp_path, catalog_url=postgres, index="qdrant", qdrant_url=f"local:{tmp_path}/q")
    assert check_shared_index(local) is not None
    assert check_shared_index(test_settings(tmp_path, catalog_url=postgres, index="pgvector")) is None
    assert check_shared_index(test_settings(tmp_path)) is None  # one process on SQLite: fine


def test_a_redis_that_would_refuse_or_evict_the_counters_is_a_warning(tmp_path: Path):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/0"
    try:
        policy = redis.Redis.from_url(url, socket_timeout=2).config_get("maxmemory-policy")[
            "maxmemory-policy"
        ]
    except Exception as exc:
        pytest.skip(f"no Redis on 127.0.0.1:6379 whose CONFIG can be read ({exc})")
    found = check_redis_eviction(test_settings(tmp_path, cache="redis", redis_url=url))
    if policy == "volatile-lru":
        assert found is None
    else:  # this machine's Redis as it is (its default is noeviction): read, never changed
        assert found is not None and found.status == "warn" and policy in found.detail
        assert "volatile-lru" in found.fix
    assert check_redis_eviction(test_settings(tmp_path)) is None  # no Redis configured


def test_an_index_that_lost_the_catalogs_points_fails_with_reindex_as_its_fix(tmp_path: Path):
    # A catalog restored without its index, or a reindex stopped midway: every media ready, and
    # search finding none of them. The catalog is the truth; doctor compares the two.
    note = tmp_path / "ferry.txt"
    note.write_text("The ferry leaves at nine. Tickets are sold at the pier.")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIASIFT_")}
    env.update(MEDIASIFT_HOME=str(tmp_path / "home"), MEDIASIFT_ENRICH="false")
    ingested = subprocess.run(
        [sys.executable, "-m", "mediasift", "ingest", str(note), "--wait"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert ingested.returncode == 0, ingested.stderr
    index = checks_by_name(doctor(tmp_path, "--json", "--skip-models"))["index"]
    assert index["ok"] and "points)" in index["detail"], index

    originals = checks_by_name(doctor(tmp_path, "--json", "--skip-models"))["originals"]
    assert originals["ok"], originals

    shutil.rmtree(tmp_path / "home" / "index")  # the index gone, the catalog kept
    index = checks_by_name(doctor(tmp_path, "--json", "--skip-models"))["index"]
    assert not index["ok"] and "0 points for the" in index["detail"], index
    assert "mediasift reindex" in index["fix"]

    # a restore that left out objects/: it had passed, and every reprocess then died not_found
    shutil.rmtree(tmp_path / "home" / "objects" / "raw")
    originals = checks_by_name(doctor(tmp_path, "--json", "--skip-models"))["originals"]
    assert (
        not originals["ok"] and originals["detail"] == "1 of the 1 newest media have no original in the store"
    )
    assert "objects/" in originals["fix"]
