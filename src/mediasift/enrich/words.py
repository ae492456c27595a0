"""Words for keywords and summaries: tokens, English and Spanish stopwords, and stems.

Stopwords are spaCy's lists for both languages at once (a Spanish talk quotes English product
names and the other way round, and neither list holds a content word of the other language that
matters here). Stems (Snowball) only group "bean"/"beans" and "grano"/"granos"; what is shown is
always a spelling that occurred.
"""

from __future__ import annotations

import re
import threading
from functools import cache, lru_cache

import snowballstemmer

from mediasift.enrich.ner_models import SPACY_LOCK, import_spacy

_TOKEN = re.compile(r"\w+(?:['’\-]\w+)*")


@cache
def stopwords() -> frozenset[str]:
    with SPACY_LOCK:
        import_spacy()
        from spacy.lang.en.stop_words import STOP_WORDS as english
        from spacy.lang.es.stop_words import STOP_WORDS as spanish

    extra = {"okay", "ok", "yeah", "uh", "um", "vale", "bueno", "pues", "gonna", "let's", "lets"}
    return frozenset(english | spanish | extra)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def is_content(token: str) -> bool:
    """A word that may be (part of) a keyword: not a stopword, a number or a single letter."""
    return len(token) > 1 and not token.isdigit() and token.lower() not in stopwords()


_STEMMERS = {"en": "english", "es": "spanish"}
# A Snowball stemmer keeps the word it is working on in itself: one per thread, or two workers
# enriching at once would stem each other's words.
_local = threading.local()


def _stemmer(lang: str):  # type: ignore[no-untyped-def]
    stemmers = _local.__dict__.setdefault("stemmers", {})
    if lang not in stemmers:
        stemmers[lang] = snowballstemmer.stemmer(_STEMMERS.get(lang, "english"))
    return stemmers[lang]


@lru_cache(maxsize=200_000)
def stem(word: str, lang: str | None) -> str:
    """The word's Snowball stem. Memoised: a media repeats its words, and stemming in pure
    Python was most of a long document's keyword time (5 of 9 s for 22,000 words)."""
    return _stemmer(lang or "en").stemWord(word.lower())
