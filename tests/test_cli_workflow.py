"""`mediasift workflow put|get|apply|delete`: a collection's workflow from a YAML file, an invalid
one refused with its line, the text read back as it was written, and apply's dry run."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli_ingest import run_cli

WORKFLOW = """# fotos: read the text in them, measure them
version: 1
steps:
  - ocr: {}
  - quality: {}
  - convert: [{to: webp}]
"""


def test_workflow_put_get_apply_and_delete(tmp_path: Path):
    home, document, broken = tmp_path / "home", tmp_path / "fotos.yaml", tmp_path / "broken.yaml"
    document.write_text(WORKFLOW, encoding="utf-8")
    broken.write_text(WORKFLOW.replace("quality: {}", "qualty: {}"), encoding="utf-8")

    refused = run_cli(home, "workflow", "put", "fotos", str(broken))
    assert refused.returncode == 2
    said = " ".join(refused.stderr.split())  # rich wraps at the terminal's width
    assert "line 5, steps[1].qualty: unknown step 'qualty'" in said

    put = run_cli(home, "workflow", "put", "fotos", str(document))
    assert put.returncode == 0, put.stderr
    assert "version 1 (ingest, quality, convert.webp, index)" in " ".join(put.stderr.split())

    got = run_cli(home, "workflow", "get", "fotos")
    assert got.returncode == 0 and got.stdout.strip() == WORKFLOW.strip()

    applied = run_cli(home, "workflow", "apply", "fotos", "--json")
    assert applied.returncode == 0, applied.stderr
    assert json.loads(applied.stdout) | {"version": 1} == {
        "version": 1, "dry_run": True, "media": 0, "reextract": [], "steps": {}, "jobs": []
    }  # fmt: skip

    deleted = run_cli(home, "workflow", "delete", "fotos")
    assert deleted.returncode == 0 and "version 2" in deleted.stderr
    default = json.loads(run_cli(home, "workflow", "get", "fotos", "--json").stdout)
    assert default["default"] and default["version"] == 2


NOTES = """# notas: what a note is about, and a copy as Markdown
version: 1
steps:
  - enrich: [keywords]
  - quality: {}
  - convert: [{to: md}]
"""


def test_ingest_wait_waits_for_the_workflow_steps_too(tmp_path: Path):
    """Without a server, ``ingest --wait`` runs the jobs in its own process: it used to leave as
    soon as the ingest jobs ended, with the collection's workflow steps still queued."""
    home, document, note = tmp_path / "home", tmp_path / "notas.yaml", tmp_path / "ferry.txt"
    document.write_text(NOTES, encoding="utf-8")
    note.write_text("The ferry to the island leaves the harbour at nine; tickets are sold on board.")
    assert run_cli(home, "workflow", "put", "notas", str(document)).returncode == 0

    ingested = run_cli(home, "ingest", str(note), "--collection", "notas", "--wait", "--json")
    assert ingested.returncode == 0, ingested.stderr
    out = json.loads(ingested.stdout)
    assert [j["status"] for j in out["jobs"]] == ["succeeded"]
    ran = {j["step"]: j["status"] for j in out["steps"]}
    assert ran == dict.fromkeys(("enrich", "quality", "convert.md", "index"), "succeeded")

    media = json.loads(run_cli(home, "media", "show", out["media"][0]["id"], "--json").stdout)
    assert {s["key"]: s["status"] for s in media["steps"]} == {"ingest": "succeeded", **ran}
    listed = json.loads(run_cli(home, "jobs", "--json").stdout)
    assert not [j for j in listed if j["status"] != "succeeded"]  # nothing left queued behind it

    table = run_cli(home, "ingest", str(note), "--collection", "notas", "--wait")  # the same bytes
    assert table.returncode == 0, table.stderr

    # a changed step, re-run and waited for: the index step after it runs again too
    document.write_text(NOTES.replace("[keywords]", "[keywords, summary]"), encoding="utf-8")
    assert run_cli(home, "workflow", "put", "notas", str(document)).returncode == 0
    applied = run_cli(home, "workflow", "apply", "notas", "--rerun-changed", "--wait", "--json")
    assert applied.returncode == 0, applied.stderr
    out = json.loads(applied.stdout)
    assert out["steps"] == {"enrich": 1, "index": 1}
    assert [(j["step"], j["status"]) for j in out["waited"]["jobs"]] == [("enrich", "succeeded")]
    assert [(j["step"], j["status"]) for j in out["waited"]["steps"]] == [("index", "succeeded")]
    listed = json.loads(run_cli(home, "jobs", "--json").stdout)
    assert not [j for j in listed if j["status"] != "succeeded"]


def test_apply_wait_json_exits_1_when_a_step_did_not_succeed(tmp_path: Path):
    """``--json`` printed the jobs it waited for and exited 0 whatever they came to."""
    home, taxonomy, document = tmp_path / "home", tmp_path / "revision.yaml", tmp_path / "notas.yaml"
    note = tmp_path / "ferry.txt"
    note.write_text("The ferry to the island leaves the harbour at nine; tickets are sold on board.")
    taxonomy.write_text("labels:\n  - name: revisar\n    description: to be looked at\n", encoding="utf-8")
    assert run_cli(home, "taxonomy", "put", "revision", str(taxonomy)).returncode == 0
    document.write_text(NOTES, encoding="utf-8")
    assert run_cli(home, "workflow", "put", "notas", str(document)).returncode == 0
    assert run_cli(home, "ingest", str(note), "--collection", "notas", "--wait").returncode == 0

    rule = "  - when: \"kind == 'text'\"\n    then: [{label: {taxonomy: revision, value: revisar}}]\n"
    document.write_text(NOTES + rule, encoding="utf-8")
    assert run_cli(home, "workflow", "put", "notas", str(document)).returncode == 0
    assert run_cli(home, "taxonomy", "delete", "revision").returncode == 0  # the rule's step now fails
    applied = run_cli(home, "workflow", "apply", "notas", "--rerun-changed", "--wait", "--json")
    out = json.loads(applied.stdout)
    assert [(j["step"], j["status"]) for j in out["waited"]["jobs"]] == [("when.1", "dead")]
    assert applied.returncode == 1
