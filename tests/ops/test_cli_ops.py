"""The operations commands of the CLI, run as real processes against one MEDIASIFT_HOME: jobs,
dlq retry/purge, media show/delete, reindex and retention.

The home is ingested once per module (two tenants). Each test acts on media of its own — the DLQ
test on tenant ``dlq``, the delete test on ``delete-me.txt`` — so they hold in any order.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.docgen import make_pdf
from tests.test_cli_ingest import run_cli

BROKEN_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ntruncated garbage"


class Home:
    def __init__(self, path: Path, jobs: dict[str, dict]) -> None:
        self.path, self.jobs = path, jobs  # jobs by filename, as `ingest --json` printed them

    def cli(self, *args: str) -> tuple[int, str, str]:
        result = run_cli(self.path, *args, timeout=120)
        return result.returncode, result.stdout, result.stderr

    def json(self, *args: str):  # type: ignore[no-untyped-def]
        code, out, err = self.cli(*args, "--json")
        assert code == 0, err
        return json.loads(out)

    def originals(self) -> list[Path]:
        return sorted(p for p in (self.path / "objects" / "raw").rglob("original*") if p.is_file())


def _ingest(home: Path, folder: Path, *tenant: str) -> dict[str, dict]:
    result = run_cli(home, "ingest", str(folder), "--wait", "--json", *tenant)
    assert result.returncode == 1, result.stderr  # a corrupt file is among them
    return {j["filename"]: j for j in json.loads(result.stdout)["jobs"]}


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Home:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("cli_ops")
    default, dlq = root / "default", root / "dlq"
    default.mkdir(), dlq.mkdir()
    make_pdf(default / "keeper.pdf", [["Keep the pantry door closed so the mice stay out."]])
    (default / "delete-me.txt").write_text("The old parking permit expires in March.")
    (default / "broken.pdf").write_bytes(BROKEN_PDF)
    (dlq / "retry-me.pdf").write_bytes(BROKEN_PDF + b" (a second copy)")
    (dlq / "purge-me.docx").write_bytes(b"")
    jobs = _ingest(root / "home", default) | _ingest(root / "home", dlq, "--tenant", "dlq")
    return Home(root / "home", jobs)


def test_jobs_filtered_to_dead_print_the_documented_fields(home: Home):
    dead = home.json("jobs", "--status", "dead")
    assert [j["filename"] for j in dead] == ["broken.pdf"]  # the default tenant's only
    job = dead[0]
    assert {"id", "media_id", "filename", "status", "stage", "attempts", "error"} <= set(job)
    assert (job["status"], job["attempts"], job["error_code"]) == ("dead", 1, "corrupt_media")
    assert job["id"] == home.jobs["broken.pdf"]["id"]


def test_media_show_json_is_the_detail_with_cited_segments(home: Home):
    media_id = home.jobs["keeper.pdf"]["media_id"]
    detail = home.json("media", "show", media_id)
    assert (detail["id"], detail["filename"], detail["kind"]) == (media_id, "keeper.pdf", "document")
    assert [s["page"] for s in detail["segments"]] == [1]
    assert "pantry door" in detail["segments"][0]["text"]


def test_dlq_retry_requeues_a_job_and_purge_deletes_the_rest(home: Home):
    retry_me, purge_me = home.jobs["retry-me.pdf"], home.jobs["purge-me.docx"]
    assert retry_me["status"] == purge_me["status"] == "dead"

    code, _, err = home.cli("dlq", "retry", retry_me["id"], "--tenant", "dlq")
    assert code == 0 and "retried 1 job(s)" in err, err
    code, _, err = home.cli("dlq", "purge", "--yes", "--tenant", "dlq")
    assert code == 0 and "purged 1 dead job(s)" in err, err

    left = {j["filename"]: j for j in home.json("jobs", "--tenant", "dlq")}
    assert set(left) == {"retry-me.pdf"}  # the purged job went with its media
    assert (left["retry-me.pdf"]["status"], left["retry-me.pdf"]["attempts"]) == ("queued", 0)
    assert left["retry-me.pdf"]["error"] is None
    assert all(purge_me["media_id"] not in str(p) for p in home.originals())


def test_media_delete_removes_the_media_and_its_original(home: Home):
    media_id = home.jobs["delete-me.txt"]["media_id"]
    assert any(media_id in str(p) for p in home.originals())
    code, _, err = home.cli("media", "delete", media_id)
    assert code == 0 and f"deleted {media_id}" in err, err
    code, _, err = home.cli("media", "show", media_id)
    assert code == 2 and "not_found" in err
    assert not any(media_id in str(p) for p in home.originals())


def test_reindex_from_nothing_rebuilds_search_from_stored_segments(home: Home):
    code, _, err = home.cli("reindex", "--wipe")
    assert code == 0, err
    report = re.search(r"reindexed (\d+) media: (\d+) segments, (\d+) text", " ".join(err.split()))
    assert report and int(report[1]) >= 1 and int(report[3]) >= int(report[1]), err
    hits = home.json("search", "keeping mice out of the pantry")
    assert hits and hits[0]["filename"] == "keeper.pdf" and hits[0]["page"] == 1


def test_retention_dry_run_lists_old_originals_and_deletes_none(home: Home):
    before = home.originals()
    code, _, err = home.cli("retention", "run", "--days", "0.00001", "--dry-run")  # older than ~1 s
    assert code == 0, err
    would = re.search(r"would delete (\d+) original\(s\)", err)
    assert would and int(would[1]) >= 1, err
    assert home.originals() == before
    # 0 days would mean every original: refused rather than taken literally
    code, _, err = home.cli("retention", "run", "--days", "0", "--dry-run")
    assert code == 2 and "must be more than 0" in err, err


def test_a_setting_the_environment_got_wrong_is_named_not_a_traceback(tmp_path: Path):
    for setting, value, said in (
        ("retention_days", "-1", "MEDIASIFT_RETENTION_DAYS: Input should be greater than 0"),
        ("workers", "many", "MEDIASIFT_WORKERS: Input should be a valid integer"),
    ):
        result = run_cli(tmp_path / "home", "retention", "run", timeout=60, **{setting: value})
        assert result.returncode == 2, result.stderr
        assert said in " ".join(result.stderr.split()) and "Traceback" not in result.stderr
