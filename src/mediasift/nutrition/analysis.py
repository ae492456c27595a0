"""One media's nutrition from its timed text (and, through a hook, what its frames show).

``analyse(segments)`` reads speech, OCR and text segments (any object with ``modality``, ``text``,
``start_s``, ``end_s`` and ``language``: extraction's ``Segment`` and the catalog's row both
fit), finds their food mentions (``mentions.py``), matches them to the table (``matching.py``),
converts amounts to grams (``units.py``) and adds up nutrients: **table value × grams / 100**.

One row per food. When a food is mentioned more than once:

- mentions with no amount add evidence only;
- stated amounts are **not** summed by default: a recipe says its ingredients in the list, on
  screen and again in the steps ("200 g de pollo" in the caption, "ahora el pollo" and "añade
  los 200 gramos de pollo" in speech), so the food counts the **largest** stated amount once;
- a mention that says it comes on top ("another tablespoon of oil", "dos cucharadas más",
  "otra taza de caldo") **is added** to that amount.

A food with no amount anywhere counts its default portion (flag ``default_portion``). Words after
an amount that match no row are kept as ``unmatched`` rows: their evidence and amount, no
nutrients. Servings come from the text ("para 4 personas") or are 1 (``servings_stated`` says
which); ``per_serving`` is ``totals`` / servings.

``merge_seen`` is the hook for foods seen in frames: a seen food already said gains a ``frame``
evidence; one never said becomes a row with its default portion.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from mediasift.nutrition.matching import FoodMatcher, Match
from mediasift.nutrition.mentions import Mention, parse_mentions
from mediasift.nutrition.servings import parse_servings
from mediasift.nutrition.table import NUTRIENTS, fold
from mediasift.nutrition.units import Grams, default_portion, to_grams, unit_table

SCHEMA_VERSION = 1
PARSER_VERSION = "rules-1"
READ_MODALITIES = {"speech": "speech", "ocr": "ocr", "text": "text", "note": "text"}
_SPANISH_HINTS = frozenset({"de", "la", "el", "y", "con", "para", "una", "los", "las", "que", "del", "en"})
_ENGLISH_HINTS = frozenset({"the", "of", "and", "with", "for", "a", "to", "in", "add", "cup", "it"})


class TimedText(Protocol):
    @property
    def modality(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def start_s(self) -> float | None: ...
    @property
    def end_s(self) -> float | None: ...
    @property
    def language(self) -> str | None: ...


@dataclass(frozen=True)
class Evidence:
    source: str  # speech | ocr | text | frame
    start_s: float | None
    end_s: float | None
    text: str
    frame_key: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "start_s": self.start_s,
            "end_s": self.end_s,
            "text": self.text,
            "frame_key": self.frame_key,
        }


@dataclass(frozen=True)
class SeenFood:
    """A food an image model saw in a frame: its label ("banana", "cheeseburger"), confidence,
    and where. ``food_id``: the table row the label stands for (``seen.py``'s mapping), else the
    label is matched as words; ``portion_g``: one seen serving, else the row's default portion."""

    label: str
    confidence: float
    start_s: float | None
    end_s: float | None = None
    frame_key: str | None = None
    food_id: str | None = None
    portion_g: float | None = None


@dataclass
class FoodResult:
    """One row of ``foods``. ``food_id`` None: unmatched (no nutrients)."""

    name: str
    food_id: str | None = None
    name_es: str | None = None
    amount_g: float | None = None
    amount_text: str = ""
    confidence: float = 0.0
    nutrients: dict[str, float | None] | None = None
    evidence: list[Evidence] = field(default_factory=list)
    source_table: str | None = None
    source_row: str | None = None
    matched_by: str = "unmatched"
    amount_basis: str = "unknown"
    flags: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "matched" if self.food_id else "unmatched"

    @property
    def key(self) -> str:
        """What names this row across analyses of the same media (a correction is keyed by it):
        its food id, or ``unmatched:<folded words>``."""
        return self.food_id or "unmatched:" + fold(self.name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "food_id": self.food_id,
            "name": self.name,
            "name_es": self.name_es,
            "status": self.status,
            "amount_g": _round(self.amount_g),
            "amount_text": self.amount_text,
            "amount_basis": self.amount_basis,
            "confidence": round(self.confidence, 3),
            "matched_by": self.matched_by,
            "flags": list(self.flags),
            "nutrients": None
            if self.nutrients is None
            else {k: _round(v) for k, v in self.nutrients.items()},
            "evidence": [e.to_dict() for e in self.evidence],
            "source_table": self.source_table,
            "source_row": self.source_row,
        }


@dataclass
class NutritionResult:
    media_id: str | None
    servings: int
    servings_stated: bool
    foods: list[FoodResult]
    totals: dict[str, float | None]
    per_serving: dict[str, float | None]
    model_versions: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        """The results JSON (schema ``SCHEMA_VERSION``; docs/nutrition.md)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "media_id": self.media_id,
            "servings": self.servings,
            "servings_stated": self.servings_stated,
            "foods": [f.to_dict() for f in self.foods],
            "totals": {k: _round(v) for k, v in self.totals.items()},
            "per_serving": {k: _round(v) for k, v in self.per_serving.items()},
            "model_versions": dict(self.model_versions),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def guess_language(text: str) -> str:
    """ "es" or "en" by common function words, for a segment that carries no language."""
    words = fold(text).split()
    es = sum(w in _SPANISH_HINTS for w in words)
    en = sum(w in _ENGLISH_HINTS for w in words)
    return "es" if es > en else "en"


@dataclass
class _Said:
    mention: Mention
    match: Match
    grams: Grams
    evidence: Evidence


def analyse(
    segments: Iterable[TimedText],
    *,
    matcher: FoodMatcher | None = None,
    language: str | None = None,
    seen: Sequence[SeenFood] = (),
    media_id: str | None = None,
) -> NutritionResult:
    """The nutrition of one media from its segments (``language``: the media's, for segments
    that have none; else guessed per segment). ``matcher`` defaults to one without embeddings."""
    matcher = matcher or FoodMatcher()
    read = [s for s in segments if s.modality in READ_MODALITIES and s.text.strip()]
    found: list[tuple[Mention, Evidence]] = []
    servings: int | None = None
    titled = False
    for seg in read:
        source = READ_MODALITIES[seg.modality]
        if servings is None:
            servings = parse_servings(seg.text)
        # On-screen text's label may be its media's (a caption too short to tell takes it:
        # "ARROZ 200 g" in an English video), so it is read in whichever language finds more foods.
        said_in = None if seg.modality == "ocr" else seg.language or language
        mentions = _mentions(seg.text, said_in, matcher)
        if source == "text" and not titled:  # the document's first text: its title, if it has one
            titled = True
            title_end = _title_end(seg.text)
            mentions = [
                m for m in mentions if m.end > title_end or m.quantity is not None or m.unit is not None
            ]
        for mention in mentions:
            found.append((mention, Evidence(source, seg.start_s, seg.end_s, seg.text.strip())))
    matches = matcher.match_many([(m.food, m.language, m.entry) for m, _ in found])
    said = [
        _Said(m, match, to_grams(m.quantity, m.unit, match.food), ev)
        for (m, ev), match in zip(found, matches, strict=True)
    ]
    foods = [_row(group) for group in _grouped(said)]
    result = _result(foods, servings, matcher, media_id)
    return merge_seen(result, seen, matcher) if seen else result


def _title_end(text: str) -> int:
    """Where a document's title line ends (0: it opens on no title): a first line of six words at
    most, with no digit or sentence punctuation, that more lines follow. A food it names without an
    amount is the dish ("Olive oil bread"), not an ingredient: counted, the bread had been 50 g of
    white bread in a recipe that holds none."""
    stripped = text.lstrip()
    first, newline, rest = stripped.partition("\n")
    if not newline or not rest.strip() or len(first.split()) > 6:
        return 0
    if any(ch.isdigit() or ch in ".:;!?," for ch in first):
        return 0
    return len(text) - len(stripped) + len(first)


def _mentions(text: str, language: str | None, matcher: FoodMatcher) -> list[Mention]:
    """A segment's mentions in its language; with none known (a caption of three words), in
    the language that finds more foods in it."""
    if language in ("en", "es"):
        return parse_mentions(text, language, matcher.index)
    guessed = guess_language(text)
    other = "en" if guessed == "es" else "es"
    first, second = parse_mentions(text, guessed, matcher.index), parse_mentions(text, other, matcher.index)
    return second if len(second) > len(first) else first


def _grouped(said: list[_Said]) -> list[list[_Said]]:
    groups: dict[str, list[_Said]] = {}
    for s in said:
        key = s.match.food.food_id if s.match.food else "unmatched:" + fold(s.mention.food)
        groups.setdefault(key, []).append(s)
    return list(groups.values())


def _row(group: list[_Said]) -> FoodResult:
    first = group[0]
    food = first.match.food
    stated = [s for s in group if s.mention.quantity is not None or s.mention.unit is not None]
    base = [s for s in stated if not s.mention.additive]
    extra = [s for s in stated if s.mention.additive]
    flags: list[str] = []
    if base or extra:
        main = max(base, key=lambda s: s.grams.grams or 0.0) if base else None
        grams_parts = ([main] if main else []) + extra
        known = [s.grams.grams for s in grams_parts if s.grams.grams is not None]
        amount = sum(known) if known else None
        amount_text = " + ".join(s.mention.amount_text for s in grams_parts if s.mention.amount_text)
        basis = grams_parts[0].grams.basis
        for s in grams_parts:
            flags.extend(f for f in s.grams.flags if f not in flags)
        if len(known) > 1 and amount is not None and amount > unit_table().max_grams:
            amount = unit_table().max_grams
            flags.append("clamped")
    elif food is not None:
        amount, amount_text, basis = default_portion(food), "", "default portion"
        flags.append("default_portion")
    else:
        amount, amount_text, basis = None, "", "unknown"
    evidence = list(dict.fromkeys(s.evidence for s in group))
    best = max(group, key=lambda s: s.match.score)
    row = FoodResult(
        name=food.name if food else first.mention.food,
        food_id=food.food_id if food else None,
        name_es=food.name_es if food else None,
        amount_g=amount,
        amount_text=amount_text,
        confidence=best.match.score,
        evidence=evidence,
        matched_by=best.match.method,
        amount_basis=basis,
        flags=flags,
    )
    if food is not None:
        row.nutrients = food.nutrients_for(amount) if amount is not None else dict.fromkeys(NUTRIENTS)
        row.source_table, row.source_row = food.source_table, food.source_row
    return row


def _result(
    foods: list[FoodResult], servings: int | None, matcher: FoodMatcher, media_id: str | None
) -> NutritionResult:
    totals = sum_nutrients(f.nutrients for f in foods if f.nutrients is not None)
    count = servings or 1
    return NutritionResult(
        media_id=media_id,
        servings=count,
        servings_stated=servings is not None,
        foods=foods,
        totals=totals,
        per_serving={k: (None if v is None else v / count) for k, v in totals.items()},
        model_versions={
            "food_table": matcher.table.version,
            "mentions": PARSER_VERSION,
            "matcher": matcher.version,
            "units": unit_table().sha,
        },
    )


def sum_nutrients(rows: Iterable[Mapping[str, float | None]]) -> dict[str, float | None]:
    """Each nutrient summed over the rows that give it; ``None`` where no row does (fibre, which
    neither table has, stays unknown rather than 0)."""
    totals: dict[str, float | None] = dict.fromkeys(NUTRIENTS)
    for row in rows:
        for k in NUTRIENTS:
            value = row.get(k)
            if value is not None:
                totals[k] = (totals[k] or 0.0) + value
    return totals


def merge_seen(result: NutritionResult, seen: Sequence[SeenFood], matcher: FoodMatcher) -> NutritionResult:
    """``result`` with the foods seen in frames merged in: a seen food that was said gains a
    ``frame`` evidence (its amount stays the said one); one never said is added with its default
    portion and the label's confidence. Totals and per-serving values are recomputed."""
    matches = matcher.match_many([(s.label, "en", None) for s in seen if s.food_id is None])
    by_label = iter(matches)
    by_id = {f.food_id: f for f in result.foods if f.food_id}
    foods = list(result.foods)
    for item in seen:
        if item.food_id is not None:
            match = Match(item.label, matcher.table.get(item.food_id), "image", item.confidence)
        else:
            match = next(by_label)
        if match.food is None:
            continue
        evidence = Evidence("frame", item.start_s, item.end_s, item.label, item.frame_key)
        row = by_id.get(match.food.food_id)
        if row is None:
            grams = item.portion_g or default_portion(match.food)
            row = FoodResult(
                name=match.food.name,
                food_id=match.food.food_id,
                name_es=match.food.name_es,
                amount_g=grams,
                confidence=min(match.score, item.confidence),
                nutrients=match.food.nutrients_for(grams),
                source_table=match.food.source_table,
                source_row=match.food.source_row,
                matched_by=match.method,
                amount_basis="default portion",
                flags=["default_portion", "seen_only"],
            )
            by_id[match.food.food_id] = row
            foods.append(row)
        if evidence not in row.evidence:
            row.evidence.append(evidence)
    merged = _result(foods, result.servings if result.servings_stated else None, matcher, result.media_id)
    return merged
