"""One source file's segments: code chunks, a notebook's cells, a README's sections.

Every segment's ``meta`` says where it is — ``path``, ``line_start``, ``line_end`` (1-based,
inclusive; a notebook's are lines of its ``cell``) — and, for code, what it is: ``symbol``
(``Queue.push``), ``symbol_kind`` (function, method, class…), ``signature``, ``docstring`` and,
for a long definition cut into parts, ``part`` of ``part_count``. ``search_header`` is what the segment is
embedded and keyword-indexed with besides its text (``domain.indexed_text``): the symbol's name
split into words, its signature and docstring, and the file's path, so a question about what a
function does finds it as well as its name does. Code segments carry their programming language
as ``language``; prose (Markdown, notebook Markdown, outputs) gets its natural language later.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from mediasift.domain import Modality, Segment
from mediasift.extract.base import ExtractContext
from mediasift.extract.chunking import chunk_text
from mediasift.extract.code.notebooks import read_notebook
from mediasift.extract.code.syntax import CodeChunk, chunk_source, source_lines
from mediasift.media.source_files import SourceType

STAGE = "code"
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def identifier_words(name: str) -> str:
    """``retry_failed_job``, ``retryFailedJob``, ``RetryFailedJob`` → ``retry failed job``."""
    return " ".join(w.lower() for w in _CAMEL.findall(name))


def file_segments(ctx: ExtractContext, path: str, text: str, source: SourceType) -> list[Segment]:
    """The segments of one file, by its role: code, notebook, docs or config."""
    if source.role == "notebook":
        return notebook_segments(ctx, path, text)
    if source.role == "docs":
        return docs_segments(ctx, path, text, base={"path": path})
    chunks = chunk_source(text, source.language, source.grammar, ctx.settings.code_chunk_lines)
    return _code_segments(ctx, path, source.language, source_lines(text), chunks, {})


def _code_segments(
    ctx: ExtractContext,
    path: str,
    language: str,
    lines: list[str],
    chunks: list[CodeChunk],
    extra: dict[str, Any],
) -> list[Segment]:
    segments = []
    for chunk in chunks:
        body = "\n".join(lines[chunk.line_start - 1 : chunk.line_end])
        if not body.strip():
            continue
        meta: dict[str, Any] = {
            "path": path,
            "line_start": chunk.line_start,
            "line_end": chunk.line_end,
            **extra,
            "symbol": chunk.symbol,
            "symbol_kind": chunk.kind,
            "signature": chunk.signature,
            "docstring": chunk.docstring,
            "part": chunk.part,
            "part_count": chunk.parts,
        }
        meta = {k: v for k, v in meta.items() if v is not None}
        meta["search_header"] = search_header(path, language, chunk)
        segments.append(ctx.segment(STAGE, Modality.CODE, body, language=language, meta=meta))
    return segments


def search_header(path: str, language: str, chunk: CodeChunk) -> str:
    """What a chunk is, in words, for the embedder and the keyword index."""
    what = f"{language} {chunk.kind}"
    if chunk.symbol:
        words = identifier_words(chunk.symbol)
        what += f" {chunk.symbol}" + (f" ({words})" if words and words != chunk.symbol else "")
    lines = [what]
    if chunk.signature:
        lines.append(chunk.signature)
    if chunk.docstring:
        lines.append(chunk.docstring)
    lines.append(f"in {path} ({identifier_words(path.rsplit('.', 1)[0])})")
    return "\n".join(lines)


def docs_segments(ctx: ExtractContext, path: str, text: str, base: dict[str, Any]) -> list[Segment]:
    """Prose (a README, a notebook's Markdown cell) as ``text`` segments of the usual size, each
    with its line range and, in Markdown, the heading it sits under as its ``symbol``."""
    starts = _line_starts(text)
    headings = _headings(text)
    segments = []
    for chunk in chunk_text(text, ctx.settings.chunk_chars, ctx.settings.chunk_overlap_chars):
        first = _line_of(starts, chunk.start)
        last = _line_of(starts, max(chunk.start, chunk.end - 1))
        heading = next((h for line, h in reversed(headings) if line <= first), None)
        meta = {**base, "line_start": first, "line_end": last}
        if heading:
            meta["symbol"] = heading
            meta["symbol_kind"] = "section"
        meta["search_header"] = f"{heading or ''} in {path}".strip()
        segments.append(ctx.segment(STAGE, Modality.TEXT, chunk.text, meta=meta))
    return segments


def notebook_segments(ctx: ExtractContext, path: str, text: str) -> list[Segment]:
    """A notebook's cells: code cells chunked by syntax, Markdown cells as prose, and each code
    cell's output text as a ``text`` segment of its own (``output: true``); lines are the cell's."""
    notebook = read_notebook(text)
    segments: list[Segment] = []
    for cell in notebook.cells:
        if not cell.source.strip() and not cell.output:
            continue
        where = {"path": path, "cell": cell.number}
        if cell.kind == "markdown":
            segments.extend(docs_segments(ctx, path, cell.source, base=where))
            continue
        lines = source_lines(cell.source)
        if cell.source.strip():
            chunks = chunk_source(cell.source, notebook.language, None, ctx.settings.code_chunk_lines)
            segments.extend(_code_segments(ctx, path, notebook.language, lines, chunks, where))
        if cell.output:
            meta = {
                **where,
                "line_start": 1,
                "line_end": max(1, len(lines)),
                "output": True,
                "symbol": f"cell {cell.number} output",
                "symbol_kind": "output",
                "search_header": f"output of cell {cell.number} in {path}",
            }
            segments.append(ctx.segment(STAGE, Modality.TEXT, cell.output, meta=meta))
    return segments


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(i + 1 for i, c in enumerate(text) if c == "\n")
    return starts


def _line_of(starts: list[int], offset: int) -> int:
    return bisect.bisect_right(starts, offset)


def _headings(text: str) -> list[tuple[int, str]]:
    found = []
    fenced = False
    for number, line in enumerate(text.split("\n"), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        match = None if fenced else _HEADING.match(line)
        if match:
            found.append((number, match.group(2)))
    return found
