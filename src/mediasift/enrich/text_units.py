"""The text enrichment reads: segments in, sentences out, within a budget that says what it skipped.

A segment is ``(segment_id, text, start_s, page)`` (``language`` optional, fifth), as the catalog
stores it: a transcript chunk has ``start_s``, a document page or slide has ``page``.

Enrichment cost grows with the text, and a 500-page document must not hold a worker for
minutes, so every stage reads at most a budget of characters. Over the budget it reads evenly
spaced windows of consecutive segments, so what it sees spans the whole media (start, middle and
end) rather than its first pages, and ``Coverage`` records how much it read for the report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple


class Segment(NamedTuple):
    segment_id: str
    text: str
    start_s: float | None = None
    page: int | None = None
    language: str | None = None


def as_segments(items: Iterable[Sequence | Segment]) -> list[Segment]:
    """Plain tuples or lists ``(segment_id, text, start_s, page[, language])`` as ``Segment``s."""
    return [item if isinstance(item, Segment) else Segment(*item) for item in items]


@dataclass(frozen=True)
class Coverage:
    """How much of the media a stage read: all of it, or evenly spaced windows of it."""

    segments: int
    segments_read: int
    chars: int
    chars_read: int

    @property
    def complete(self) -> bool:
        return self.chars_read >= self.chars

    def note(self) -> str | None:
        """A sentence for a report when the stage sampled, else None."""
        if self.complete:
            return None
        share = self.chars_read / self.chars if self.chars else 1.0
        return (
            f"read {self.chars_read:,} of {self.chars:,} characters ({share:.0%}) in "
            f"{self.segments_read:,} of {self.segments:,} segments, spread evenly over the media"
        )

    def to_dict(self) -> dict[str, int | bool]:
        return {
            "segments": self.segments,
            "segments_read": self.segments_read,
            "chars": self.chars,
            "chars_read": self.chars_read,
            "complete": self.complete,
        }


def within_budget(
    segments: Sequence[Segment], max_chars: int, windows: int = 20, max_segment_chars: int = 20_000
) -> tuple[list[Segment], Coverage]:
    """The segments to read (in order) and what share they are of all of them.

    One segment longer than ``max_segment_chars`` (a whole document in one page) is cut to it.
    """
    texts = [s for s in segments if s.text and s.text.strip()]
    total = sum(len(s.text) for s in texts)
    clipped = [s._replace(text=s.text[:max_segment_chars]) for s in texts]
    if sum(len(s.text) for s in clipped) <= max_chars:
        chosen = clipped
    else:
        chosen = _evenly_spaced_windows(clipped, max_chars, windows)
    coverage = Coverage(len(texts), len(chosen), total, sum(len(s.text) for s in chosen))
    return chosen, coverage


def _evenly_spaced_windows(segments: list[Segment], max_chars: int, windows: int) -> list[Segment]:
    windows = max(1, min(windows, len(segments)))
    per_window = max_chars // windows
    chosen: list[Segment] = []
    for w in range(windows):
        start, end = w * len(segments) // windows, (w + 1) * len(segments) // windows
        used = 0
        for seg in segments[start:end]:
            if used >= per_window:
                break
            room = per_window - used
            chosen.append(seg if len(seg.text) <= room else seg._replace(text=seg.text[:room]))
            used += min(len(seg.text), room)
    return chosen


class Sentence(NamedTuple):
    text: str
    segment: Segment
    position: int  # order in the media, for putting a summary back in reading order


# A sentence ends at . ! ? … followed by space and something that can start one; a few titles
# ("Dr. Smith", "Sra. López") and initials ("J. R. R.") do not end one.
_END = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][\"'”»)]))\s+(?=[\"'“«(¿¡]*[A-ZÁÉÍÓÚÑÜ0-9])")
_NOT_AN_END = re.compile(
    r"(?:\b(?:Dr|Dra|Mr|Mrs|Ms|Sr|Sra|Srta|St|Prof|vs|etc|p\.ej|e\.g|i\.e|No|núm|Fig)\.|\b[A-Z]\.)$"
)
_PARAGRAPH = re.compile(r"\n\s*\n")


def closes_abbreviation(text: str) -> bool:
    """Whether ``text`` ends on a title or an initial ("Mr.", "Sra.", "J."), not a sentence."""
    return _NOT_AN_END.search(text) is not None


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``; blank lines always end one, and so does a line break beside a line
    in capitals (a sign's or a heading's); other single line breaks are spaces."""
    sentences = []
    for paragraph in line_blocks(text):
        paragraph = " ".join(paragraph.split())
        pending = ""
        for piece in _END.split(paragraph):
            pending = f"{pending} {piece}" if pending else piece
            if not closes_abbreviation(pending):
                sentences.append(pending)
                pending = ""
        if pending:
            sentences.append(pending)
    return [s for s in sentences if s.strip()]


def line_blocks(text: str, *, headings: bool = True) -> list[str]:
    """``text`` cut where a break between lines ends what is said: at blank lines, around lines in
    capitals ("CLOSED ON MONDAYS" over "OPEN 9 TO 5": two lines of a sign, not "mondays open"),
    and, with ``headings``, after a heading (a line without an end mark, under half as long as the
    longest, before a capitalised line: "Fuel and supplies" over "The diesel generator…"); a
    page's wrapped lines run on."""
    blocks: list[str] = []
    for paragraph in _PARAGRAPH.split(text):
        lines = paragraph.split("\n")
        widest = max(len(line.strip()) for line in lines) if headings else 0
        block: list[str] = []
        for line in lines:
            if block and _breaks_between(block[-1], line, widest):
                blocks.append("\n".join(block))
                block = []
            block.append(line)
        blocks.append("\n".join(block))
    return [b for b in blocks if b.strip()]


def _breaks_between(before: str, line: str, widest: int) -> bool:
    if _in_capitals(line) or _in_capitals(before):
        return True
    before, line = before.strip(), line.strip()
    return bool(before) and not ends_a_sentence(before) and 2 * len(before) < widest and line[:1].isupper()


def _in_capitals(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 2 and not any(c.islower() for c in letters)


def sentences_of(segments: Sequence[Segment]) -> list[Sentence]:
    """Every sentence of every segment, each knowing its segment. A sentence that a transcript
    split across two segments (a chunk cut where the recogniser paused: "…he might have been made"
    | "still more respectable than he was.") is one, at the segment it starts in: a timed
    segment's last sentence without its end mark, followed by a timed segment opening in lower
    case, runs on into it."""
    out: list[Sentence] = []
    previous: Segment | None = None
    for seg in segments:
        pieces = split_sentences(seg.text)
        if pieces and previous is not None and out and _runs_on(out[-1], previous, seg, pieces[0]):
            last = out[-1]
            out[-1] = last._replace(text=f"{last.text} {pieces[0]}")
            pieces = pieces[1:]
        for text in pieces:
            out.append(Sentence(text, seg, len(out)))
        previous = seg
    return out


# What a finished sentence (or a clause a list follows) ends in, for text cut into pieces (a
# transcript's chunks and parts): a piece ending otherwise was cut inside a sentence.
SENTENCE_ENDS = (".", "!", "?", "…", '"', "”", "»", ")", ":", ";", "。")


def ends_a_sentence(text: str) -> bool:
    return text.rstrip().endswith(SENTENCE_ENDS)


def _runs_on(last: Sentence, previous: Segment, seg: Segment, opening: str) -> bool:
    return (
        last.segment is previous
        and previous.start_s is not None
        and seg.start_s is not None
        and previous.language == seg.language
        and not ends_a_sentence(last.text)
        and opening[:1].islower()
    )
