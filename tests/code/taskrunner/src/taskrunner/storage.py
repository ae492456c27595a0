"""Checkpoints: a long job's progress, kept on disk between attempts."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


def save_checkpoint(path: Path, state: dict) -> None:
    """Store ``state`` so that a reader sees either the old file or the new one, never half of it.

    The JSON goes to a temporary file in the same folder, is flushed to the disk, and then
    replaces the old file in one rename.
    """
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".checkpoint-")
    with os.fdopen(fd, "w") as f:
        json.dump(state, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)


def load_checkpoint(path: Path) -> dict:
    """The saved state, or an empty one for a job that never saved any."""
    if not path.exists():
        return {}
    return json.loads(path.read_text())
