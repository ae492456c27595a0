"""The second at which words inside a speech segment are said.

A speech segment is a 15–30 s retrieval chunk whose ``meta["parts"]`` are the recogniser's timed
pieces (``{"start_s", "end_s", "text"}``), joined with spaces into its text. An entity or a summary
sentence found in the segment's text is said at the start of the part that holds it, not at the
chunk's start: "Paris" said at 15 s of a chunk that starts at 1.3 s must point to 15 s.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from mediasift.enrich.entities import Entity, Occurrence
from mediasift.enrich.summary import SummarySentence


def part_offsets(text: str, parts: Sequence[Mapping[str, Any]]) -> list[tuple[int, float]]:
    """``(character offset in text, start_s)`` of each part found in ``text``, in order, and of
    each of its words where the part keeps their times (``"words"``: ``[start_s, end_s, word]``):
    a part can run seconds before the words looked for ("The museum opens at 10…" said at 3.4 s of
    a part that starts at 0.9 s)."""
    out: list[tuple[int, float]] = []
    cursor = 0
    for part in parts:
        piece = str(part.get("text") or "").strip()
        start = part.get("start_s")
        if not piece or start is None:
            continue
        at = text.find(piece, cursor)
        if at < 0:
            continue
        out.append((at, float(start)))
        out += _word_offsets(text, at, at + len(piece), part.get("words") or [])
        cursor = at + len(piece)
    return out


def _word_offsets(text: str, begin: int, end: int, words: Sequence[Any]) -> list[tuple[int, float]]:
    """``(offset, start_s)`` of each timed word found in ``text[begin:end]``, in order."""
    out: list[tuple[int, float]] = []
    cursor = begin
    for timed in words:
        if not isinstance(timed, Sequence) or len(timed) < 3 or timed[0] is None:
            continue
        word = str(timed[2]).strip()
        at = text.find(word, cursor, end) if word else -1
        if at < 0:
            continue
        out.append((at, float(timed[0])))
        cursor = at + len(word)
    return out


def second_at(offsets: Sequence[tuple[int, float]], offset: int) -> float | None:
    """The start of the part holding character ``offset``; None before the first part."""
    found = None
    for at, start in offsets:
        if at > offset:
            break
        found = start
    return found


def _offset_of(text: str, words: str) -> int:
    """Where ``words`` are first written in ``text`` (case-insensitive, any run of spaces), or -1."""
    pattern = r"\s+".join(re.escape(w) for w in words.split())
    if not pattern:
        return -1
    match = re.search(pattern, text, re.IGNORECASE)
    return match.start() if match else -1


class SpokenSeconds:
    """Finds seconds inside the speech segments of one media (those with timed parts)."""

    def __init__(self, segments: Sequence[Any]) -> None:
        self._texts: dict[str, str] = {}
        self._offsets: dict[str, list[tuple[int, float]]] = {}
        for seg in segments:
            meta = getattr(seg, "meta", None) or {}
            parts = meta.get("parts") if isinstance(meta, Mapping) else None
            if not parts or not seg.text:
                continue
            offsets = part_offsets(seg.text, parts)
            if offsets:
                self._texts[seg.id] = seg.text
                self._offsets[seg.id] = offsets

    def second(self, segment_id: str, words: str) -> float | None:
        """The second ``words`` are first said in the segment; None when unknown."""
        text = self._texts.get(segment_id)
        if text is None:
            return None
        at = _offset_of(text, words)
        return second_at(self._offsets[segment_id], at) if at >= 0 else None

    def entities(self, entities: Sequence[Entity]) -> list[Entity]:
        """Each occurrence at the second its segment first says the entity."""
        if not self._texts:
            return list(entities)
        return [
            replace(e, occurrences=[self._occurrence(o, e.text) for o in e.occurrences]) for e in entities
        ]

    def summary(self, sentences: Sequence[SummarySentence]) -> list[SummarySentence]:
        """Each sentence at the second its first words are said."""
        out = []
        for s in sentences:
            start = self.second(s.segment_id, " ".join(s.text.split()[:8]))
            out.append(s if start is None else replace(s, start_s=start))
        return out

    def _occurrence(self, occurrence: Occurrence, words: str) -> Occurrence:
        start = self.second(occurrence.segment_id, words)
        return occurrence if start is None else replace(occurrence, start_s=start)
