"""How many people a recipe is for, when it says so: "para 4 personas", "serves two",
"4 porciones", "makes 6 servings", "rinde para cuatro", "Raciones: 4". An integer from 1 to 100,
or None when the text does not say (the caller then counts one serving)."""

from __future__ import annotations

import re

from mediasift.nutrition.quantities import read_quantity
from mediasift.nutrition.table import fold

MAX_SERVINGS = 100
_PEOPLE = r"(?:personas?|comensales?|raciones|racion|porciones|porcion|people|persons?|servings?|portions?)"
_NUMBER = r"([0-9]+|[a-z]+(?: y [a-z]+)?)"
_PATTERNS = [
    re.compile(
        rf"\b(?:serves|serving|feeds|for|para|rinde(?: para)?|alcanza para|da para) {_NUMBER} {_PEOPLE}\b"
    ),
    re.compile(rf"\b(?:serves|feeds|rinde(?: para)?|alcanza para|da para) {_NUMBER}\b"),
    re.compile(rf"\b(?:makes|yields?|hace|salen|sale) {_NUMBER} {_PEOPLE}\b"),
    re.compile(rf"\b{_NUMBER} {_PEOPLE}\b"),
    re.compile(rf"\b{_PEOPLE} {_NUMBER}\b"),  # "Raciones: 4", "Servings 6"
]


def parse_servings(text: str) -> int | None:
    """The servings the text states (the first statement that reads as a number), or None."""
    folded = fold(text)
    for pattern in _PATTERNS:
        for m in pattern.finditer(folded):
            words = m.group(1).split()
            read = read_quantity(words, 0, articles=False)
            if read is None or read[1] != len(words):
                continue
            value = read[0]
            if value == int(value) and 1 <= value <= MAX_SERVINGS:
                return int(value)
    return None
