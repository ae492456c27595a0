"""The images that the API and the workers run (Dockerfile), checked without a Docker daemon.

One Dockerfile, two targets: the default (its last stage) is the CPU image of the API and the
workers; ``--target gpu`` is the worker for deploy/terraform's optional GPU instances.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from mediasift.config import Settings
from tests.deploy.tools import checkov_command

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
SITE_PACKAGES = "/opt/venv/lib/python3.11/site-packages"


@dataclass
class Stage:
    base: str  # an image, or the name of an earlier stage
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def args(self, op: str) -> list[str]:
        return [args for o, args in self.instructions if o == op]

    def env(self) -> dict[str, str]:
        """What this stage's own ENV instructions set (``KEY=value`` form only)."""
        out: dict[str, str] = {}
        for args in self.args("ENV"):
            for pair in shlex.split(args):
                key, sep, val = pair.partition("=")
                assert sep, f"ENV {args!r}: use the KEY=value form"
                out[key] = val
        return out


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


@cache
def _stages() -> tuple[Stage, ...]:
    stages: list[Stage] = []
    for op, args in _instructions():
        if op == "FROM":
            m = re.fullmatch(r"(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", args, re.IGNORECASE)
            assert m, f"FROM {args!r}"
            stages.append(Stage(m.group(1), m.group(2)))
        else:
            assert stages, f"{op} before the first FROM"
            stages[-1].instructions.append((op, args))
    return tuple(stages)


def _stage(name: str) -> Stage:
    (stage,) = [s for s in _stages() if s.name == name]
    return stage


def _lineage(stage: Stage) -> list[Stage]:
    """The stage and the stages it is built FROM, nearest first."""
    by_name = {s.name: s for s in _stages() if s.name}
    chain = [stage]
    while chain[-1].base in by_name:
        chain.append(by_name[chain[-1].base])
    return chain


def _effective_env(stage: Stage) -> dict[str, str]:
    env: dict[str, str] = {}
    for s in reversed(_lineage(stage)):
        env.update(s.env())
    return env


def _runs_as_non_root_after_every_install(stage: Stage) -> None:
    users = stage.args("USER")
    assert users, f"stage {stage.name} sets no USER: it would run as root"
    assert users[-1].split(":")[0] not in ("root", "0")
    # The last USER comes after the stage's last RUN, so the app never runs as root.
    last_user = max(i for i, (op, _) in enumerate(stage.instructions) if op == "USER")
    assert all(op != "RUN" for op, _ in stage.instructions[last_user:])


def test_every_external_base_image_is_python_311_slim() -> None:
    names = {s.name for s in _stages()}
    external = [s.base for s in _stages() if s.base not in names]
    assert external and all(base == "python:3.11-slim" for base in external), external


def test_runtime_image_has_ffmpeg_and_tesseract_spanish() -> None:
    final = _stages()[-1]
    apt = " ".join(args for s in _lineage(final) for args in s.args("RUN") if "apt-get install" in args)
    for package in ("ffmpeg", "tesseract-ocr", "tesseract-ocr-spa"):
        assert re.search(rf"(?<![\w-]){re.escape(package)}(?![\w-])", apt), package
    assert "rm -rf /var/lib/apt/lists" in apt


def test_package_is_installed_with_the_scale_and_otel_extras() -> None:
    # otel: Terraform sets MEDIASIFT_OTLP_ENDPOINT, and without the exporter tracing was off
    runs = [args for s in _stages() for args in s.args("RUN")]
    assert any(re.search(r"pip install \"?\.\[scale,otel\]\"?", r) for r in runs)


def test_default_target_is_the_cpu_api_image_as_non_root_with_a_health_check() -> None:
    # `docker build .` builds the last stage: it must stay the API/CPU-worker image.
    final = _stages()[-1]
    assert final.name != "gpu"
    _runs_as_non_root_after_every_install(final)
    health = [args for s in _lineage(final) for args in s.args("HEALTHCHECK")]
    assert len(health) == 1 and "127.0.0.1:8000/health" in health[0]
    assert json.loads(final.args("CMD")[-1]) == ["mediasift", "serve", "--no-workers", "--host", "0.0.0.0"]
    # CPU speech recognition: the settings' defaults, not a CUDA device.
    assert "MEDIASIFT_ASR_DEVICE" not in _effective_env(final)


def test_gpu_target_is_a_cuda_worker_with_cublas_and_cudnn_on_the_loader_path() -> None:
    gpu = _stage("gpu")
    assert gpu.base in {s.name for s in _stages()}, "gpu builds on the shared base stage"
    pip = " ".join(args for args in gpu.args("RUN") if "pip install" in args)
    assert re.search(r"nvidia-cublas-cu12==12\.", pip), pip
    assert re.search(r"nvidia-cudnn-cu12==9\.", pip), pip

    env = _effective_env(gpu)
    assert env["MEDIASIFT_ASR_DEVICE"] == "cuda"
    assert "float16" in env["MEDIASIFT_ASR_COMPUTE_TYPE"]
    assert env["PATH"].startswith("/opt/venv/bin:")
    loader_path = env["LD_LIBRARY_PATH"].split(":")
    for lib in ("cublas", "cudnn"):
        assert f"{SITE_PACKAGES}/nvidia/{lib}/lib" in loader_path, (lib, loader_path)

    _runs_as_non_root_after_every_install(gpu)
    assert json.loads(gpu.args("CMD")[-1]) == ["mediasift", "worker"]
    # A worker serves no HTTP: the API's /health check would mark it unhealthy.
    assert not [args for s in _lineage(gpu) for args in s.args("HEALTHCHECK")]


def test_every_mediasift_setting_in_the_images_is_a_real_setting_with_a_valid_value() -> None:
    fields = Settings.model_fields
    for stage in _stages():
        env = {
            k.removeprefix("MEDIASIFT_").lower(): v
            for k, v in _effective_env(stage).items()
            if k.startswith("MEDIASIFT_")
        }
        unknown = sorted(set(env) - set(fields))
        assert not unknown, f"stage {stage.name}: not Settings fields: {unknown}"
        if env:
            Settings(_env_file=None, **env)  # raises on a value the setting rejects


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
