"""The wheel `python -m build` makes is a working install on its own.

The default run checks the cheap part: the wheel holds every file of ``src/mediasift`` (migrations,
the web UI, data) and the ``mediasift`` command. The slow test installs it with its dependencies
into a fresh virtualenv (from the index pip uses here; no editable install, no source tree on the
path), then runs `mediasift doctor` and `mediasift serve`, uploads a file and finds it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.servers import free_port

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "mediasift"
NOT_SHIPPED = ("__pycache__", ".pyc")


def source_files() -> set[str]:
    """Paths of the package's files as a wheel names them (``mediasift/...``)."""
    return {
        path.relative_to(PACKAGE.parent).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and not any(part in str(path) for part in NOT_SHIPPED)
    }


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the sources (the build leaves build/ and egg-info behind)."""
    tree = tmp_path_factory.mktemp("wheel-src")
    shutil.copy(REPO / "pyproject.toml", tree)
    shutil.copy(REPO / "README.md", tree)
    shutil.copytree(PACKAGE, tree / "src" / "mediasift", ignore=shutil.ignore_patterns(*NOT_SHIPPED))
    dist = tree / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(tree)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [built] = dist.glob("mediasift-*.whl")
    return built


def test_wheel_holds_every_package_file_and_the_command(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        scripts = archive.read(entry_points).decode()

    shipped = {n for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert sorted(source_files() - shipped) == []
    assert sorted(shipped - source_files()) == []  # nothing from outside src/mediasift (tests, bench)
    assert "mediasift/catalog/migrations/versions/0001_initial_catalog.py" in shipped
    assert "mediasift/api/static/index.html" in shipped
    assert "mediasift = mediasift.cli.main:main" in scripts


def clean_env(home: Path) -> dict[str, str]:
    """No PYTHONPATH (the tests point it at src/), no MEDIASIFT_* from the test run."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("MEDIASIFT_")}
    return {**env, "MEDIASIFT_HOME": str(home), "MEDIASIFT_WORKERS": "1", "MEDIASIFT_POLL_INTERVAL_S": "0.1"}


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_serves_an_upload_and_finds_it(wheel: Path, tmp_path: Path):
    venv, run_dir = tmp_path / "venv", tmp_path / "run"
    run_dir.mkdir()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    env = clean_env(tmp_path / "home")
    started = time.monotonic()
    # With the source tree on PYTHONPATH, pip took its egg-info for mediasift already installed
    pip = [venv / "bin" / "pip", "install", "-q", str(wheel)]
    subprocess.run(pip, env=env, check=True, timeout=1800)
    print(f"pip install of the wheel and its dependencies: {time.monotonic() - started:.0f} s")

    where = subprocess.run(
        [venv / "bin" / "python", "-c", "import mediasift; print(mediasift.__file__)"],
        env=env,
        cwd=run_dir,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(venv), where  # the installed copy, not the source tree

    doctor = subprocess.run(
        [venv / "bin" / "mediasift", "doctor"],
        env=env,
        cwd=run_dir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr

    port = free_port()
    server = subprocess.Popen(
        [venv / "bin" / "mediasift", "serve", "--port", str(port)],
        env=env,
        cwd=run_dir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: httpx.get(f"{base}/ready", timeout=2).status_code == 200, 120)
        assert "<html" in httpx.get(f"{base}/").text.lower()  # the web UI's files are in the wheel
        created = httpx.post(
            f"{base}/v1/media",
            files={"file": ("note.txt", b"The greenhouse sprinklers run at dawn on Tuesdays.")},
        ).json()
        job_url = f"{base}/v1/jobs/{created['job']['id']}"
        wait_until(lambda: httpx.get(job_url).json()["status"] == "succeeded", 120)
        hits = httpx.get(f"{base}/v1/search", params={"q": "when do the sprinklers run"}).json()["hits"]
        assert hits and hits[0]["filename"] == "note.txt"
    finally:
        server.terminate()
        server.wait(timeout=60)


def wait_until(condition, timeout_s: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"not true after {timeout_s} s")
