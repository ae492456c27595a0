"""`mediasift ingest` on a folder: good files become searchable, bad ones end dead with a clear error."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from mediasift.cli import main as cli_main
from mediasift.cli import waiting
from mediasift.cli.client import LocalClient
from tests.conftest import test_settings
from tests.docgen import make_docx, make_pdf
from tests.servers import free_port, serve


def run_cli(home: Path, *args: str, timeout: float = 300, **settings: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "MEDIASIFT_HOME": str(home),
        "MEDIASIFT_MAX_ATTEMPTS": "2",
        "MEDIASIFT_BACKOFF_BASE_S": "0.05",
        "MEDIASIFT_POLL_INTERVAL_S": "0.05",
        **{f"MEDIASIFT_{k.upper()}": v for k, v in settings.items()},
    }
    return subprocess.run(
        [sys.executable, "-m", "mediasift", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def test_folder_with_a_corrupt_file_among_good_ones(tmp_path: Path):
    folder = tmp_path / "inbox"
    (folder / "nested").mkdir(parents=True)
    make_pdf(folder / "boiler.pdf", [["Descale the boiler every three months with citric acid."]])
    make_docx(folder / "nested" / "menu.docx", ["El menú del día incluye sopa de tomate y pan."])
    (folder / "readme.txt").write_text("Visitors must sign in at the front desk before noon.")
    # damaged, not cut off (it ends as a PDF does): a cut one says so (tests/extract/test_scanned.py)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage\n%%EOF\n")
    (folder / "empty.docx").write_bytes(b"")
    (folder / "nested" / "empty-too.pdf").write_bytes(b"")  # the same (no) bytes: one media, one job
    # A name on disk that is not UTF-8 (Latin-1, as an older or a Windows tool wrote it) failed the
    # whole command before: Python keeps its bytes as lone surrogates, which no HTTP form holds.
    (folder / os.fsdecode(b"caf\xe9-notes.txt")).write_text("The ferry leaves the harbour at nine.")
    # hidden files and everything in a hidden folder (a project's .git) are not the user's media
    (folder / ".notes.txt").write_text("A hidden note.")
    (folder / "nested" / ".git" / "objects").mkdir(parents=True)
    (folder / "nested" / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (folder / "nested" / ".git" / "objects" / "5812549a").write_bytes(b"x\x9c\x01\x02")
    home = tmp_path / "home"

    result = run_cli(home, "ingest", str(folder), "--wait", "--json")
    assert result.returncode == 1, result.stderr  # some files failed
    report = json.loads(result.stdout)
    by_name = {j["filename"]: j for j in report["jobs"]}
    assert len(report["jobs"]) == len(by_name)  # a job once, however many files share its bytes
    media = {m["filename"]: m for m in report["media"]}  # as the jobs left them, not as uploaded
    assert (media["readme.txt"]["status"], media["readme.txt"]["kind"]) == ("ready", "text")
    assert media["broken.pdf"]["status"] == "failed"
    good_ones = {"boiler.pdf", "menu.docx", "readme.txt", "café-notes.txt"}
    assert set(by_name) == {*good_ones, "broken.pdf", "empty.docx"}
    for good in good_ones:
        assert by_name[good]["status"] == "succeeded", by_name[good]
    for bad in ("broken.pdf", "empty.docx"):
        job = by_name[bad]
        assert job["status"] == "dead" and job["attempts"] == 1, job
        assert job["error_code"] == "corrupt_media"
    assert "empty file" in by_name["empty.docx"]["error"]
    assert "corrupt PDF" in by_name["broken.pdf"]["error"]

    found = run_cli(home, "search", "how often to descale the boiler", "--json")
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)
    assert hits[0]["filename"] == "boiler.pdf" and hits[0]["page"] == 1
    documented = {"media_id", "filename", "kind", "modality", "text", "start_s", "end_s", "page", "score"}
    assert documented <= set(hits[0])
    later = run_cli(home, "search", "descale the boiler", "--added-after", "2999-01-01", "--json")
    assert later.returncode == 0 and json.loads(later.stdout) == [], later.stderr

    dead = run_cli(home, "dlq", "list", "--json")
    assert sorted(j["filename"] for j in json.loads(dead.stdout)) == ["broken.pdf", "empty.docx"]

    # the folder ingested again: nothing new, and its old failures are not this run's (exit 0),
    # but they are said: those files stay unfound
    again = run_cli(home, "ingest", str(folder), "--wait", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["jobs"] == [] and len(json.loads(again.stdout)["duplicates"]) == 7
    told = run_cli(home, "ingest", str(folder), "--wait")
    assert told.returncode == 0, told.stderr
    assert "7 files ingested before (the same bytes): kept as they are; 3 of them failed then" in told.stderr
    assert "broken.pdf: media " in told.stderr and ": failed (corrupt PDF" in told.stderr

    # the media list gives their ids, and a failed one says why
    failed = run_cli(home, "media", "list", "--status", "failed", "--json")
    assert failed.returncode == 0, failed.stderr
    broken = next(m for m in json.loads(failed.stdout) if m["filename"] == "broken.pdf")
    listed = run_cli(home, "media", "list")
    assert f"{broken['id']}  broken.pdf  " in listed.stdout and "corrupt PDF" in listed.stdout
    shown = run_cli(home, "media", "show", broken["id"])
    assert "error corrupt_media: corrupt PDF" in shown.stdout, shown.stdout


def _notes(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True)
    for i in range(count):
        (folder / f"note{i:02d}.txt").write_text(f"Note {i}: pump {i} needs a new valve before shift {i}.")
    return folder


def _ingested(result: subprocess.CompletedProcess, count: int) -> None:
    assert result.returncode == 0, result.stderr[-2000:]
    jobs = json.loads(result.stdout)["jobs"]
    assert len(jobs) == count and {j["status"] for j in jobs} == {"succeeded"}


def test_ingest_wait_in_process_is_never_rate_limited_against_itself(tmp_path: Path):
    notes = _notes(tmp_path / "notes", 50)
    # One request a second would stop the second upload if the CLI throttled itself.
    limits = {"rate_limit_per_s": "1", "rate_limit_burst": "1"}
    result = run_cli(tmp_path / "home", "ingest", str(notes), "--wait", "--json", **limits)
    _ingested(result, 50)


def test_ingest_wait_against_a_server_waits_out_its_rate_limit(tmp_path: Path):
    home, port = tmp_path / "home", free_port()
    # Uploads alone come faster than 5 a second, so the CLI is refused and must wait.
    server = serve(home, port, rate_limit_per_s="5", rate_limit_burst="2", workers="2")
    try:
        result = run_cli(home, "ingest", str(_notes(tmp_path / "notes", 50)), "--wait", "--json")
        _ingested(result, 50)
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    finally:
        server.terminate()
        server.wait(30)
    refused = 'mediasift_http_requests_total{method="POST",route="/v1/media",status="429"}'
    assert refused in metrics  # the CLI was told to slow down, and did
    polls = [line for line in metrics.splitlines() if 'route="/v1/jobs/{job_id}"' in line]
    assert polls == []  # --wait follows its jobs with list requests, not one request per job


def _waited(tmp_path: Path, collection: str, workflow: str | None = None) -> tuple[dict, list[dict], float]:
    """A note uploaded to ``collection`` (with ``workflow``) and waited for as ``ingest --wait``
    does, with looks two minutes apart: the job, its steps and the seconds waited."""
    doc = tmp_path / "boiler.txt"
    doc.write_text("Descale the boiler every three months with citric acid.")
    client = LocalClient(test_settings(tmp_path / "home", enrich=False), workers=1)
    try:
        if workflow:
            client.put_workflow(collection, workflow, "application/yaml")
        job = client.upload(doc, collection)["job"]
        started = time.monotonic()
        (done,), steps = waiting.wait_for(client, [job], quiet=True)
        return done, steps, time.monotonic() - started
    finally:
        client.close()


def test_ingest_wait_returns_when_the_job_ends_not_at_the_next_look(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(waiting, "POLL_S", 120.0)  # a look every two minutes: only the wake-up is soon
    done, steps, waited = _waited(tmp_path, "default")
    assert done["status"] == "succeeded", done
    assert steps == []  # the default workflow runs inside the ingest job
    assert waited < 60  # the job takes seconds; the next look would have come after 120


def test_ingest_wait_follows_a_workflow_s_steps_as_they_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The steps a collection's workflow queues after the ingest are waited for too, and their ends
    wake the wait as the ingest job's does."""
    monkeypatch.setattr(waiting, "POLL_S", 120.0)
    done, steps, waited = _waited(tmp_path, "manuals", "version: 1\nsteps:\n  - quality: {}\n")
    assert done["status"] == "succeeded", done
    assert {j["step"]: j["status"] for j in steps} == {"quality": "succeeded", "index": "succeeded"}
    assert waited < 60


def test_ingest_wait_names_the_models_its_files_will_need(tmp_path: Path):
    """A cold `ingest --wait` loads its files' models beside its in-process API's import; which
    ones it reads from the files' bytes, as the jobs will (the name says nothing)."""
    import wave

    from PIL import Image

    from tests import mediagen

    video = mediagen.pattern_video(tmp_path, duration_s=1.0, size=(160, 120))
    audio = tmp_path / "tone.bin"
    with wave.open(str(audio), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16_000)
        w.writeframes(b"\0\0" * 16_000)
    picture = tmp_path / "picture.txt"
    Image.new("RGB", (32, 32), "navy").save(picture, format="PNG")
    notes = tmp_path / "notes.txt"
    notes.write_text("Nothing but words here.")
    empty = mediagen.zero_byte_file(tmp_path)

    assert cli_main._models_for([video]) == ["asr", "ocr", "image"]
    assert cli_main._models_for([audio]) == ["asr"]
    assert cli_main._models_for([notes, picture]) == ["ocr", "image"]
    assert cli_main._models_for([notes, empty, audio]) == ["asr"]  # the empty file is its job's to fail
    assert cli_main._models_for([notes, tmp_path]) == []  # a folder (--repo): code


def test_a_command_closes_only_once_the_models_it_named_have_loaded(tmp_path: Path):
    """The models a command names load in the background, no other (without workers, not even
    ``preload_models``), and closing waits for a load still running rather than close the runtime
    and exit with a model half loaded."""
    import threading

    # Together longer than the API's import and build, so the last is loading as the client closes.
    client = LocalClient(test_settings(tmp_path / "home"), preload=["asr", "ocr", "image"])
    client.close()
    assert sorted(key.split(":")[0] for key in client.runtime.models.loaded()) == ["asr", "image", "ocr"]
    assert "model-preload" not in [t.name for t in threading.enumerate()]


def test_files_already_ingested_at_their_size_load_no_model_ahead(tmp_path: Path):
    """A folder ingested again unchanged had loaded its models for jobs that never came."""
    settings = test_settings(tmp_path / "home", enrich=False)
    notes = tmp_path / "notes.txt"
    notes.write_text("Frost covers the seedlings tonight.")
    source = (cli_main.file_source(notes), notes.stat().st_size)
    client = LocalClient(settings, workers=1, preload=["text"], sources=[source])
    assert client._readiness._loading is not None  # a new file: its model loads ahead
    client.upload(notes, "default", source=source[0])
    client.close()

    again = LocalClient(settings, workers=1, preload=["text"], sources=[source])
    assert again._readiness._loading is None  # the same file at the same size: nothing ahead
    again.close()
    notes.write_text("Frost covers the seedlings tonight, and the beans.")
    changed = LocalClient(settings, workers=1, preload=["text"], sources=[(source[0], notes.stat().st_size)])
    assert changed._readiness._loading is not None
    changed.close()


def test_subtitle_files_go_with_the_video_they_are_named_for(tmp_path: Path):
    from tests import mediagen

    if not mediagen.have_tools():
        pytest.skip("needs ffmpeg, espeak-ng, fonts-dejavu-core")
    folder = tmp_path / "films"
    mediagen.pattern_video(folder, duration_s=6.0, ext="mp4", name="class")
    (folder / "class.es.srt").write_text(
        "1\n00:00:01,000 --> 00:00:03,000\nMuele el café fino.\n", encoding="utf-8"
    )
    # Named for no media: a timed text of its own.
    (folder / "notes.srt").write_text(
        "1\n00:00:01,000 --> 00:00:02,000\nThe ferry leaves at nine.\n", encoding="utf-8"
    )

    result = run_cli(tmp_path / "home", "ingest", str(folder), "--wait", "--json")
    assert result.returncode == 0, result.stderr
    jobs = {j["filename"]: j["status"] for j in json.loads(result.stdout)["jobs"]}
    assert jobs == {"class.mp4": "succeeded", "notes.srt": "succeeded"}
    found = json.loads(run_cli(tmp_path / "home", "search", "muele el café fino", "--json").stdout)
    assert found[0]["filename"] == "class.mp4" and found[0]["language"] == "es", found[:1]


def test_subtitles_are_added_to_a_video_already_ingested_and_removed(tmp_path: Path):
    from tests import mediagen

    if not mediagen.have_tools():
        pytest.skip("needs ffmpeg, espeak-ng, fonts-dejavu-core")
    home, folder = tmp_path / "home", tmp_path / "films"
    video = mediagen.pattern_video(folder, duration_s=6.0, ext="mp4", name="class")
    ingested = run_cli(home, "ingest", str(video), "--wait", "--json")  # no subtitles beside it yet
    assert ingested.returncode == 0, ingested.stderr
    media = json.loads(ingested.stdout)["media"][0]["id"]
    later = folder / "later.es.srt"
    later.write_text("1\n00:00:01,000 --> 00:00:03,000\nMuele el café fino.\n", encoding="utf-8")

    added = run_cli(home, "media", "subtitles", media, str(later), "--wait", "--json")
    assert added.returncode == 0, added.stderr
    out = json.loads(added.stdout)
    assert [f["name"] for f in out["files"]] == ["00.es.srt"] and out["job"]["status"] == "succeeded"
    found = json.loads(run_cli(home, "search", "muele el café fino", "--json").stdout)
    assert (found[0]["media_id"], found[0]["language"]) == (media, "es"), found[:1]
    listed = run_cli(home, "media", "subtitles", media)
    assert "00.es.srt  es" in listed.stdout

    removed = run_cli(home, "media", "subtitles", media, "--remove-file", "00.es.srt", "--wait", "--json")
    assert removed.returncode == 0, removed.stderr
    assert json.loads(removed.stdout)["files"] == []
    nothing = run_cli(home, "media", "subtitles", media, "--remove")
    assert nothing.returncode == 2 and "has no subtitle files" in nothing.stderr, nothing.stderr
    found = json.loads(run_cli(home, "search", "muele el café fino", "--json").stdout)
    assert not [h for h in found if h["modality"] == "speech"]

    # the folder ingested again with a subtitle file now beside the video: they go with it
    later.rename(folder / "class.es.srt")
    again = run_cli(home, "ingest", str(folder), "--wait", "--json")
    assert again.returncode == 0, again.stderr
    assert [(j["type"], j["status"]) for j in json.loads(again.stdout)["jobs"]] == [
        ("reprocess", "succeeded")
    ]
    found = json.loads(run_cli(home, "search", "muele el café fino", "--json").stdout)
    assert (found[0]["media_id"], found[0]["modality"]) == (media, "speech"), found[:1]
    assert json.loads(again.stdout)["duplicates"] == [media]
    # once more, into another collection: it says the media stays where it is
    moved = run_cli(home, "ingest", str(folder / "class.mp4"), "--collection", "otra")
    assert moved.returncode == 0, moved.stderr
    assert f"class.mp4: media {media} in 'default', not moved to 'otra'" in moved.stderr, moved.stderr


def test_subtitle_files_pair_with_the_longest_media_name_in_their_folder(tmp_path: Path):
    files = [
        tmp_path / "a" / "talk.mp4",
        tmp_path / "a" / "talk.part2.mkv",
        tmp_path / "a" / "talk.es.srt",
        tmp_path / "a" / "talk.part2.en.forced.vtt",
        tmp_path / "a" / "TALK.srt",
        tmp_path / "b" / "talk.srt",  # another folder's
        tmp_path / "a" / "slides.srt",
    ]
    beside = cli_main.subtitles_beside(files)
    assert beside == {
        files[0]: [files[2], files[4]],
        files[1]: [files[3]],
    }


def test_a_video_named_alone_takes_the_subtitle_files_beside_it(tmp_path: Path):
    for name in ("talk.mp4", "talk.es.srt", "talk.vtt", "talk.txt", "talks.srt", "[talk].srt"):
        (tmp_path / name).write_text("x")
    near = cli_main._subtitles_near([tmp_path / "talk.mp4"])
    assert [p.name for p in near] == ["talk.es.srt", "talk.vtt"]
    assert cli_main.subtitles_beside([tmp_path / "talk.mp4", *near]) == {tmp_path / "talk.mp4": near}


def test_search_mode_keyword_matches_words_and_vector_meaning(tmp_path: Path):
    home, note = tmp_path / "home", tmp_path / "keeper.txt"
    note.write_text("The lighthouse keeper rows to the island every morning with fresh bread.\n")
    assert run_cli(home, "ingest", str(note), "--wait").returncode == 0

    def found(query: str, mode: str) -> list[str]:
        done = run_cli(home, "search", query, "--mode", mode, "--json")
        assert done.returncode == 0, done.stderr
        return [h["filename"] for h in json.loads(done.stdout)]

    assert found("lighthouse keeper", "keyword") == ["keeper.txt"]
    assert found("man who tends a coastal beacon", "keyword") == []  # none of its words is there
    assert found("man who tends a coastal beacon", "vector") == ["keeper.txt"]


def test_a_folder_ingested_again_updates_the_media_of_its_changed_files(tmp_path: Path):
    home, folder = tmp_path / "home", tmp_path / "inbox"
    folder.mkdir()
    notes = folder / "ferry.txt"
    notes.write_text("The island ferry leaves the harbour at nine.")
    (folder / "boiler.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ntruncated garbage")
    first = run_cli(home, "ingest", str(folder), "--wait", "--json")
    assert first.returncode == 1, first.stderr  # the broken PDF
    ids = {m["filename"]: m["id"] for m in json.loads(first.stdout)["media"]}

    # the note edited, the PDF saved again whole: the same two media, processed again
    notes.write_text("The island ferry leaves the harbour at eleven.")
    make_pdf(folder / "boiler.pdf", [["Descale the boiler every three months with citric acid."]])
    second = run_cli(home, "ingest", str(folder), "--wait")
    assert second.returncode == 0, second.stderr
    assert "2 files changed since ingested: the same media, processed again" in second.stderr
    assert f"ferry.txt: media {ids['ferry.txt']} in 'default'" in second.stderr
    listed = json.loads(run_cli(home, "media", "list", "--json").stdout)
    assert {m["id"]: m["status"] for m in listed} == {ids["ferry.txt"]: "ready", ids["boiler.pdf"]: "ready"}
    hits = json.loads(run_cli(home, "search", "ferry", "--mode", "keyword", "--json").stdout)
    assert [h["text"] for h in hits] == ["The island ferry leaves the harbour at eleven."]
    hits = json.loads(run_cli(home, "search", "descale the boiler", "--json").stdout)
    assert hits[0]["media_id"] == ids["boiler.pdf"]

    # nothing changed: nothing to do
    third = run_cli(home, "ingest", str(folder), "--json")
    out = json.loads(third.stdout)
    assert (out["replaced"], sorted(out["duplicates"])) == ([], sorted(ids.values())), out
    source = next(m for m in out["media"] if m["filename"] == "ferry.txt")["source"]
    assert source.startswith("file://") and source.endswith(notes.resolve().as_posix())

    # --prune: a deleted file's media goes; a moved one's stays (the same bytes, the same media)
    (folder / "boiler.pdf").unlink()
    (folder / "archive").mkdir()
    notes.rename(folder / "archive" / "ferry.txt")
    (tmp_path / "elsewhere.txt").write_text("A file of another folder.")
    other = json.loads(run_cli(home, "ingest", str(tmp_path / "elsewhere.txt"), "--json").stdout)["media"][0]
    (tmp_path / "elsewhere.txt").unlink()
    pruned = run_cli(home, "ingest", str(folder), "--prune", "--json")
    assert pruned.returncode == 0, pruned.stderr
    assert json.loads(pruned.stdout)["deleted"] == [ids["boiler.pdf"]]
    listed = json.loads(run_cli(home, "media", "list", "--json").stdout)
    assert sorted(m["id"] for m in listed) == sorted([ids["ferry.txt"], other["id"]])
    moved = next(m for m in json.loads(pruned.stdout)["media"] if m["id"] == ids["ferry.txt"])
    assert moved["source"].endswith("/archive/ferry.txt")  # it follows the file where it went
    (folder / "archive" / "ferry.txt").write_text("The island ferry leaves the harbour at noon.")
    edited = json.loads(run_cli(home, "ingest", str(folder), "--json").stdout)
    assert edited["replaced"] == [ids["ferry.txt"]], edited
    told = run_cli(home, "ingest", str(folder), "--prune")
    assert told.returncode == 0 and "deleted" not in told.stderr, told.stderr
    refused = run_cli(home, "ingest", str(folder), "--prune", "--repo")
    assert refused.returncode == 2 and "--prune" in refused.stderr
    # a copy is told as the file ingested, with the name its media has
    (folder / "copy.txt").write_bytes((folder / "archive" / "ferry.txt").read_bytes())
    copied = run_cli(home, "ingest", str(folder / "copy.txt"), "--collection", "otra")
    told = f"copy.txt: media {ids['ferry.txt']} (ferry.txt) in 'default', not moved to 'otra'"
    assert told in copied.stderr, copied.stderr


def test_a_video_s_subtitle_file_edited_or_taken_away_in_its_folder_is_followed(tmp_path: Path):
    from tests import mediagen

    if not mediagen.have_tools():
        pytest.skip("needs ffmpeg, espeak-ng, fonts-dejavu-core")
    home, folder = tmp_path / "home", tmp_path / "films"
    video = mediagen.pattern_video(folder, duration_s=6.0, ext="mp4", name="clase")
    srt = folder / "clase.es.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:03,000\nMuele el café fino.\n", encoding="utf-8")
    first = run_cli(home, "ingest", str(folder), "--wait", "--json")
    assert first.returncode == 0, first.stderr
    media = json.loads(first.stdout)["media"][0]["id"]

    def said(words: str) -> bool:
        hits = json.loads(run_cli(home, "search", words, "--mode", "keyword", "--json").stdout)
        return any(h["media_id"] == media and h["modality"] == "speech" for h in hits)

    # the .srt edited: its new words replace the old, and the media keeps one file
    srt.write_text("1\n00:00:01,000 --> 00:00:03,000\nTuesta el grano oscuro.\n", encoding="utf-8")
    edited = run_cli(home, "ingest", str(folder), "--wait", "--json")
    assert edited.returncode == 0, edited.stderr
    assert [(j["type"], j["status"]) for j in json.loads(edited.stdout)["jobs"]] == [
        ("reprocess", "succeeded")
    ]
    assert said("tuesta grano oscuro") and not said("muele café fino")
    listed = run_cli(home, "media", "subtitles", media, "--json")
    assert [f["language"] for f in json.loads(listed.stdout)["files"]] == ["es"]

    # a file added through the API stays; the folder's goes when taken away, with a new video
    extra = tmp_path / "nota.en.srt"
    extra.write_text("1\n00:00:04,000 --> 00:00:05,000\nGrind the beans.\n", encoding="utf-8")
    assert run_cli(home, "media", "subtitles", media, str(extra), "--wait").returncode == 0
    srt.unlink()
    mediagen.pattern_video(folder, duration_s=7.0, ext="mp4", name="clase")
    replaced = run_cli(home, "ingest", str(video), "--wait", "--json")
    assert replaced.returncode == 0, replaced.stderr
    out = json.loads(replaced.stdout)
    assert out["replaced"] == [media] and len(out["jobs"]) == 1, out
    assert not said("tuesta grano oscuro") and said("grind the beans")
    listed = run_cli(home, "media", "subtitles", media, "--json")
    assert [f["language"] for f in json.loads(listed.stdout)["files"]] == ["en"]


def test_a_second_command_on_a_busy_home_is_told_which_process_holds_it(tmp_path: Path):
    home = tmp_path / "home"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import time; from mediasift.config import Settings; "
         "from mediasift.factory import _claim_embedded_index as claim; "
         "claim(Settings(_env_file=None)); print('held', flush=True); time.sleep(60)"],
        env={**os.environ, "MEDIASIFT_HOME": str(home)}, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        refused = run_cli(home, "jobs")
    finally:
        holder.kill()
    assert refused.returncode == 2
    assert f"in use by another mediasift process (process {holder.pid}: `mediasift" in refused.stderr
    assert "run `mediasift serve`" in refused.stderr


def test_a_file_that_is_not_there_or_a_list_written_with_commas_is_no_traceback(tmp_path: Path):
    home = tmp_path / "home"
    missing = run_cli(home, "search", "--image", str(tmp_path / "nofile.jpg"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert missing.stderr.strip() == f"error file: No such file or directory: {tmp_path / 'nofile.jpg'}"
    folder = run_cli(home, "search", "--image", str(tmp_path))
    assert folder.returncode == 2 and folder.stderr.startswith("error file: Is a directory")
    # a list setting written as people write lists, and a level no logger has
    listed = run_cli(
        home,
        "doctor",
        "--json",
        "--skip-models",
        cors_origins="https://a.example,https://b.example",
        chunk_char="9",
    )
    assert "Traceback" not in listed.stderr and "cors_origins" not in listed.stderr, listed.stderr
    assert "not settings, so ignored: MEDIASIFT_CHUNK_CHAR" in listed.stdout  # a misspelt one is named
    loud = run_cli(home, "jobs", log_level="LOUD")
    assert loud.returncode == 2 and loud.stderr.startswith("error settings: MEDIASIFT_LOG_LEVEL")


def test_serve_on_a_port_in_use_says_so_before_it_starts(tmp_path: Path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = run_cli(tmp_path / "home", "serve", "--port", str(port), timeout=60)
    assert refused.returncode == 2, refused.stderr
    assert f"error port: cannot listen on 127.0.0.1:{port}: Address already in use" in refused.stderr
    assert "serving on" not in refused.stderr


def test_version_and_a_purge_prompt_keep_stdout_for_data(tmp_path: Path):
    version = run_cli(tmp_path / "home", "--version")
    assert version.returncode == 0 and version.stdout.startswith("mediasift ")
    declined = subprocess.run(
        [sys.executable, "-m", "mediasift", "dlq", "purge"],
        env={**os.environ, "MEDIASIFT_HOME": str(tmp_path / "home")},
        input="n\n", capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    # (click leaves the one space input() writes after a prompt on stdout)
    assert declined.stdout.strip() == "" and "Delete every dead job" in declined.stderr


def test_a_file_renamed_in_its_folder_keeps_its_media_under_its_new_name(tmp_path: Path):
    home, folder = tmp_path / "home", tmp_path / "inbox"
    folder.mkdir()
    (folder / "notes.txt").write_text("The island ferry leaves the harbour at nine.")
    first = json.loads(run_cli(home, "ingest", str(folder), "--wait", "--json").stdout)["media"][0]
    (folder / "notes.txt").rename(folder / "ferry-times.txt")
    again = run_cli(home, "ingest", str(folder), "--prune", "--json")
    assert again.returncode == 0, again.stderr
    (media,) = json.loads(again.stdout)["media"]
    assert media["id"] == first["id"] and media["source"].endswith("/ferry-times.txt")
    # it had kept showing the name the file no longer has, in hits and listings
    assert media["filename"] == "ferry-times.txt"
    hits = json.loads(run_cli(home, "search", "ferry", "--mode", "keyword", "--json").stdout)
    assert [h["filename"] for h in hits] == ["ferry-times.txt"]
