"""A document's extracted structure, from its stored segments, as plain text, Markdown or JSON.

Nothing is read again from the original: what extraction stored is what comes out. A document is a
list of sections, one per page or slide (one in all for a document without pages):

- ``text``: the section's text. Text segments overlap (chunking repeats up to 120 characters, from
  a sentence start), so they are joined on their ``char_start``/``char_end`` offsets, each character once;
- ``title``: a slide's title;
- ``tables``: runs of lines of cells separated by `` | `` (how extraction writes DOCX and PPTX
  tables), as lists of rows of cells; Markdown draws them as tables;
- ``notes``: a slide's speaker notes;
- ``pictures``: text read (OCR) in the section's pictures or scanned page.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


class StoredSegment(Protocol):
    modality: str
    text: str
    page: int | None
    meta: dict[str, Any]


@dataclass(slots=True)
class Section:
    page: int | None
    title: str | None = None
    text: str = ""
    tables: list[list[list[str]]] = field(default_factory=list)
    notes: str = ""
    pictures: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "title": self.title,
            "text": self.text,
            "tables": self.tables,
            "notes": self.notes,
            "pictures": self.pictures,
        }


def sections(segments: Sequence[StoredSegment]) -> list[Section]:
    """The document's sections in page order (a section without a page first)."""
    by_page: dict[int | None, list[StoredSegment]] = {}
    for seg in segments:
        by_page.setdefault(seg.page, []).append(seg)
    found = []
    for page in sorted(by_page, key=lambda p: -1 if p is None else p):
        group = by_page[page]
        texts = [s for s in group if s.modality == "text"]
        section = Section(page=page, text=join_chunks(texts))
        section.title = next((str(s.meta["title"]) for s in texts if s.meta.get("title")), None)
        section.tables = tables(section.text)
        section.notes = "\n\n".join(s.text.strip() for s in group if s.modality == "note" and s.text.strip())
        section.pictures = [s.text.strip() for s in group if s.modality == "ocr" and s.text.strip()]
        found.append(section)
    return found


def join_chunks(chunks: Sequence[StoredSegment]) -> str:
    """The text the chunks were cut from: each begins at its ``char_start``, and the part of one
    that the previous one already holds is not repeated. Chunks without offsets are paragraphs."""
    if not chunks or any("char_start" not in c.meta for c in chunks):
        return "\n\n".join(c.text.strip() for c in chunks if c.text.strip())
    ordered = sorted(chunks, key=lambda c: int(c.meta["char_start"]))
    text, covered = "", 0  # covered: where, in the source, the text so far ends
    for chunk in ordered:
        start = int(chunk.meta["char_start"])
        if not text:
            text, covered = chunk.text, start + len(chunk.text)
            continue
        if start < covered:
            rest = chunk.text[covered - start :]
        else:  # only whitespace lay between (chunking skips nothing else)
            rest = ("\n\n" if start - covered > 1 else " ") + chunk.text
        text += rest
        covered = max(covered, start + len(chunk.text))
    return text


def _cells(line: str) -> list[str] | None:
    return [cell.strip() for cell in line.split(" | ")] if " | " in line else None


def tables(text: str) -> list[list[list[str]]]:
    """Runs of two or more lines with the same number of `` | ``-separated cells (blank lines
    between rows allowed)."""
    found: list[list[list[str]]] = []
    run: list[list[str]] = []
    for line in [*text.splitlines(), "<end>"]:
        if not line.strip():
            continue
        cells = _cells(line.strip())
        if cells is not None and (not run or len(cells) == len(run[0])):
            run.append(cells)
            continue
        if len(run) >= 2:
            found.append(run)
        run = [cells] if cells is not None else []
    return found


def to_txt(parts: list[Section]) -> str:
    blocks = []
    for section in parts:
        lines = [section.text.strip()] if section.text.strip() else []
        if section.notes:
            lines.append(f"Notes: {section.notes}")
        lines += section.pictures
        if lines:
            blocks.append("\n\n".join(lines))
    return "\n\n\f\n\n".join(blocks) + "\n"  # a form feed between pages, as pdftotext writes


def to_markdown(
    parts: list[Section],
    title: str,
    *,
    slides: bool,
    outline: Sequence[Sequence[Any]] = (),
    items: Sequence[str] = (),
) -> str:
    """``outline``: the document's headings as extraction found them ((level, text) in order: a
    DOCX's "Heading N" paragraphs, an HTML page's or a Markdown file's ``h1``–``h6``), drawn as
    Markdown headings under the document's title; ``items``: its lists' items (a DOCX's bulleted
    and numbered paragraphs, ``li``), drawn as list items; a slide's lines are drawn as its bullets."""
    headings: dict[str, list[int]] = {}
    for level, text in outline:
        headings.setdefault(_inline(str(text)), []).append(int(level))
    listed = {_inline(str(item)) for item in items}
    out = [f"# {_inline(title)}", ""]
    for section in parts:
        if section.page is not None:
            label = "Slide" if slides else "Page"
            heading = f"{label} {section.page}"
            if section.title:
                heading += f": {_inline(section.title)}"
            out += [f"## {heading}", ""]
        body = section.text
        if slides and section.title and body.startswith(section.title):
            body = body[len(section.title) :].lstrip("\n")
        out += _markdown_body(
            body, headings, bullets=slides, below=2 if section.page is None else 3, listed=listed
        )
        if section.notes:
            out += ["> **Notes:** " + "\n> ".join(section.notes.splitlines()), ""]
        for text in section.pictures:
            out += ["*Text in a picture:* " + " ".join(text.split()), ""]
    return "\n".join(out).rstrip() + "\n"


def _markdown_body(
    text: str,
    headings: dict[str, list[int]] | None = None,
    *,
    bullets: bool = False,
    below: int = 2,
    listed: set[str] | frozenset[str] = frozenset(),
) -> list[str]:
    """Paragraphs as they are, each table run drawn as a Markdown table, a line that is one of
    ``headings`` (text → the levels it still has, in order) as a heading of that level under
    level ``below`` - 1, a line that is one of ``listed`` as a list item, and with ``bullets``
    every other line as a list item too."""
    out: list[str] = []
    run: list[list[str]] = []

    def close_run() -> None:
        if len(run) >= 2:
            out.extend(_markdown_table(run))
        else:
            out.extend([" | ".join(row) for row in run] + ([""] if run else []))
        run.clear()

    for line in text.splitlines():
        cells = _cells(line.strip()) if line.strip() else None
        if cells is not None and (not run or len(cells) == len(run[0])):
            run.append(cells)
            continue
        if not line.strip():
            if run:
                continue  # a blank line between two rows of one table
            if out and out[-1] != "":
                out.append("")
            continue
        close_run()
        if cells is not None:
            run.append(cells)
            continue
        levels = (headings or {}).get(_inline(line))
        if levels:
            if out and out[-1] != "":
                out.append("")
            out += ["#" * min(6, below - 1 + levels.pop(0)) + " " + _inline(line), ""]
        elif bullets or _inline(line) in listed:
            if not bullets and out and out[-1] != "" and not out[-1].startswith("- "):
                out.append("")  # a list begins apart from the paragraph before it
            out.append("- " + line.strip())
        else:
            out.append(line.rstrip())
    close_run()
    if out and out[-1] != "":
        out.append("")
    return out


def _markdown_table(rows: list[list[str]]) -> list[str]:
    def row(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return ["", row(rows[0]), "|" + " --- |" * len(rows[0]), *(row(r) for r in rows[1:]), ""]


def _inline(text: str) -> str:
    return " ".join(text.split())


def to_json(parts: list[Section], header: dict[str, Any]) -> str:
    return json.dumps({**header, "sections": [s.to_dict() for s in parts]}, ensure_ascii=False, indent=1)
