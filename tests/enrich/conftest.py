"""Labelled data and the shared E5 model for the enrichment tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mediasift.enrich.embedding import E5Queries, load_e5_queries

DATA = Path(__file__).parent / "data"


def load_data(name: str) -> Any:
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


def transcript(lang: str) -> list[tuple[str, str, float, None]]:
    return [(sid, text, start, None) for sid, text, start in load_data("transcripts")[lang]]


@pytest.fixture(scope="session")
def e5() -> E5Queries:
    return load_e5_queries(threads=2)
