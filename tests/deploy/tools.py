"""Where the offline infrastructure checkers live.

checkov pins ``networkx<2.7`` and its own ``hcl2`` fork, which clash with scikit-image and
python-hcl2 in the project's environment, so ``make test`` installs it into a venv of its own,
``.venv-checkov`` (``MEDIASIFT_CHECKOV`` may name another executable).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def checkov_command() -> list[str]:
    """The checkov executable, or skip the calling test with the reason."""
    candidates = [os.environ.get("MEDIASIFT_CHECKOV"), str(ROOT / ".venv-checkov" / "bin" / "checkov")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return [candidate]
    found = shutil.which("checkov")
    if found:
        return [found]
    pytest.skip("checkov is not installed (make test installs it into .venv-checkov)")
