"""Questions that ask for an amount, and sentences that state one (English and Spanish).

"How much air pressure should road bike tyres have?" is answered by a sentence that says how
much ("… to 6 bar"), not by one that is merely about the same things ("Mountain bikes have wider
tyres than road bikes."), however close its meaning: the text model scores the second as high as
the first. A question asks for an amount when it asks *how much, many, long, often, far, old,
big…*, *what temperature, time, weight…* or *cuánto, cada cuánto, a qué hora, qué temperatura…*;
a sentence states one when it holds a number in digits or in words, a multiple (*once, twice, dos
veces*), a rate (*daily, semanal*), an hour named (*noon, medianoche*), one of a unit (*an hour,
una semana*) or a frequency said with a day (*every second Tuesday, todos los lunes*). "When" is
not counted:
"in spring", "before a long walk" answer it without a number.

A heading joined to a document's first sentence ("Notes 9 The freezer…": a title line has no
closing mark, so sentence splitting keeps it with what follows), or alone ("# Notes 9"), states
nothing: its number is not the sentence's.
"""

from __future__ import annotations

import re

_MEASURES = (
    "temperature|time|percentage|share|proportion|size|weight|pressure|age|distance|speed|price|"
    "temperatura|hora|presi[oó]n|edad|distancia|tama[nñ]o|peso|velocidad|precio|porcentaje|frecuencia"
)
_ASKS = re.compile(
    r"\bhow (?:much|many|long|often|far|old|big|large|heavy|hot|cold|warm|tall|high|fast|deep|wide)\b"
    rf"|\bwhat (?:\w+ )?(?:{_MEASURES})\b"
    r"|\bcu[aá]nt[oa]s?\b"
    rf"|\bqu[eé] (?:{_MEASURES})\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = (
    # English
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred hundreds thousand thousands million millions dozen dozens half quarter once twice "
    "daily weekly monthly yearly annually hourly noon midnight "
    # Spanish ("un"/"una" are also articles: a number only in "una vez")
    "uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince dieciséis "
    "diecisiete dieciocho diecinueve veinte treinta cuarenta cincuenta sesenta setenta ochenta "
    "noventa cien ciento cientos doscientos doscientas trescientos trescientas cuatrocientos "
    "cuatrocientas quinientos quinientas seiscientos seiscientas setecientos setecientas "
    "ochocientos ochocientas novecientos novecientas veintiuno veintiuna veintidós veintitrés "
    "veinticuatro veinticinco veintiséis veintisiete veintiocho veintinueve "
    "mil millón millones docena docenas medio media vez veces "
    "diario diaria diariamente semanal mensual anual mediodía medianoche"
)
_NUMBERS = frozenset(_NUMBER_WORDS.split())
_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")
# Up to three words and a number, then a capitalised word or nothing: "Notes 9 The…",
# "Capítulo 3 La…", "# Misc 151" (a Markdown heading alone).
_HEADING = re.compile(r"^#*\s*(?:\w+\s+){0,3}\d+(?:\s+(?=[A-ZÁÉÍÓÚÑ¿¡])|\s*$)")


def asks_amount(question: str) -> bool:
    """Whether ``question`` asks for an amount: a quantity, a duration, a frequency, a measure or
    an hour."""
    return bool(_ASKS.search(question))


# One of a unit, its number an article: "chill for an hour", "a week before", "durante una hora".
_ONE_UNIT = re.compile(
    r"\b(?:an? (?:second|minute|hour|day|week|fortnight|month|year|decade|century|litre|liter|"
    r"kilo|kilogram|gram|metre|meter|kilometre|kilometer|mile|pound|cup|spoonful|teaspoon|tablespoon|"
    r"pinch|handful|dash|splash|slice|clove|sprig|can|jar|bunch)"
    r"|(?:un|una) (?:segundo|minuto|hora|d[ií]a|semana|mes|año|siglo|litro|kilo|kilogramo|gramo|"
    r"metro|kil[oó]metro|taza|cucharada|cucharadita|pizca|puñado|chorrito|chorro|rodaja|loncha|"
    r"diente|ramita|lata|bote|manojo|vaso))\b",
    re.IGNORECASE,
)


# A frequency said with a day or a unit rather than a number: "every second Tuesday", "each
# morning", "every other week", "cada martes", "todos los lunes", "una vez al mes".
_DAYS = (
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekday|weekend|day|night|morning|"
    "afternoon|evening|week|fortnight|month|quarter|year|season|spring|summer|autumn|fall|winter"
)
_DIAS = "lunes|martes|mi[eé]rcoles|jueves|viernes|s[aá]bado|domingo|d[ií]a|noche|mañana|tarde|semana|mes|año"
_EVERY = re.compile(
    rf"\b(?:every|each)\s+(?:(?:other|second|third|fourth|alternate)\s+)?(?:{_DAYS})s?\b"
    rf"|\bcada\s+(?:(?:dos|tres|cuatro|otro|otra)\s+)?(?:{_DIAS})s?\b"
    rf"|\btod[oa]s\s+l[oa]s\s+(?:{_DIAS})(?:s|es)?\b"
    r"|\b(?:al|por)\s+(?:d[ií]a|mes|año|semana)\b|\ba\s+la\s+semana\b",
    re.IGNORECASE,
)


def states_amount(sentence: str) -> bool:
    """Whether ``sentence`` states an amount (a number, a multiple, a rate, a named hour, one of
    a unit: "an hour", "una semana", or a frequency: "every second Tuesday", "todos los lunes"),
    not counting the number of a heading before it."""
    text = _HEADING.sub("", sentence, count=1)
    # A set lookup per word: evidence checks every sentence of every source.
    if _DIGIT.search(text) is not None or not _NUMBERS.isdisjoint(_WORD.findall(text.casefold())):
        return True
    return _ONE_UNIT.search(text) is not None or _EVERY.search(text) is not None
