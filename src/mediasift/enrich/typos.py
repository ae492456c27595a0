"""Typo tolerance: how many of a question's words a text holds, a word one slip away counting.

A recogniser's misreading keeps most of a word's letters ("La genteja se deja en remojo" for "Las
lentejas…"), and so does a caption cut at the frame's edge ("TRAINS TO VALEN" for "Valencia"). Two
words are **near** when their stems (``terms``: accent-folded, English and Spanish) are equal, or
when both have at least ``MIN_CHARS`` letters and either one begins the other or they are the
same once at most one letter is deleted from each (a letter inserted, deleted or replaced, or one
moved), as a search engine's typo tolerance allows. Short words must match exactly: one letter is
most of what tells them apart.

Matching is by set intersection: a text's stems are found once (cached per text), each stem's
one-letter deletions and beginnings once (cached per stem), so a search can check every sentence
it re-scores.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from mediasift.enrich.terms import asked_terms, terms

MIN_CHARS = 5  # letters a stem needs before a slip or a cut is tolerated


@dataclass(frozen=True, slots=True)
class Asked:
    """One content word of a question: its stems, their one-deletion keys (``_edits``) and their
    prefixes of at least ``MIN_CHARS`` letters."""

    stems: frozenset[str]
    edits: frozenset[str]
    prefixes: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Words:
    stems: frozenset[str]  # every stem of the text's content words
    long: tuple[str, ...]  # those of at least MIN_CHARS letters, the ones a slip may reach


@dataclass(slots=True)
class Question:
    """A question's distinct content words, and what each of a text's longer stems was found to
    be near, kept while the question is: one search checks the same stems in many sentences."""

    words: tuple[Asked, ...]
    near: dict[str, int] = field(default_factory=dict)  # stem -> bit mask of the words it is near
    # Every word's one-deletion keys, and the stems of the words that have some: a text's stem
    # that shares none of the first and has none of the second for a prefix is near no word, and
    # most are (one check each instead of two a word).
    edits: frozenset[str] = field(init=False)
    slipped: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self.edits = frozenset().union(*(w.edits for w in self.words))
        self.slipped = frozenset().union(*(w.stems for w in self.words if w.edits))

    def __len__(self) -> int:
        return len(self.words)


def asked_words(question: str, *, typos: bool = True) -> Question:
    """The question's distinct content words (``asked_terms``: its question words left out);
    ``typos=False``: each matches its own stems only."""
    out: list[Asked] = []
    seen: list[set[str]] = []
    for stems in asked_terms(question):
        if stems in seen:
            continue
        seen.append(stems)
        if not typos:
            out.append(Asked(frozenset(stems), frozenset(), frozenset()))
            continue
        out.append(
            Asked(
                frozenset(stems),
                frozenset().union(*(_edits(s) for s in stems)),
                frozenset().union(*(_prefixes(s) for s in stems)),
            )
        )
    return Question(tuple(out))


def held(text: str, question: Question) -> int:
    """How many of ``question``'s words (``asked_words``) ``text`` holds, a near word counting
    (see above)."""
    if not question.words:
        return 0
    mine = _text_words(text)
    found = 0
    for i, word in enumerate(question.words):
        if not (word.stems.isdisjoint(mine.stems) and word.prefixes.isdisjoint(mine.stems)):
            found |= 1 << i  # the same, or cut short in the text
    near = question.near
    for stem in mine.long:
        mask = near.get(stem)
        if mask is None:
            mask = near[stem] = _near(stem, question)
        found |= mask
    return found.bit_count()


def _near(stem: str, question: Question) -> int:
    """The words (a bit each) of ``question`` that ``stem`` (of ``MIN_CHARS`` letters or more) is
    one slip from, or that begin it."""
    edits, prefixes = _edits(stem), _prefixes(stem)
    if question.edits.isdisjoint(edits) and question.slipped.isdisjoint(prefixes):
        return 0
    return sum(
        1 << i
        for i, word in enumerate(question.words)
        if word.edits and (not word.edits.isdisjoint(edits) or not word.stems.isdisjoint(prefixes))
    )


@functools.lru_cache(maxsize=4096)
def _text_words(text: str) -> _Words:
    # A search re-scores the same passages' sentences query after query: their stems are found
    # once. Only stems are kept (~1.4 KB a sentence); their slips are cached per stem below.
    stems = frozenset().union(*terms(text))
    return _Words(stems, tuple(s for s in stems if len(s) >= MIN_CHARS))


@functools.lru_cache(maxsize=8192)
def _edits(stem: str) -> frozenset[str]:
    """``stem`` and every string one letter shorter (nothing for a stem under ``MIN_CHARS``):
    two near stems share one of these (an insertion or deletion: the shorter itself; a
    replacement: both with that letter deleted)."""
    if len(stem) < MIN_CHARS:
        return frozenset()
    return frozenset({stem, *(stem[:i] + stem[i + 1 :] for i in range(len(stem)))})


@functools.lru_cache(maxsize=8192)
def _prefixes(stem: str) -> frozenset[str]:
    """Every beginning of ``stem`` from ``MIN_CHARS`` letters, itself excluded."""
    return frozenset(stem[:n] for n in range(MIN_CHARS, len(stem)))
