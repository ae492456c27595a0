"""Sentences of a source, each with the second or page it comes from: the unit a citation quotes.

A speech source's timed ``parts`` (the recogniser's segments, kept in its ``meta``; seconds) are
split into sentences whose times
are interpolated by character position; a document source's text is split into sentences that all
carry the source's page. Text without sentence punctuation (OCR, tags) stays one unit, cut to
``MAX_UNIT_CHARS``. Code is not prose: a code source is one unit saying what it is — its signature
and the first paragraph of its docstring (or its first lines) — and a citation of it points at
its lines (``meta``), not at a sentence.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mediasift.domain import Hit

if TYPE_CHECKING:
    import numpy as np

MAX_UNIT_CHARS = 400
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"'(¿¡\w])")
_BLANK_LINES = re.compile(r"\n\s*\n")


@dataclass(slots=True)
class Sentence:
    n: int  # the citation number of its source
    text: str
    start_s: float | None
    end_s: float | None
    page: int | None
    position: int  # order within its source


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``: split at . ! ? … and blank lines; single line breaks are spaces."""
    return list(_split(text))


@functools.lru_cache(maxsize=4096)
def _split(text: str) -> tuple[str, ...]:
    # Search's second stage reads the sentences of every prose hit it re-scores, and a library's
    # passages come back query after query: each is split once (splitting was 40 % of re-scoring).
    out: list[str] = []
    for block in _BLANK_LINES.split(text):
        flat = " ".join(block.split())
        out.extend(s.strip() for s in _SENTENCE_END.split(flat) if s.strip())
    return tuple(s[:MAX_UNIT_CHARS] for s in out)


def sentence_texts(text: str, meta: dict[str, Any] | None) -> list[str]:
    """The sentences of a prose segment's ``text`` (of its timed ``parts`` where it has them), in
    the order ``sentence_units`` gives them: ingest embeds these, ask reads them back by position."""
    parts = (meta or {}).get("parts")
    if parts:
        return [s for part in parts for s in split_sentences(str(part.get("text", "")).strip())]
    return split_sentences(text)


def aligned(stored: np.ndarray | None, units: Sequence[Sentence]) -> np.ndarray | None:
    """``stored`` (a source's sentence vectors as ingest stored them, one row per sentence of
    ``sentence_texts``) when its rows are ``units``' sentences, else None: a source whose text was
    cut (to a context budget) or changed has sentences to embed instead."""
    return stored if stored is not None and len(stored) == len(units) else None


def sentence_units(source: Hit, n: int) -> list[Sentence]:
    """Every sentence of ``source`` (cited as ``[n]``) with its own time span (speech) or page
    (documents)."""
    units: list[Sentence] = []
    if source.modality == "code":
        return [Sentence(n, code_summary(source), source.start_s, source.end_s, source.page, 0)]
    parts = source.meta.get("parts")
    if parts:
        for part in parts:
            text = str(part.get("text", "")).strip()
            start, end = part.get("start_s"), part.get("end_s")
            units.extend(_timed(source, n, text, start, end, len(units)))
        return units
    for text in split_sentences(source.text):
        units.append(Sentence(n, text, source.start_s, source.end_s, source.page, len(units)))
    return units


def code_summary(source: Hit) -> str:
    """What a code source is, in a line: ``function retry_failed_job (retry failed job): Put a job
    back on the queue.`` — its kind and symbol (as its ``search_header`` names them; its path for
    lines outside any definition) and the first paragraph of its docstring, else its signature,
    else its first lines."""
    meta = source.meta
    header = str(meta.get("search_header") or "").split("\n", 1)[0]
    what = header.split(" ", 1)[1] if meta.get("symbol") and " " in header else str(meta.get("path") or "")
    doc = " ".join(str(meta.get("docstring") or "").strip().split("\n\n", 1)[0].split())
    detail = doc or str(meta.get("signature") or "").strip()
    if not detail:
        detail = " ".join(line.strip() for line in source.text.splitlines() if line.strip())
    return (f"{what}: {detail}" if what else detail)[:MAX_UNIT_CHARS]


def _timed(
    source: Hit, n: int, text: str, start: float | None, end: float | None, offset: int
) -> list[Sentence]:
    sentences = split_sentences(text)
    if start is None or end is None or len(sentences) <= 1:
        return [Sentence(n, s, start, end, source.page, offset + i) for i, s in enumerate(sentences)]
    # Speech runs at a roughly even rate, so a sentence's share of the characters is its share of time.
    total = sum(len(s) for s in sentences)
    out, cursor = [], 0
    for i, sentence in enumerate(sentences):
        s0 = start + (end - start) * cursor / total
        cursor += len(sentence)
        s1 = start + (end - start) * cursor / total
        out.append(Sentence(n, sentence, round(s0, 2), round(s1, 2), source.page, offset + i))
    return out
