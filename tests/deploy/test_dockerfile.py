"""The image that the API and the workers run (Dockerfile), checked without a Docker daemon."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from tests.deploy.tools import checkov_command

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            op, _, args = line.partition(" ")
            out.append((op.upper(), args.strip()))
    return out


def test_runtime_image_is_python_311_slim_with_ffmpeg_and_tesseract_spanish() -> None:
    instructions = _instructions()
    froms = [args for op, args in instructions if op == "FROM"]
    assert froms and all(f.split()[0] == "python:3.11-slim" for f in froms)
    apt = " ".join(args for op, args in instructions if op == "RUN" and "apt-get install" in args)
    for package in ("ffmpeg", "tesseract-ocr", "tesseract-ocr-spa"):
        assert re.search(rf"(?<![\w-]){re.escape(package)}(?![\w-])", apt), package
    assert "rm -rf /var/lib/apt/lists" in apt


def test_package_is_installed_with_the_scale_extra() -> None:
    runs = [args for op, args in _instructions() if op == "RUN"]
    assert any(re.search(r"pip install \"?\.\[scale\]\"?", r) for r in runs)


def test_runs_as_a_non_root_user_with_a_health_check_on_health() -> None:
    instructions = _instructions()
    users = [args for op, args in instructions if op == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    # The USER must come after the last package installation, so the app never runs as root.
    last_user = max(i for i, (op, _) in enumerate(instructions) if op == "USER")
    assert all(op != "RUN" for op, _ in instructions[last_user:])
    health = [args for op, args in instructions if op == "HEALTHCHECK"]
    assert len(health) == 1 and "127.0.0.1:8000/health" in health[0]
    cmd = [args for op, args in instructions if op == "CMD"][-1]
    assert json.loads(cmd) == ["mediasift", "serve", "--no-workers", "--host", "0.0.0.0"]


def test_dockerignore_keeps_the_context_small_but_buildable() -> None:
    ignored = {line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()}
    assert {".git", ".venv", "tests", ".env"} <= ignored
    assert not {"src", "pyproject.toml", "README.md"} & ignored


def test_checkov_finds_no_failed_dockerfile_checks() -> None:
    proc = subprocess.run(
        [
            *checkov_command(),
            "-f",
            str(DOCKERFILE),
            "--framework",
            "dockerfile",
            "--skip-download",
            "--quiet",
            "--compact",
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads(proc.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = [c["check_id"] for r in reports for c in r.get("results", {}).get("failed_checks", [])]
    assert not failed, failed
