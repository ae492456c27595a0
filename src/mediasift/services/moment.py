"""Point a search hit at the second where the matching words are said.

A speech segment is a 15–30 s retrieval chunk; its ``meta["parts"]`` are the recogniser's raw
segments (``{"start_s", "end_s", "text"}``, seconds). ``locate_moment(parts, query)`` picks the part
whose words best match the query. Matching is by token overlap after lower-casing, English *and*
Spanish Snowball stemming (so "temperatures" finds "temperature", "montañas" finds "montaña"), and
folding accents ("estacion" finds "estación"); common function words do not count.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from typing import Any

import snowballstemmer

_WORD = re.compile(r"\w+", re.UNICODE)
# Function words that would make every part match; English then Spanish.
_STOPWORDS_TEXT = """
a an and are as at be by for from has have in is it its of on or that the this to was were with
al con de del el en es la las lo los por que se su un una y
"""
_STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
_local = threading.local()  # Snowball stemmers keep state between calls: one pair per thread


def _stemmers() -> tuple[Any, Any]:
    if not hasattr(_local, "stemmers"):
        _local.stemmers = (snowballstemmer.stemmer("english"), snowballstemmer.stemmer("spanish"))
    return _local.stemmers


def fold(text: str) -> str:
    """Lower-case and strip accents: ``"Estación"`` -> ``"estacion"``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def terms(text: str) -> list[set[str]]:
    """Each content word of ``text`` as its set of accent-folded stems (English and Spanish)."""
    english, spanish = _stemmers()
    out = []
    for word in _WORD.findall(text.casefold()):
        if word in _STOPWORDS or fold(word) in _STOPWORDS:
            continue
        out.append({fold(word), fold(english.stemWord(word)), fold(spanish.stemWord(word))})
    return out


def match_score(part_text: str, query: str) -> int:
    """How many of the query's distinct content words occur in ``part_text`` (stemmed, folded)."""
    vocabulary = set().union(*terms(part_text)) if part_text else set()
    seen: list[set[str]] = []
    score = 0
    for stems in terms(query):
        if any(stems == s for s in seen):
            continue  # a word repeated in the query counts once
        seen.append(stems)
        score += bool(stems & vocabulary)
    return score


def locate_moment(parts: list[dict[str, Any]], query: str) -> dict[str, Any]:
    """The part whose words best match ``query`` (earliest on a tie), as a copy with ``"score"``
    (matched query words) added; the first part when nothing matches; ``{}`` when there are none."""
    if not parts:
        return {}
    best, best_score = parts[0], 0
    for part in parts:
        score = match_score(str(part.get("text", "")), query)
        if score > best_score:
            best, best_score = part, score
    return {**best, "score": best_score}
