"""What is code: a source file by its name once its bytes are text, a script by its shebang, a
notebook by its JSON, a repository by its archive; and how a path filter becomes index terms."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from mediasift.domain import code_reference, path_filter_terms, path_terms
from mediasift.errors import InvalidRequest, UnsupportedMedia
from mediasift.media.sniff import Sniffed, sniff
from tests.code.queries import NOTEBOOK_PATH, REPO

SOURCE = b'def add(a, b):\n    """Add."""\n    return a + b\n'


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("add.py", "text/x-python"),
        ("app.tsx", "text/x-typescript"),
        ("main.go", "text/x-go"),
        ("lib.rs", "text/x-rust"),
        ("Main.java", "text/x-java"),
        ("ring.h", "text/x-c"),
        ("lru.hpp", "text/x-c++"),
        ("schema.sql", "application/sql"),
        ("backup.sh", "text/x-shellscript"),
    ],
)
def test_text_named_as_source_code_is_code(tmp_path: Path, name: str, mime: str) -> None:
    path = tmp_path / "original"
    path.write_bytes(SOURCE)

    assert sniff(path, name) == Sniffed("code", mime, "." + name.rsplit(".", 1)[1])


def test_the_same_text_without_a_source_name_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "original"
    path.write_bytes(SOURCE)

    assert sniff(path, "notes.txt").kind == "text" and sniff(path).kind == "text"


def test_binary_bytes_named_as_source_are_not_read_as_code(tmp_path: Path) -> None:
    path = tmp_path / "original"
    path.write_bytes(bytes(range(256)) * 8)

    with pytest.raises(UnsupportedMedia):
        sniff(path, "evil.py")


def test_a_script_is_known_by_its_shebang(tmp_path: Path) -> None:
    path = tmp_path / "original"
    path.write_bytes(b"#!/usr/bin/env python3\nprint('hi')\n")

    assert sniff(path, "deploy").kind == "code" and sniff(path, "deploy").mime == "text/x-python"


def test_a_notebook_is_known_by_its_content(tmp_path: Path) -> None:
    path = tmp_path / "original"
    path.write_bytes((REPO / NOTEBOOK_PATH).read_bytes())

    assert sniff(path, "upload.json") == Sniffed("code", "application/x-ipynb+json", ".ipynb")


def test_tar_archives_plain_and_compressed_are_repositories(tmp_path: Path) -> None:
    plain = io.BytesIO()
    with tarfile.open(fileobj=plain, mode="w") as tar:
        info = tarfile.TarInfo("repo/add.py")
        info.size = len(SOURCE)
        tar.addfile(info, io.BytesIO(SOURCE))
    for suffix, data, mime in [
        ("tar", plain.getvalue(), "application/x-tar"),
        ("tar.gz", gzip.compress(plain.getvalue()), "application/gzip"),
    ]:
        path = tmp_path / f"repo.{suffix}"
        path.write_bytes(data)
        assert sniff(path) == Sniffed("code", mime, f".{suffix}")


def test_a_gzip_that_is_not_a_tar_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "log.gz"
    path.write_bytes(gzip.compress(b"just a log line\n" * 100))

    with pytest.raises(UnsupportedMedia, match="not a tar archive"):
        sniff(path)


def test_a_zip_of_source_files_is_a_repository_and_one_of_photos_is_not(tmp_path: Path) -> None:
    code, photos = tmp_path / "code.zip", tmp_path / "photos.zip"
    with zipfile.ZipFile(code, "w") as zf:
        zf.writestr("repo/add.py", SOURCE)
    with zipfile.ZipFile(photos, "w") as zf:
        zf.writestr("a.jpg", b"\xff\xd8\xff")

    assert sniff(code) == Sniffed("code", "application/zip", ".zip")
    with pytest.raises(UnsupportedMedia, match="holds no source files"):
        sniff(photos)


def test_a_file_is_found_by_its_path_its_folders_and_its_extension() -> None:
    assert path_terms("src/jobs/retry.py") == (
        "src/jobs/retry.py", "src/", "src/*.py", "src/jobs/", "src/jobs/*.py", "*.py",
    )  # fmt: skip
    assert path_terms("Makefile") == ("Makefile",) and path_terms("") == ()


@pytest.mark.parametrize(
    ("pattern", "terms"),
    [
        ("src/*", ["src/"]),
        ("src/**", ["src/"]),
        ("src/", ["src/"]),
        ("./src/jobs/*", ["src/jobs/"]),
        ("*.py", ["*.py"]),
        ("**/*.PY", ["*.py"]),
        ("src/*.py", ["src/*.py"]),
        ("src/**/*.py", ["src/*.py"]),
        ("src/jobs/retry.py", ["src/jobs/retry.py", "src/jobs/retry.py/"]),
    ],
)
def test_a_path_filter_becomes_the_terms_points_carry(pattern: str, terms: list[str]) -> None:
    assert path_filter_terms(pattern) == terms
    assert set(terms) & set(path_terms("src/jobs/retry.py")) or pattern.startswith("src/jobs/retry")


@pytest.mark.parametrize("pattern", ["*", "", "s*c/x.py", "src/re*.py", "retry?.py", "[ab].py"])
def test_a_glob_the_index_cannot_match_is_a_clear_error(pattern: str) -> None:
    with pytest.raises(InvalidRequest, match="use a folder"):
        path_filter_terms(pattern)


def test_code_is_cited_as_path_and_lines() -> None:
    assert code_reference({"path": "src/a.py", "line_start": 3, "line_end": 9}) == "src/a.py:3-9"
    assert (
        code_reference({"path": "nb.ipynb", "cell": 4, "line_start": 1, "line_end": 2})
        == "nb.ipynb#cell4:1-2"
    )
    assert code_reference({"char_start": 0}) is None
