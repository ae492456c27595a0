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
    assert text.split("\n\n") == [  # a line a paragraph (a sentence to ask), an item's lines together
        "title: Gazpacho",
        "serves: 4",
        "vegan: true",
        "steps:",
        "  - Blend the tomatoes",
        "  - do: Chill\n    minutes: 60",
        "title: Tortilla",
        "ingredients:",
        "  eggs: 6",
        "  potatoes: 500 g",
    ]


def test_json_lines_are_records_and_what_does_not_parse_is_read_as_written(tmp_path: Path) -> None:
    lines = "\n".join(json.dumps(r) for r in RECIPES)
    assert _read(tmp_path, "log.jsonl", lines)[1].startswith("title: Gazpacho\n\nserves: 4")
    broken = '{"title": "Gazpacho", "steps": ["Blend'
    assert _read(tmp_path, "cut.json", broken) == ("text/plain", broken)
    deep = "[" * 5000 + "]" * 5000
    assert set(_read(tmp_path, "deep.json", deep)[1]) == set("[]\n")  # chunked, not failed


def test_prose_opening_as_json_might_is_not_json(tmp_path: Path) -> None:
    for text in (
        "[The harbour](https://example.org) opens at nine.",
        "[1] Introduction\n[2] Methods",
        "{} braces",
    ):
        assert _read(tmp_path, "notes.txt", text)[0] != "application/json", text


def test_a_json_document_longer_than_the_sniffed_head_is_json(tmp_path: Path) -> None:
    records = [{"title": f"Recipe {i}", "steps": ["Chop", "Stir", "Serve"] * 5} for i in range(400)]
    mime, text = _read(tmp_path, "many.json", json.dumps(records))
    assert mime == "application/json" and text.startswith("title: Recipe 0\n\nsteps:\n\n  - Chop")
