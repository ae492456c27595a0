"""The content words of a text, and how many of a query's words a text shares.

Matching is by token overlap after lower-casing, English *and* Spanish Snowball stemming (so
"temperatures" finds "temperature", "montañas" finds "montaña"), and folding accents ("estacion"
finds "estación"); common function words do not count. Search uses it to find the second a hit's
words are said (``services/moment.py``); the offline answerer and ask to rank sentences.
"""

from __future__ import annotations

import functools
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
    out = []
    for word in _WORD.findall(text.casefold()):
        stems = _stems(word)
        if stems is not None:
            out.append(set(stems))
    return out


@functools.lru_cache(maxsize=65536)
def _stems(word: str) -> frozenset[str] | None:
    # Search ranks dozens of passages per query, and words repeat: stemming each once is most of
    # the saving. None: a stopword.
    if word in _STOPWORDS or fold(word) in _STOPWORDS:
        return None
    english, spanish = _stemmers()
    return frozenset({fold(word), fold(english.stemWord(word)), fold(spanish.stemWord(word))})


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


# Words that say what kind of answer a question wants, not what it is about: "how long should I…",
# "¿cuánto tiempo hay que…", and a conversation's fillers ("and then?", "¿y entonces?"). They
# match half of any text, so they are no evidence of an answer.
_QUESTION_TEXT = """
what which who whom whose when where why how much many often long should would could can do does
did i my me you your we our us there here is are qué cuál cuáles quién cuándo dónde cómo cuánto
cuánta cuántos cuántas hay debe deben puedo puede me mi mis tengo
then so also just now well ok okay entonces pues luego también vale
"""
QUESTION_WORDS = frozenset(fold(word) for word in _QUESTION_TEXT.split())


def asked_terms(question: str) -> list[set[str]]:
    """The content words of a question (``terms``) less its question words."""
    return [stems for stems in terms(question) if not stems & QUESTION_WORDS]


def evidence_words(text: str, question: str) -> int:
    """How many of the question's distinct content words (``asked_terms``) occur in ``text``."""
    vocabulary = set().union(*terms(text)) if text else set()
    seen: list[set[str]] = []
    for stems in asked_terms(question):
        if stems not in seen and stems & vocabulary:
            seen.append(stems)
    return len(seen)
