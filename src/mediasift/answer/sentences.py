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
from mediasift.enrich.text_units import closes_abbreviation, ends_a_sentence, line_blocks

if TYPE_CHECKING:
    import numpy as np

MAX_UNIT_CHARS = 400
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"'(¿¡\w])")


@dataclass(slots=True)
class Sentence:
    n: int  # the citation number of its source
    text: str
    start_s: float | None
    end_s: float | None
    page: int | None
    position: int  # order within its source


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``: split at . ! ? …, blank lines and around lines in capitals (a
    sign's: ``enrich.text_units.line_blocks``); other single line breaks are spaces. A heading
    in lower case stays with what follows, and a slide's bullets together: they are what tells
    search which passage it is ("Offsite agenda" over "Day two: hiking…"), and a bullet alone is
    too short to be told apart from any question by its vector ("Move-in on 1 October" scored
    0.88 for "¿qué días abre el mercado?")."""
    return list(_split(text))


@functools.lru_cache(maxsize=4096)
def _split(text: str) -> tuple[str, ...]:
    # Search's second stage reads the sentences of every prose hit it re-scores, and a library's
    # passages come back query after query: each is split once (splitting was 40 % of re-scoring).
    out: list[str] = []
    for block in line_blocks(text, headings=False):
        pending = ""
        for piece in _SENTENCE_END.split(" ".join(block.split())):
            if not (piece := piece.strip()):
                continue
            pending = f"{pending} {piece}" if pending else piece
            if not closes_abbreviation(pending):  # "Mr. John Dashwood" is one sentence
                out.append(pending)
                pending = ""
        if pending:
            out.append(pending)
    return tuple(s[:MAX_UNIT_CHARS] for s in out)


def without_heading(sentence: str, source_text: str) -> str:
    """``sentence`` (of ``split_sentences(source_text)``) without the heading line it opens with,
    if it opens with one (a line without an end mark, under half the longest, over a capitalised
    line: ``line_blocks``' headings): the sentence keeps its heading for search, which it tells
    which passage this is, but an answer quoting it had read "Boiler maintenance Descale the
    boiler every three months…"."""
    for block in line_blocks(source_text, headings=True):
        heading = " ".join(block.split())
        if "\n" in block.strip() or ends_a_sentence(heading) or not sentence.startswith(heading + " "):
            continue
        rest = sentence[len(heading) + 1 :]
        return rest if rest[:1].isupper() else sentence
    return sentence


def sentence_texts(text: str, meta: dict[str, Any] | None) -> list[str]:
    """The sentences of a prose segment's ``text`` (of its timed ``parts`` where it has them), in
    the order ``sentence_units`` gives them: ingest embeds these, ask reads them back by position."""
    parts = (meta or {}).get("parts")
    if parts:
        return [sentence for sentence, _, _ in _timed_sentences(parts)]
    return split_sentences(text)


# A sentence runs on across the recogniser's pauses only this far. Speech it did not punctuate
# at all ("prune the rose bushes in late february turn the compost heap every…") has its pauses as
# its only sentence ends: read as one text, a whole chunk would be one "sentence", which shares a
# word with every question.
_RUN_ON_CHARS = 300
# An end mark, not a decimal point: Whisper writes times and amounts as "8.50", "3.00".
_END_MARK = re.compile(r"[.!?…。](?!\d)")


def _timed_sentences(parts: Sequence[dict[str, Any]]) -> list[tuple[str, float | None, float | None]]:
    """The sentences of a speech segment's timed parts, each with its span: the recogniser cuts
    its parts where the speaker pauses, often inside a sentence ("…how much there might be
    prudently in his" | "power to do for them."), so the parts are read as one text and a
    sentence's times are interpolated by character position within the parts it spans (speech runs
    at a roughly even rate). A sentence without an end mark ends at a pause where the next part
    opens in capitals (as a transcript's chunks run on: ``enrich.text_units.sentences_of``), or
    once it is ``_RUN_ON_CHARS`` long; speech without any end mark has a sentence a part."""
    pieces: list[tuple[str, float | None, float | None]] = [
        (text, part.get("start_s"), part.get("end_s"))
        for part in parts
        if (text := " ".join(str(part.get("text", "")).split()))
    ]
    if not any(_END_MARK.search(text) for text, _, _ in pieces):
        return [(text[:MAX_UNIT_CHARS], a, b) for text, a, b in pieces]  # each pause ends one
    out: list[tuple[str, float | None, float | None]] = []
    run: list[tuple[str, float | None, float | None]] = []
    for timed in pieces:
        if run and (_opens_anew(run[-1][0], timed[0]) or _runs_too_long(" ".join(t for t, _, _ in run))):
            out += _run_sentences(run)
            run = []
        run.append(timed)
    return out + _run_sentences(run)


def timed_sentence_spans(parts: Sequence[dict[str, Any]]) -> list[tuple[float | None, float | None]]:
    """The seconds of each of ``sentence_texts``' sentences of a speech segment's ``parts``."""
    return [(start, end) for _, start, end in _timed_sentences(parts)]


def _opens_anew(before: str, part: str) -> bool:
    """Whether ``part``, after a pause, starts a sentence though ``before`` has no end mark:
    it opens in capitals ("…at 8.50 on Friday morning" | "We arrive in Edinburgh at 12.40").
    One opening in lower case goes on with the sentence ("…prudently in his" | "power to do")."""
    return not ends_a_sentence(before) and part[:1].isupper()


def _runs_too_long(text: str) -> bool:
    if ends_a_sentence(text):
        return False  # the next part begins a sentence anyway
    sentences = split_sentences(text)
    return bool(sentences) and len(sentences[-1]) >= _RUN_ON_CHARS


def _run_sentences(
    run: Sequence[tuple[str, float | None, float | None]],
) -> list[tuple[str, float | None, float | None]]:
    spans: list[tuple[int, int, float | None, float | None]] = []  # characters, seconds of a part
    cursor = 0
    for piece, start, end in run:
        cursor += 1 if spans else 0  # the space joining it
        spans.append((cursor, cursor + len(piece), start, end))
        cursor += len(piece)
    joined = " ".join(piece for piece, _, _ in run)
    out = []
    at = 0
    for sentence in split_sentences(joined):
        begin = joined.find(sentence, at)
        begin = at if begin < 0 else begin
        at = begin + len(sentence)
        out.append((sentence, _second_at(spans, begin), _second_at(spans, at)))
    return out


def _second_at(spans: Sequence[tuple[int, int, float | None, float | None]], char: int) -> float | None:
    for first, last, start, end in spans:
        if char <= last:
            if start is None or end is None:
                return start
            share = max(0, char - first) / max(1, last - first)
            return round(start + (end - start) * share, 2)
    return spans[-1][3] if spans else None


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
        return [
            Sentence(n, text, start, end, source.page, i)
            for i, (text, start, end) in enumerate(_timed_sentences(parts))
        ]
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
