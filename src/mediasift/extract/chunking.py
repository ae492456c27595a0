"""Split text into retrieval chunks that keep their character offsets.

Chunks end at paragraph, then sentence, then word boundaries near ``target`` characters, and
overlap by at most ``overlap`` characters so a sentence cut at a boundary is still found whole. The
overlap starts at the last sentence that begins within it (a word boundary where none does): a
chunk that opened mid-sentence would have ingest embed that fragment as a sentence of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mediasift.domain import Modality
from mediasift.text_form import searchable

if TYPE_CHECKING:
    from mediasift.domain import Segment
    from mediasift.extract.base import ExtractContext

_BREAKS = [re.compile(r"\n\s*\n"), re.compile(r"(?<=[.!?¿¡…])\s+"), re.compile(r"\s+")]


@dataclass(frozen=True, slots=True)
class Chunk:
    start: int  # character offset in the source text
    end: int
    text: str


def chunk_text(text: str, target: int = 800, overlap: int = 120) -> list[Chunk]:
    chunks: list[Chunk] = []
    n = len(text)
    pos = 0
    while pos < n:
        while pos < n and text[pos].isspace():
            pos += 1
        if pos >= n:
            break
        end = min(n, pos + target)
        if end < n:
            end = _best_break(text, pos + target // 2, end)
        piece = text[pos:end].strip()
        if piece:
            chunks.append(Chunk(pos, end, piece))
        if end >= n:
            break
        pos = _overlap_start(text, max(end - overlap, pos + 1), end)
    return chunks


def _overlap_start(text: str, lo: int, end: int) -> int:
    """Where the next chunk starts, within ``[lo, end)``: at the last sentence that begins there, so
    the chunk does not open on a fragment that ingest would embed as a sentence of its own; else at
    the first word boundary, so no chunk begins mid-word; else (no overlap) at ``end``."""
    last = None
    for pattern in _BREAKS[:2]:
        for m in pattern.finditer(text, lo, end):
            if m.end() < end and (last is None or m.end() > last):
                last = m.end()
    if last is not None:
        return last
    space = text.find(" ", lo, end)
    return space + 1 if space != -1 else end


def text_segments(
    ctx: ExtractContext, text: str, page: int | None = None, stage: str = "text"
) -> list[Segment]:
    """``text`` as ``text`` segments of the configured chunk size; each segment's ``meta`` keeps
    ``char_start``/``char_end`` into ``text`` as search writes it (``text_form.searchable``) so a
    citation can point back."""
    text = searchable(text)
    return [
        ctx.segment(
            stage,
            Modality.TEXT,
            chunk.text,
            page=page,
            meta={"char_start": chunk.start, "char_end": chunk.end},
        )
        for chunk in chunk_text(text, ctx.settings.chunk_chars, ctx.settings.chunk_overlap_chars)
    ]


def _best_break(text: str, lo: int, hi: int) -> int:
    window = text[lo:hi]
    for pattern in _BREAKS:
        last = None
        for m in pattern.finditer(window):
            last = m
        if last is not None:
            return lo + last.end()
    return hi
