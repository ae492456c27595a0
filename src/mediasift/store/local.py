"""Local-directory object store: the embedded default.

Writes go to a temporary file in the same directory and are renamed into place, so a reader never
sees half an object and a crash leaves no partial original behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from mediasift.errors import InvalidRequest, NotFound

_CHUNK = 1024 * 1024


class LocalStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if not key or key.startswith("/") or "\\" in key or any(p in ("", ".", "..") for p in key.split("/")):
            raise InvalidRequest(f"invalid object key: {key!r}")
        return self.root / key

    def put_stream(self, key: str, stream: BinaryIO, content_type: str | None = None) -> int:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(_CHUNK):
                    out.write(chunk)
                    written += len(chunk)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return written

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> None:
        import io

        self.put_stream(key, io.BytesIO(data), content_type)

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise NotFound(f"object {key} not found") from None

    def get_bytes(self, key: str) -> bytes:
        with self.open(key) as f:
            return f.read()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        keys = list(self.list(prefix))
        for key in keys:
            self.delete(key)
        top = self.root / prefix.rstrip("/")
        if prefix.endswith("/") and top.is_dir():
            shutil.rmtree(top, ignore_errors=True)
        return len(keys)

    def list(self, prefix: str) -> Iterator[str]:
        # A prefix is a plain string prefix, as on S3: "p/t1" must also find "p/t10/a".
        base = self.root / prefix
        start = base if prefix.endswith("/") or not prefix else base.parent
        if not start.is_dir():
            return
        for path in sorted(start.rglob("*")):
            if path.is_file() and not path.name.startswith(".part-"):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    yield key

    @contextmanager
    def local_path(self, key: str) -> Iterator[Path]:
        path = self._path(key)
        if not path.is_file():
            raise NotFound(f"object {key} not found")
        yield path

    def url(self, key: str, expires_s: int = 3600) -> str | None:
        return None
