"""Point a search hit at the second where the matching words are said.

A speech segment is a 15–30 s retrieval chunk; its ``meta["parts"]`` are the recogniser's raw
segments (``{"start_s", "end_s", "text"}``, seconds). ``locate_moment(parts, query)`` picks the part
whose words best match the query, by stemmed, accent-folded content words (``enrich/terms.py``),
and, where the part keeps its words' times (``"words"``: ``[start_s, end_s, word]``), starts at
the first of them that matches: a part can run ten seconds before the words asked for. Where no
word matches, search's second stage points the hit at its best sentence by meaning
(``answer.sentences.timed_sentence_spans``, ``ranking.rescore``).
"""

from __future__ import annotations

from typing import Any

from mediasift.enrich.terms import match_score, terms


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
    found = {**best, "score": best_score}
    if best_score and (second := _first_word_at(best.get("words") or [], query)) is not None:
        found["start_s"] = second
    return found


def _first_word_at(words: list[Any], query: str) -> float | None:
    """The second the first of ``words`` (``[start_s, end_s, word]``) that is one of the query's
    content words begins; None when none is."""
    asked = set().union(*terms(query))
    for timed in words:
        if len(timed) >= 3 and any(stems & asked for stems in terms(str(timed[2]))):
            return float(timed[0])
    return None
