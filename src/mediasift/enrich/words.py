"""Words for keywords and summaries: tokens, English and Spanish stopwords, and stems.

Stopwords are spaCy's lists for both languages at once (a Spanish talk quotes English product
names and the other way round, and neither list holds a content word of the other language that
matters here). Stems (Snowball) only group "bean"/"beans" and "grano"/"granos"; what is shown is
always a spelling that occurred.
"""

from __future__ import annotations

import re
from functools import cache

import snowballstemmer

_TOKEN = re.compile(r"\w+(?:['’\-]\w+)*")


@cache
def stopwords() -> frozenset[str]:
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


@cache
def _stemmer(lang: str):  # type: ignore[no-untyped-def]
    return snowballstemmer.stemmer(_STEMMERS.get(lang, "english"))


def stem(word: str, lang: str | None) -> str:
    return _stemmer(lang or "en").stemWord(word.lower())
