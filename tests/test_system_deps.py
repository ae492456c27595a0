"""scripts/system-deps.sh: `run` asks only for what running needs, `test` for what the tests need,
and without apt or root it says what is missing and how to install it instead of failing in apt.

Missing tools are made real by running the script with a PATH that lacks them; "not root" by
dropping to the `nobody` user with setpriv. Nothing here installs anything: the script is only
allowed to call apt-get as root, and these runs are never root with apt-get on their PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "system-deps.sh"
TEST_ONLY = [
    "ffmpeg",
    "espeak-ng",
    "fonts-dejavu-core",
    "pocketsphinx-testdata",
    "chromium",
    "sox",
    "libreoffice-writer-nogui",
    "libreoffice-impress-nogui",
]
NOBODY = 65534


@pytest.fixture
def bare_path() -> Iterator[Path]:
    """A PATH directory any user can read, holding only what the script itself runs (grep)."""
    with tempfile.TemporaryDirectory(prefix="mediasift-path-") as name:
        path = Path(name)
        path.chmod(0o755)
        (path / "grep").symlink_to(shutil.which("grep"))
        yield path


def as_nobody() -> list[str]:
    if os.geteuid() != 0:
        return []  # already not root
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("needs setpriv (util-linux) to run the script as a user who is not root")
    return [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


def python_for(prefix: list[str], path: Path) -> str:
    """A Python >= 3.11 with venv that the user of ``prefix`` may run (root's pyenv is not one)."""
    check = '"$PY" -c "import sys, ensurepip; sys.exit(sys.version_info < (3, 11))"'
    for candidate in (sys.executable, "/usr/bin/python3"):
        probe = [*prefix, "/bin/bash", "-c", check]  # as the script will run it
        if (
            subprocess.run(probe, env={"PATH": str(path), "PY": candidate}, capture_output=True).returncode
            == 0
        ):
            return candidate
    pytest.skip("no Python >= 3.11 with venv that user nobody may run")


def run_script(profile: str, path: Path, prefix: list[str], **env: str) -> subprocess.CompletedProcess:
    variables = {"PATH": str(path), "PY": python_for(prefix, path), **env}
    return subprocess.run(
        [*prefix, "/bin/bash", str(SCRIPT), profile],
        env=variables,
        cwd="/",
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def rows(output: str) -> dict[str, tuple[str, str]]:
    """package -> (ok | missing, required | optional) from the script's table."""
    table = {}
    for line in output.splitlines():
        cells = line.split()
        if len(cells) >= 3 and cells[0] in ("ok", "missing"):
            table[cells[1]] = (cells[0], cells[2])
    return table


def test_run_asks_for_no_test_only_package(bare_path: Path):
    result = run_script("run", bare_path, as_nobody())

    assert result.returncode == 0, result.stdout + result.stderr
    table = rows(result.stdout)
    assert not set(TEST_ONLY) & set(table)
    assert table["tesseract-ocr"] == ("missing", "optional")
    assert table["tesseract-ocr-spa"] == ("missing", "optional")
    assert "sudo apt-get install --no-install-recommends tesseract-ocr tesseract-ocr-spa" in result.stdout
    assert "installing" not in result.stdout


def test_test_without_root_or_sudo_names_what_is_missing_and_fails(bare_path: Path):
    (bare_path / "apt-get").symlink_to("/bin/false")  # apt exists, but this user may not use it

    result = run_script("test", bare_path, as_nobody(), MEDIASIFT_BROWSER_TESTS="0")

    assert result.returncode == 1
    table = rows(result.stdout)
    for package in ("ffmpeg", "espeak-ng", "tesseract-ocr", "tesseract-ocr-spa"):
        assert table[package] == ("missing", "required"), package
    assert "chromium" not in table  # MEDIASIFT_BROWSER_TESTS=0
    assert "you are not root and cannot use sudo" in result.stdout
    assert (
        "sudo apt-get install --no-install-recommends tesseract-ocr tesseract-ocr-spa ffmpeg espeak-ng"
        in (result.stdout)
    )
    assert "Required, missing: tesseract-ocr tesseract-ocr-spa ffmpeg espeak-ng" in result.stderr


def test_without_apt_get_it_says_so_and_installs_nothing(bare_path: Path):
    result = run_script("test", bare_path, [], MEDIASIFT_BROWSER_TESTS="0")

    assert result.returncode == 1
    assert "Cannot install them here: apt-get is not available on this system" in result.stdout


def test_python_older_than_3_11_is_named_with_the_way_out(bare_path: Path, tmp_path: Path):
    old_python = tmp_path / "python3.9"
    # Answers the script's version question with 3.9; every other use fails, as the real one would.
    old_python.write_text("#!/bin/bash\ncase $2 in *print*) echo 3.9; exit 0;; esac; exit 1\n")
    old_python.chmod(0o755)

    result = run_script("run", bare_path, [], PY=str(old_python))

    assert result.returncode == 1
    assert f"mediasift needs Python >= 3.11; '{old_python}' is 3.9." in result.stderr
    assert "make run PY=/path/to/python3.11" in result.stderr


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs tesseract-ocr")
def test_on_this_machine_run_finds_everything(bare_path: Path):
    (bare_path / "tesseract").symlink_to(shutil.which("tesseract"))

    result = run_script("run", bare_path, [])

    assert result.returncode == 0, result.stdout + result.stderr
    assert set(rows(result.stdout).values()) == {("ok", "required"), ("ok", "optional")}
