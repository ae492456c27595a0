"""Point a search hit at the second where the matching words are said.

A speech segment is a 15–30 s retrieval chunk; its ``meta["parts"]`` are the recogniser's raw
segments (``{"start_s", "end_s", "text"}``, seconds). ``locate_moment(parts, query)`` picks the part
whose words best match the query, by stemmed, accent-folded content words (``enrich/terms.py``).
"""

from __future__ import annotations

from typing import Any

from mediasift.enrich.terms import match_score


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
