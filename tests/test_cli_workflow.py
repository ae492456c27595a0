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
