"""Dates and quantities in Spanish text, which the Spanish NER model (WikiNER: PER, ORG, LOC, MISC)
does not tag: "3 de marzo de 2021", "julio de 2023", "el lunes", "a las 10:30", "en 1998",
"30 minutos" (durations are DATE, as in the English model's OntoNotes scheme), "200 gramos",
"2.000 millones de euros", "3,2 por ciento", "45 €".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_MONTHS = "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre"
_WEEKDAYS = "lunes|martes|miércoles|miercoles|jueves|viernes|sábado|sabado|domingo"
_NUMBER_WORDS = (
    "un|una|uno|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|quince|veinte|treinta|"
    "cuarenta|cincuenta|sesenta|setenta|ochenta|noventa|cien|ciento|doscientos|trescientos|"
    "quinientos|mil|medio|media"
)
_NUMBER = (
    r"(?:\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?"  # 2.000 | 1.250,40 | 3,2 | 45
    rf"|(?:{_NUMBER_WORDS})(?:\s+y\s+(?:{_NUMBER_WORDS}))?)"  # dos | treinta y cinco
)
_SCALE = r"(?:\s+(?:mil|millones|millón|billones)(?:\s+de)?)?"
_UNITS = (
    r"kilos?|kilogramos?|kg|gramos?|g|gr|miligramos?|mg|toneladas?|t|litros?|l|mililitros?|ml|"
    r"centilitros?|cl|metros?|m|kilómetros?|km|centímetros?|cm|milímetros?|mm|grados?|°C|ºC|°|"
    r"por\s+ciento|%|euros?|€|dólares|dólar|\$|pesos?|libras?|calorías|kcal|cucharadas?|"
    r"cucharaditas?|tazas?|hectáreas?|ha|voltios?|vatios?|W|kW|kWh|GB|MB|TB"
)
_DURATION_UNITS = r"segundos?|minutos?|horas?|días?|semanas?|meses|mes|años?|siglos?"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "DATE",
        re.compile(
            rf"\b\d{{1,2}}\s+de\s+(?:{_MONTHS})(?:\s+(?:de|del)\s+\d{{4}})?\b"
            rf"|\b(?:{_MONTHS})\s+(?:de|del)\s+\d{{4}}\b"
            rf"|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b"
            rf"|\b(?:{_MONTHS}|{_WEEKDAYS})\b"
            r"|\b\d{1,2}:\d{2}(?:\s*h\b)?"
            rf"|\b{_NUMBER}\s+(?:{_DURATION_UNITS})\b",
            re.IGNORECASE,
        ),
    ),
    # a bare year only after a word that makes it one ("en 1998", not "1998 personas")
    ("DATE", re.compile(r"\b(?:en|de|del|desde|hasta|año)\s+(?P<value>(?:1[5-9]|20)\d{2})\b", re.IGNORECASE)),
    ("QUANTITY", re.compile(rf"(?<!\w){_NUMBER}{_SCALE}\s*(?:{_UNITS})(?!\w)", re.IGNORECASE)),
]


def find_dates_and_quantities(text: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, type)`` character spans, not overlapping, in order."""
    spans = [(*_value_span(m), kind) for kind, rx in _PATTERNS for m in rx.finditer(text)]
    taken: list[tuple[int, int, str]] = []
    # The longest match wins where two overlap ("3 de marzo de 2021" over "marzo").
    for start, end, kind in sorted(spans, key=lambda s: (s[0] - s[1], s[0])):
        if all(end <= a or start >= b for a, b, _ in taken):
            taken.append((start, end, kind))
    yield from sorted(taken)


def _value_span(match: re.Match[str]) -> tuple[int, int]:
    return match.span("value") if "value" in match.re.groupindex else match.span()
