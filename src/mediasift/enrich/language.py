"""Language of a text segment, for documents and OCR (speech gets its language from Whisper).

A stopword vote between the languages mediasift is tuned for (English and Spanish): function
words make up a third of running text in both, so a few dozen words decide reliably, costs
nothing, and needs no model. Short or ambiguous text gets ``None`` rather than a guess.
"""

from __future__ import annotations

import re
from collections import Counter

_ENGLISH = """
the of and to a in is that it for on was with as be are this by at from or have an not but they
which you we his her their has had been were will would there what all can more if about when so
your our should must
"""
_SPANISH = """
de la que el en y a los se del las un por con no una su para es al lo como más pero sus le ya o
este sí porque esta entre cuando muy sin sobre también me hasta hay donde quien desde todo nos
durante todos uno les ni contra otros ese eso ante ellos e esto mí antes algunos qué unos yo otro
otras otra él tanto esa estos mucho quienes nada muchos cual poco ella estar debe cada
"""
_STOPWORDS = {"en": frozenset(_ENGLISH.split()), "es": frozenset(_SPANISH.split())}
_WORD = re.compile(r"[a-záéíóúüñ]+")
MIN_HITS = 2


def detect_language(text: str) -> str | None:
    """ "en", "es" or None when the text is too short or too mixed to tell."""
    words = _WORD.findall(text.lower())
    votes = Counter({lang: sum(w in stop for w in words) for lang, stop in _STOPWORDS.items()})
    (best, top), (_, second) = votes.most_common(2)
    if top < MIN_HITS or top < 2 * second:
        return None
    return best


# A search query is a few words, often without the function words above: its question words and
# Spanish's own marks decide instead, and one vote is enough.
_QUESTION_EN = """
how what when where which who why does do did is are can i my much many long often
"""
_QUESTION_ES = """
cómo qué cuándo dónde cuál cuáles quién cuánto cuánta cuántos cuántas hay mi mis
"""
_QUESTION = {"en": frozenset(_QUESTION_EN.split()), "es": frozenset(_QUESTION_ES.split())}
_SPANISH_MARKS = re.compile(r"[¿¡ñáéíóú]")


def query_language(text: str) -> str | None:
    """ "en", "es" or None for a search query: ``detect_language`` with the queries' question
    words counted too, and Spanish's inverted marks and accents as a vote each; a tie is None."""
    words = _WORD.findall(text.lower())
    votes = Counter(
        {lang: sum(w in _STOPWORDS[lang] or w in _QUESTION[lang] for w in words) for lang in _STOPWORDS}
    )
    votes["es"] += len(_SPANISH_MARKS.findall(text.lower()))
    (best, top), (_, second) = votes.most_common(2)
    return best if top > second else None


# The two languages search and answers even out between (the text model's translation gap).
BILINGUAL = ("en", "es")


def other_language(language: str | None) -> str | None:
    """The other of English and Spanish; None for any other language or an unknown one."""
    if language not in BILINGUAL:
        return None
    return next(lang for lang in BILINGUAL if lang != language)


def dominant_language(languages: list[str | None]) -> str | None:
    counts = Counter(lang for lang in languages if lang)
    return counts.most_common(1)[0][0] if counts else None


_DETECTED = {"text", "ocr", "note"}


def label_languages(extraction) -> None:  # type: ignore[no-untyped-def]
    """Fill in the language of text, OCR and note segments that have none, and the media's own.

    A video's caption, a slide's title or a table's row too short to tell by its function words
    ("PARKING CLOSES AT NINE", "Northwind Traders", "Dmitri Volkov | 4432") takes the one its
    words lean to, else the language the rest of its media is in: left unknown, a search filtered
    to a language never found them."""
    for seg in extraction.segments:
        if seg.language is None and str(seg.modality) in _DETECTED:
            seg.language = detect_language(seg.text)
    if not extraction.info.get("language"):
        extraction.info["language"] = dominant_language([s.language for s in extraction.segments])
    around = extraction.info.get("language")
    for seg in extraction.segments:
        # a video's captions (timed OCR), a slide's or a table's few words: a still picture's stay
        # unknown (a photo's text is not in its media's language: it has none)
        placed = str(seg.modality) in ("text", "note") or seg.start_s is not None or seg.page is not None
        if seg.language is None and str(seg.modality) in _DETECTED and placed:
            seg.language = leaning_language(seg.text) or (around if around in BILINGUAL else None)


def leaning_language(text: str) -> str | None:
    """English or Spanish for a short text by its votes (a function word, Spanish's accents and
    inverted marks), from one, when they are more than twice the other language's; else None."""
    words = _WORD.findall(text.lower())
    votes = Counter({lang: sum(w in stop for w in words) for lang, stop in _STOPWORDS.items()})
    votes["es"] += len(_SPANISH_MARKS.findall(text.lower()))
    (best, top), (_, second) = votes.most_common(2)
    return best if top > 2 * second else None
