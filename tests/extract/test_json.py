"""A JSON document is read as its keys and values, not its punctuation; it was indexed as written,
braces and quotes included."""

from __future__ import annotations

import json
from pathlib import Path

from mediasift.extract.documents import extract_document
from mediasift.media.sniff import sniff

from .imaging_samples import context

RECIPES = [
    {
        "title": "Gazpacho",
        "serves": 4,
        "vegan": True,
        "notes": None,
        "steps": ["Blend the tomatoes", {"do": "Chill", "minutes": 60}],
        "tags": [],
    },
    {"title": "Tortilla", "ingredients": {"eggs": 6, "potatoes": "500 g"}},
]


def _read(tmp_path: Path, name: str, text: str) -> tuple[str, str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    sniffed = sniff(path, name)
    extraction = extract_document(context(tmp_path, path, kind=sniffed.kind, mime=sniffed.mime))
    return sniffed.mime, "\n".join(s.text for s in extraction.segments)


def test_a_json_document_is_read_as_keys_and_values(tmp_path: Path) -> None:
    mime, text = _read(tmp_path, "recipes.json", json.dumps(RECIPES, indent=2))
    assert mime == "application/json"
    assert text == (
        "title: Gazpacho\nserves: 4\nvegan: true\nsteps:\n  - Blend the tomatoes\n  - do: Chill"
        "\n    minutes: 60\n\ntitle: Tortilla\ningredients:\n  eggs: 6\n  potatoes: 500 g"
    )


def test_json_lines_are_records_and_what_does_not_parse_is_read_as_written(tmp_path: Path) -> None:
    lines = "\n".join(json.dumps(r) for r in RECIPES)
    assert _read(tmp_path, "log.jsonl", lines)[1].startswith("title: Gazpacho\nserves: 4")
    broken = '{"title": "Gazpacho", "steps": ["Blend'
    assert _read(tmp_path, "cut.json", broken) == ("application/json", broken)
    deep = "[" * 5000 + "]" * 5000
    assert set(_read(tmp_path, "deep.json", deep)[1]) == set("[]\n")  # chunked, not failed


def test_markdown_opening_on_a_link_is_not_json(tmp_path: Path) -> None:
    mime, _ = _read(tmp_path, "notes.md", "[The harbour](https://example.org) opens at nine.")
    assert mime != "application/json"
