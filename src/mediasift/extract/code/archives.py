"""Repository archives (.zip, .tar, .tar.gz/.bz2/.xz) read safely, and folders packed as one.

``repository_files(path, mime, limits)`` yields the archive's files worth indexing as
``(path, text)`` and counts what it skipped, by reason, in ``Selection.skipped``:

- **refused** (the whole archive fails): a member name that is absolute or climbs out with ``..``
  (``MediaRejected``); more members than ``max_files``, regular files adding up to more than
  ``max_bytes``, or a member deeper than ``max_depth`` folders (``LimitExceeded``). Sizes come from
  the member headers before any data is unpacked, and a tar is read as a stream, so a bomb is
  refused after reading headers only;
- **skipped** (counted, the rest is indexed): links and special files (``links``), what a
  ``.gitignore`` of the archive ignores (``ignored``; nested ones apply below their folder),
  vendored folders, generated files and kinds of file mediasift does not read (see
  ``media/source_files.py``), files over ``max_file_bytes`` (``too_large``) and binary content.

Member paths are ``/``-separated and relative; a single folder holding everything (GitHub's
``project-main/``) is dropped from them, so paths read as they do in the repository.

``pack_folder(folder, out)`` writes a folder as a ``.tar.gz`` by the same rules (``.git`` and
what ``.gitignore`` files ignore left out), for ``mediasift ingest --repo``.
"""

from __future__ import annotations

import gzip
import lzma
import tarfile
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pathspec

from mediasift.errors import CorruptMedia, LimitExceeded, MediaRejected
from mediasift.media.source_files import (
    VENDORED_FOLDERS,
    content_skip_reason,
    decode_source,
    skip_reason,
)
from mediasift.text_form import decoded_name

GITIGNORE = ".gitignore"
_GITIGNORE_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    max_files: int  # members of any kind
    max_bytes: int  # regular files' sizes, added up
    max_file_bytes: int  # a larger file is skipped, not read
    max_depth: int  # folders above a member


@dataclass(frozen=True, slots=True)
class _Entry:
    path: str
    size: int
    handle: Any  # the ZipInfo or TarInfo


@dataclass
class Selection:
    """What reading a repository found: ``files`` read, ``skipped`` counted by reason."""

    files: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    members: int = 0  # files in the archive (links and folders aside), read or skipped

    @property
    def done(self) -> float:
        """The share of the archive's files looked at so far, 0..1."""
        return (self.files + sum(self.skipped.values())) / max(1, self.members)


def member_path(name: str, max_depth: int) -> str | None:
    """A member's name as a safe relative path; None for a name that is only a folder.

    ``MediaRejected`` for one that would land outside the archive (absolute, a drive, ``..``),
    ``LimitExceeded`` for one deeper than ``max_depth`` folders."""
    text = name.replace("\\", "/")
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if text.startswith("/") or (len(text) > 1 and text[1] == ":") or ".." in parts:
        raise MediaRejected(
            f"archive member {name[:200]!r} points outside the archive (an absolute path or '..'): "
            "the archive is refused",
            public=True,  # the member's name, not a path of the server's: shown as it is
        )
    if len(parts) - 1 > max_depth:
        raise LimitExceeded(
            f"archive member {name[:200]!r} is {len(parts) - 1} folders deep; the limit is {max_depth}"
        )
    return "/".join(parts) or None


def repository_files(
    path: Path, mime: str, limits: ArchiveLimits, selection: Selection
) -> Iterator[tuple[str, str]]:
    """The archive's files to index, ``(path, text)`` in archive order; counts into ``selection``."""
    with _open(path, mime) as archive:
        entries = _bounded_entries(archive, limits, selection)
        entries = _without_common_folder(entries)
        selection.members = len(entries)
        ignored = _IgnoreRules(
            {e.path: archive.read(e.handle, _GITIGNORE_BYTES) for e in entries if _is_gitignore(e.path)}
        )
        for entry in entries:
            reason = skip_reason(entry.path)
            if reason is None and ignored.ignores(entry.path):
                reason = "ignored"
            if reason is None and entry.size > limits.max_file_bytes:
                reason = "too_large"
            text = None
            if reason is None:
                text = decode_source(archive.read(entry.handle, limits.max_file_bytes))
                reason = "binary" if text is None else content_skip_reason(text)
            if reason is not None or text is None:
                if not _is_gitignore(entry.path):
                    selection.skipped[reason or "binary"] += 1
                continue
            selection.files += 1
            yield entry.path, text


def _bounded_entries(archive: _Archive, limits: ArchiveLimits, selection: Selection) -> list[_Entry]:
    entries: list[_Entry] = []
    total = members = 0
    for name, size, kind, handle in archive.members():
        members += 1
        if members > limits.max_files:
            raise LimitExceeded(f"the archive holds more than {limits.max_files} files")
        path = member_path(name, limits.max_depth)
        if path is None or kind == "folder":
            continue
        if kind != "file":
            selection.skipped["links"] += 1
            continue
        total += size
        if total > limits.max_bytes:
            raise LimitExceeded(f"the archive unpacks to more than {limits.max_bytes} bytes")
        entries.append(_Entry(path, size, handle))
    return entries


def _without_common_folder(entries: list[_Entry]) -> list[_Entry]:
    """Drop a first folder every member shares (``project-main/src/x.py`` → ``src/x.py``)."""
    firsts = {e.path.split("/", 1)[0] for e in entries}
    if len(firsts) != 1 or any("/" not in e.path for e in entries):
        return entries
    return [_Entry(e.path.split("/", 1)[1], e.size, e.handle) for e in entries]


def _is_gitignore(path: str) -> bool:
    return path.rsplit("/", 1)[-1] == GITIGNORE


class _IgnoreRules:
    """The archive's ``.gitignore`` files: each applies to the paths under its folder, and the
    deepest one that says something about a path decides (a ``!pattern`` brings a file back)."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self._specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []
        for path, data in sorted(files.items(), key=lambda item: item[0].count("/")):
            folder = path[: -len(GITIGNORE)]
            lines = data.decode("utf-8", errors="replace").splitlines()
            self._specs.append((folder, pathspec.GitIgnoreSpec.from_lines(lines)))

    def ignores(self, path: str) -> bool:
        ignored = False
        for folder, spec in self._specs:
            if folder and not path.startswith(folder):
                continue
            verdict = spec.check_file(path[len(folder) :]).include
            if verdict is not None:
                ignored = verdict
        return ignored


# -- the two archive formats ------------------------------------------------------------------------


class _Archive:
    def members(self) -> Iterator[tuple[str, int, str, Any]]:
        """``(name, size, kind, handle)`` per member, kind one of file, folder, link."""
        raise NotImplementedError

    def read(self, handle: Any, limit: int) -> bytes:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> _Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# What reading a damaged archive raises: gzip's and xz's streams raise their codec's own errors
# (zlib.error, LZMAError) for a bad block, not tarfile's or OSError.
_DAMAGED = (tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError)


def _open(path: Path, mime: str) -> _Archive:
    try:
        return _Zip(path) if mime == "application/zip" else _Tar(path)
    except (zipfile.BadZipFile, *_DAMAGED) as exc:
        raise CorruptMedia(f"corrupt archive: {exc}") from None


_S_IFMT, _S_IFLNK = 0o170000, 0o120000


_ZIP_UTF8 = 0x800  # the general-purpose flag bit that says a zip member's name is UTF-8


def _zip_name(info: zipfile.ZipInfo) -> str:
    """A zip member's name. Without the UTF-8 flag Python reads it as code page 437, but many
    tools (macOS's Archive Utility among them) write UTF-8 without setting the flag: such a name
    is read as the UTF-8 it is ("café.py", not "cafÃ©.py")."""
    if info.flag_bits & _ZIP_UTF8 or info.filename.isascii():
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except UnicodeError:
        return info.filename


class _Zip(_Archive):
    def __init__(self, path: Path) -> None:
        self._zip = zipfile.ZipFile(path)

    def members(self) -> Iterator[tuple[str, int, str, Any]]:
        for info in self._zip.infolist():
            if info.is_dir():
                kind = "folder"
            elif (info.external_attr >> 16) & _S_IFMT == _S_IFLNK:
                kind = "link"
            else:
                kind = "file"
            yield _zip_name(info), info.file_size, kind, info

    def read(self, handle: Any, limit: int) -> bytes:
        try:
            with self._zip.open(handle) as member:
                return member.read(limit)
        except (zipfile.BadZipFile, *_DAMAGED) as exc:
            raise CorruptMedia(f"corrupt archive member {handle.filename!r}: {exc}") from None

    def close(self) -> None:
        self._zip.close()


class _Tar(_Archive):
    def __init__(self, path: Path) -> None:
        # "r:*": plain, gzip, bzip2 or xz; members are read as the stream passes them.
        self._tar = tarfile.open(path, "r:*")  # noqa: SIM115 (closed by close(), as the zip is)

    def members(self) -> Iterator[tuple[str, int, str, Any]]:
        try:
            for info in self._tar:
                if info.isdir():
                    kind = "folder"
                elif info.isreg() and not info.issparse():
                    kind = "file"
                else:
                    kind = "link"  # symbolic and hard links, devices, FIFOs, sparse files
                yield decoded_name(info.name), info.size, kind, info  # Latin-1 names too
        except _DAMAGED as exc:
            raise CorruptMedia(f"corrupt tar archive: {exc}") from None

    def read(self, handle: Any, limit: int) -> bytes:
        try:
            member = self._tar.extractfile(handle)
            return member.read(limit) if member is not None else b""
        except _DAMAGED as exc:
            raise CorruptMedia(f"corrupt archive member {handle.name!r}: {exc}") from None

    def close(self) -> None:
        self._tar.close()


# -- a folder as an archive ------------------------------------------------------------------------


def pack_folder(folder: Path, out: Path) -> int:
    """Write ``folder``'s files as a ``.tar.gz`` at ``out`` (under one folder of its name), leaving
    out what extraction would skip by name: ``.git`` and other vendored folders, generated files,
    kinds of file mediasift does not read, and what the folder's ``.gitignore`` files ignore.
    Links are not followed. Returns how many files went in."""
    files = sorted(_walk(folder))
    rules = _IgnoreRules(
        {
            f.relative_to(folder).as_posix(): f.read_bytes()[:_GITIGNORE_BYTES]
            for f in files
            if f.name == GITIGNORE
        }
    )
    count = 0
    # The same files make the same bytes (no time, owner or name in the headers): the archive is
    # the repository's media, and bytes it holds already are nothing new to process.
    with (
        out.open("wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as packed,
        tarfile.open(fileobj=packed, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for file in files:
            relative = file.relative_to(folder).as_posix()
            if file.name == GITIGNORE or (skip_reason(relative) is None and not rules.ignores(relative)):
                tar.add(file, arcname=f"{folder.name}/{relative}", recursive=False, filter=_reproducible)
                count += 1
    return count


def _reproducible(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
    info.mode = 0o755 if info.mode & 0o111 else 0o644
    info.pax_headers = {}
    return info


def _walk(folder: Path) -> Iterator[Path]:
    """Files under ``folder``, not descending into vendored folders nor following links."""
    for entry in folder.iterdir():
        if entry.is_symlink():
            continue
        if entry.is_dir():
            if entry.name not in VENDORED_FOLDERS:
                yield from _walk(entry)
        elif entry.is_file():
            yield entry
