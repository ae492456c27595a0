"""Typo tolerance: how many of a question's words a text holds, a word one slip away counting.

A recogniser's misreading keeps most of a word's letters ("La genteja se deja en remojo" for "Las
lentejas…"), and so does a caption cut at the frame's edge ("TRAINS TO VALEN" for "Valencia"). Two
words are **near** when their stems (``terms``: accent-folded, English and Spanish) are equal, or
when both have at least ``MIN_CHARS`` letters and either one begins the other or they are the
same once at most one letter is deleted from each (a letter inserted, deleted or replaced, or one
moved), as a search engine's typo tolerance allows. Short words must match exactly: one letter is
most of what tells them apart.

Matching is by set intersection over keys found once per word (and cached per text), not by
comparing word pairs, so a search can check every sentence it re-scores.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

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
class _Keys:
    stems: frozenset[str]
    edits: frozenset[str]
    prefixes: frozenset[str]


def asked_words(question: str, *, typos: bool = True) -> list[Asked]:
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
    return out


def held(text: str, words: Sequence[Asked]) -> int:
    """How many of ``words`` (``asked_words``) ``text`` holds, a near word counting (see above)."""
    if not words:
        return 0
    keys = _text_keys(text)
    return sum(
        bool(
            w.stems & keys.stems or w.edits & keys.edits or w.prefixes & keys.stems or w.stems & keys.prefixes
        )
        for w in words
    )


@functools.lru_cache(maxsize=16384)
def _text_keys(text: str) -> _Keys:
    # A search re-scores the same passages' sentences query after query: their keys are found once.
    stems = frozenset().union(*terms(text))
    return _Keys(
        stems,
        frozenset().union(*(_edits(s) for s in stems)),
        frozenset().union(*(_prefixes(s) for s in stems)),
    )


@functools.lru_cache(maxsize=65536)
def _edits(stem: str) -> frozenset[str]:
    """``stem`` and every string one letter shorter (nothing for a stem under ``MIN_CHARS``):
    two near stems share one of these (an insertion or deletion: the shorter itself; a
    replacement: both with that letter deleted)."""
    if len(stem) < MIN_CHARS:
        return frozenset()
    return frozenset({stem, *(stem[:i] + stem[i + 1 :] for i in range(len(stem)))})


@functools.lru_cache(maxsize=65536)
def _prefixes(stem: str) -> frozenset[str]:
    """Every beginning of ``stem`` from ``MIN_CHARS`` letters, itself excluded."""
    return frozenset(stem[:n] for n in range(MIN_CHARS, len(stem)))
