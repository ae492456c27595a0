"""Quantities as people say and write them, English and Spanish, read from folded word tokens.

"200", "1.5" and "1,5", "1.000" (a Spanish thousand), "1/2", "½", "1 ½", "two", "una", "media",
"dos y media", "one and a half", "doscientos cincuenta", "a dozen", "un par de", a range ("2-3",
"dos o tres": its middle). ``read_quantity(words, i)`` returns the value and the index after it.
The articles "a", "an", "un", "una" are quantities only where the caller says so (before a unit
or a food), since they are everywhere else too.
"""

from __future__ import annotations

import re

FRACTION_CHARS = {
    "½": 0.5,
    "¼": 0.25,
    "¾": 0.75,
    "⅓": 1 / 3,
    "⅔": 2 / 3,
    "⅛": 0.125,
    "⅜": 0.375,
    "⅝": 0.625,
    "⅞": 0.875,
}

UNITS_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "cero": 0,
    "uno": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
    "siete": 7,
    "ocho": 8,
    "nueve": 9,
    "diez": 10,
    "once": 11,
    "doce": 12,
    "trece": 13,
    "catorce": 14,
    "quince": 15,
    "dieciseis": 16,
    "diecisiete": 17,
    "dieciocho": 18,
    "diecinueve": 19,
    "veinte": 20,
    "veintiuno": 21,
    "veintiun": 21,
    "veintiuna": 21,
    "veintidos": 22,
    "veintitres": 23,
    "veinticuatro": 24,
    "veinticinco": 25,
    "treinta": 30,
    "cuarenta": 40,
    "cincuenta": 50,
    "sesenta": 60,
    "setenta": 70,
    "ochenta": 80,
    "noventa": 90,
    "cien": 100,
    "ciento": 100,
    "doscientos": 200,
    "doscientas": 200,
    "trescientos": 300,
    "trescientas": 300,
    "cuatrocientos": 400,
    "cuatrocientas": 400,
    "quinientos": 500,
    "quinientas": 500,
    "seiscientos": 600,
    "seiscientas": 600,
    "setecientos": 700,
    "setecientas": 700,
    "ochocientos": 800,
    "ochocientas": 800,
    "novecientos": 900,
    "novecientas": 900,
}
MULTIPLIERS = {"hundred": 100, "thousand": 1000, "mil": 1000}
ARTICLES = frozenset({"a", "an", "un", "una"})
HALF = frozenset({"half", "medio", "media"})
QUARTER = frozenset({"quarter", "cuarto"})
DOZEN = frozenset({"dozen", "docena"})
_AND = frozenset({"and", "y"})
_RANGE = frozenset({"-", "to", "or", "o", "a"})
_NUMBER = re.compile(r"^(\d+)(?:([.,])(\d+))?$")
_SLASH = re.compile(r"^(\d+)/(\d+)$")


def number_value(token: str) -> float | None:
    """The value of one digit token: "200", "1.5", "1,5", "1.000" (thousand), "1/2", "½"."""
    if token in FRACTION_CHARS:
        return FRACTION_CHARS[token]
    if m := _SLASH.match(token):
        den = int(m.group(2))
        return int(m.group(1)) / den if den else None
    if m := _NUMBER.match(token):
        whole, _, frac = m.groups()
        if frac is None:
            return float(whole)
        if len(frac) == 3 and whole != "0" and len(whole) <= 3:  # "1.000" / "2,500": thousands
            return float(whole + frac)
        return float(f"{whole}.{frac}")
    return None


def _word_number(words: list[str], i: int) -> tuple[float, int] | None:
    """A run of number words: "doscientos cincuenta", "treinta y cinco", "two hundred and fifty"."""
    total, current, j, seen = 0.0, 0.0, i, False
    while j < len(words):
        w = words[j]
        if w in UNITS_WORDS:
            current += UNITS_WORDS[w]
        elif w in MULTIPLIERS and seen:
            total += (current or 1) * MULTIPLIERS[w]
            current = 0.0
        elif w in _AND and seen and j + 1 < len(words) and words[j + 1] in UNITS_WORDS:
            j += 1
            continue
        else:
            break
        seen = True
        j += 1
    if not seen:
        return None
    return total + current, j


def _single(words: list[str], i: int, articles: bool) -> tuple[float, int] | None:
    if i >= len(words):
        return None
    w = words[i]
    value = number_value(w)
    if value is not None:
        j = i + 1
        if (
            j < len(words)
            and value == int(value)
            and (frac := number_value(words[j])) is not None
            and frac < 1
        ):
            return value + frac, j + 1  # "1 ½", "1 1/2"
        return value, j
    if w in HALF:  # "half a cup", "media taza"
        if i + 1 < len(words) and words[i + 1] in {"a", "an"}:
            return 0.5, i + 2
        return 0.5, i + 1
    if w in DOZEN:
        return 12.0, i + 1
    if w in ARTICLES or w in {"one", "uno"}:
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if nxt in HALF:  # "a half", "una media" (rare)
            return 0.5, i + 2
        if nxt in QUARTER:  # "a quarter", "un cuarto"
            return 0.25, i + 2
        if nxt in DOZEN:
            return 12.0, i + 2
        if nxt == "par" and i + 2 < len(words) and words[i + 2] == "de":  # "un par de"
            return 2.0, i + 2
        if nxt == "couple" and i + 2 < len(words) and words[i + 2] == "of":
            return 2.0, i + 2
        if w in ARTICLES and not articles:
            return None
        if w in ARTICLES:
            return 1.0, i + 1
    if w == "tres" and i + 1 < len(words) and words[i + 1] in {"cuartos"}:
        return 0.75, i + 2
    if w == "three" and i + 1 < len(words) and words[i + 1] in {"quarters", "quarter"}:
        return 0.75, i + 2
    return _word_number(words, i)


def read_quantity(words: list[str], i: int, *, articles: bool = True) -> tuple[float, int] | None:
    """The quantity starting at ``words[i]`` (folded tokens) and the index after it, or None.
    "y media" / "and a half" after it adds 0.5; a range gives its middle."""
    first = _single(words, i, articles)
    if first is None:
        return None
    value, j = first
    # "dos y media", "one and a half", "una taza y media" is the caller's (after the unit)
    if j + 1 < len(words) and words[j] in _AND:
        if words[j + 1] in HALF:
            return value + 0.5, j + 2
        if words[j + 1] in ARTICLES and j + 2 < len(words) and words[j + 2] in HALF:
            return value + 0.5, j + 3
    # "2-3", "2 to 3", "dos o tres": the middle of the range
    if j + 1 < len(words) and words[j] in _RANGE:
        second = _single(words, j + 1, False)
        if second is not None and second[0] > value:
            return (value + second[0]) / 2, second[1]
    return value, j
