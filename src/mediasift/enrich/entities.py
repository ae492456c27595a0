"""Named entities of a media, each with every segment (second or page) where it occurs.

Types are mediasift's, whichever model found them: ``PER``, ``ORG``, ``LOC``, ``DATE``,
``QUANTITY``, ``PRODUCT``, ``MISC``. English comes from OntoNotes labels (``GPE``/``FAC`` are
places, ``TIME`` is a date, ``MONEY``/``PERCENT`` are quantities, bare ``CARDINAL``/``ORDINAL``
numbers are dropped as noise); Spanish from WikiNER's ``PER``/``ORG``/``LOC``/``MISC`` plus the
dates and quantities of ``spanish_patterns``.

Mentions of one entity merge: "the European Union" and "European Union", "Nestle" and "Nestlé",
"Messi" and "Lionel Messi" (a one-word person name that ends a longer one in the same media).
The merged entity shows its most frequent spelling and the type most of its mentions had.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mediasift.enrich.language import detect_language
from mediasift.enrich.name_checks import checked
from mediasift.enrich.ner_models import NerModel, ner_model
from mediasift.enrich.ner_steps import entity_docs
from mediasift.enrich.spanish_patterns import find_dates_and_quantities
from mediasift.enrich.text_units import Coverage, Segment, as_segments, within_budget

TYPES = ("PER", "ORG", "LOC", "DATE", "QUANTITY", "PRODUCT", "MISC")

_ONTONOTES = {
    "PERSON": "PER",
    "ORG": "ORG",
    "GPE": "LOC",
    "LOC": "LOC",
    "FAC": "LOC",
    "DATE": "DATE",
    "TIME": "DATE",
    "QUANTITY": "QUANTITY",
    "MONEY": "QUANTITY",
    "PERCENT": "QUANTITY",
    "PRODUCT": "PRODUCT",
    "NORP": "MISC",
    "EVENT": "MISC",
    "WORK_OF_ART": "MISC",
    "LAW": "MISC",
    "LANGUAGE": "MISC",
}
_WIKINER = {"PER": "PER", "ORG": "ORG", "LOC": "LOC", "MISC": "MISC"}
_TYPE_MAPS = {"en": _ONTONOTES, "es": _WIKINER}

# About 11 CPU-s of NER here; a 500-page document reads evenly spaced windows of this much.
MAX_CHARS = 400_000
_LEADING_ARTICLES = ("the ", "el ", "la ", "los ", "las ")
_EDGE_PUNCTUATION = " \t\n\"'“”«»‘’()[]{}.,;:!?¿¡-–—"


@dataclass(frozen=True)
class Occurrence:
    segment_id: str
    start_s: float | None
    page: int | None

    def to_dict(self) -> dict[str, object]:
        return {"segment_id": self.segment_id, "start_s": self.start_s, "page": self.page}


@dataclass
class Entity:
    text: str
    type: str
    occurrences: list[Occurrence]

    def to_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "type": self.type,
            "occurrences": [o.to_dict() for o in self.occurrences],
        }


@dataclass
class Entities:
    """The entities found, most mentioned first, and what the extraction read and used."""

    items: list[Entity]
    coverage: Coverage
    models: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_list(self) -> list[dict[str, object]]:
        return [e.to_dict() for e in self.items]


@dataclass(frozen=True)
class Mention:
    text: str
    type: str
    segment: Segment


def extract_entities(
    segments: Iterable[Sequence | Segment], lang: str | None, max_chars: int = MAX_CHARS
) -> Entities:
    """Entities of ``segments``; ``lang`` ("en", "es") applies to each segment without its own.

    A language with no model (or no model installed) yields no entities, and a note saying so,
    except Spanish, which still gets its dates and quantities.
    """
    chosen, coverage = within_budget(as_segments(segments), max_chars)
    notes = [n for n in [coverage.note()] if n]
    by_language: dict[str | None, list[Segment]] = defaultdict(list)
    for seg in _with_languages(chosen, lang):
        by_language[seg.language].append(seg)
    mentions: list[Mention] = []
    models: list[str] = []
    for language, group in by_language.items():
        model = ner_model(language) if language else None
        if model is not None:
            models.append(model.id)
            mentions += _model_mentions(model, group)
        elif language is None:  # too short or too mixed to tell (a photo's few words)
            many = len(group) != 1
            notes.append(
                f"{len(group)} segment{'s' if many else ''} in no language told apart: no entities read"
            )
        elif language != "es":
            notes.append(f"no entity model for language {language!r}: {len(group)} segments skipped")
        if language == "es":
            if model is None:
                notes.append("Spanish NER model not installed: only dates and quantities were found")
            mentions = _with_spanish_patterns(mentions, group)
    order = {seg.segment_id: i for i, seg in enumerate(chosen)}
    return Entities(merge_mentions(mentions, order), coverage, models, notes)


def _with_languages(segments: list[Segment], lang: str | None) -> list[Segment]:
    """Each segment with its language: its own, else the media's (``lang``), else, for one too
    mixed or too short to tell (a handbook with an English and a Spanish section in one text,
    bullets without function words), each of its paragraphs with the language it reads as, or
    the one the media's other text reads as most; a segment whose paragraphs read as another
    language than its own is read a paragraph at a time too (``_by_paragraph``). A programming
    language ("python": a notebook's output, a repository's docs) is no language of prose: such
    text is read as one too."""
    lang = _spoken(lang)
    known = [seg._replace(language=_spoken(seg.language) or lang) for seg in segments]
    pieces = [_by_paragraph(seg) for seg in known]
    found = Counter(piece.language for group in pieces for piece in group if piece.language)
    most = found.most_common(1)[0][0] if found else None
    return [piece if piece.language else piece._replace(language=most) for group in pieces for piece in group]


def _by_paragraph(seg: Segment) -> list[Segment]:
    """The segment, or its paragraphs each in the language it reads as: where it has no language,
    or where a paragraph reads as another than the segment's (a chunk of an English-and-Spanish
    handbook is labelled with one of them, and the other's names had gone to its model: "PER
    Community Garden Rules", "MISC on Tuesdays and Saturdays")."""
    paragraphs = _paragraphs(seg.text)
    if seg.language and len(paragraphs) < 2:
        return [seg]
    read = [detect_language(p) for p in paragraphs]
    if seg.language and not any(found and found != seg.language for found in read):
        return [seg]
    return [
        seg._replace(text=p, language=found or seg.language)
        for p, found in zip(paragraphs, read, strict=True)
    ]


def _spoken(language: str | None) -> str | None:
    # ISO 639-1 codes name languages of prose (en, es, fr); a code segment's names its syntax
    return language if language and len(language) == 2 else None


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()] or [text]


def _model_mentions(model: NerModel, segments: list[Segment]) -> list[Mention]:
    types = _TYPE_MAPS[model.language]
    names = [label for label, kind in types.items() if kind not in ("DATE", "QUANTITY")]
    mentions = []
    with model.lock:
        docs = list(entity_docs(model.nlp, (s.text for s in segments), batch_size=64))
        for seg, doc, kept in zip(segments, docs, checked(docs, names, model.tagger), strict=True):
            for found in kept:
                kind = types.get(found.label)
                span = doc.char_span(found.start, found.end)
                if span is None:
                    continue
                text = _trim_trailing_verb(span) if model.language == "es" else span.text
                if kind == "DATE":
                    kind, text = _date_or_quantity(text, seg.text[found.end : found.end + 8])
                if kind and text:
                    mentions.append(Mention(text, kind, seg))
    return mentions


# A number the model calls a date when a unit follows it: "1450 W" is a machine's power.
_UNIT_AFTER = re.compile(r"\s?(kW|W|V|mAh|Wh|kWh|kg|g|mg|ml|mL|l|L|cm|mm|km|m|Hz|GB|MB|TB|bar|psi)\b")
_BARE_NUMBER = re.compile(r"\d[\d.,]*")
_TRAILING_DASH = re.compile(r"\s+[-–—]\s+\D*$")


def _date_or_quantity(text: str, after: str) -> tuple[str, str]:
    """A model's DATE as what it is: a bare number with a unit after it is a QUANTITY ("1450 W");
    a date run on past a dash into other words is cut there ("March 2025 - Spanish")."""
    number = _BARE_NUMBER.match(text.strip())
    rest = text.strip()[number.end() :] if number else ""
    if number and rest and (unit := _UNIT_AFTER.fullmatch(rest)):  # the model's span holds the unit
        return "QUANTITY", f"{number.group(0)} {unit.group(1)}"
    unit = _UNIT_AFTER.match(after)
    if _BARE_NUMBER.fullmatch(text.strip()) and unit:
        return "QUANTITY", f"{text.strip()} {unit.group(1)}"
    return "DATE", _TRAILING_DASH.sub("", text)


def _trim_trailing_verb(span: Any) -> str:
    """The Spanish model often runs a name into the verb after it ("Rafael Nadal ganó"); a Spanish
    name does not end in a lowercase word ("Liga de Campeones", "Museo del Prado")."""
    end = len(span)
    while end > 1 and span[end - 1].text[:1].islower():
        end -= 1
    return span[:end].text


def _with_spanish_patterns(mentions: list[Mention], segments: list[Segment]) -> list[Mention]:
    """Add pattern dates and quantities; a model ``MISC`` that a pattern span covers is dropped
    (WikiNER sometimes calls "Marzo" or "2.000 millones" miscellaneous)."""
    ids = {s.segment_id for s in segments}
    found = [
        Mention(seg.text[a:b], kind, seg)
        for seg in segments
        for a, b, kind in find_dates_and_quantities(seg.text)
    ]
    covered = {(m.segment.segment_id, normalise(m.text)) for m in found}

    def superseded(m: Mention) -> bool:
        return m.type == "MISC" and (m.segment.segment_id, normalise(m.text)) in covered

    return [m for m in mentions if not (m.segment.segment_id in ids and superseded(m))] + found


def merge_mentions(mentions: Iterable[Mention], order: dict[str, int]) -> list[Entity]:
    """One entity per normalised text, with one occurrence per segment, in the segments' ``order``
    (their position in the media)."""
    groups: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        key = normalise(m.text)
        if key:
            groups[key].append(m)
    _fold_surnames_into_full_names(groups)
    entities = []
    for ms in groups.values():
        spelling = Counter(_display(m.text) for m in ms).most_common(1)[0][0]
        kind = Counter(m.type for m in ms).most_common(1)[0][0]
        seen: dict[str, Occurrence] = {}
        for m in sorted(ms, key=lambda m: order[m.segment.segment_id]):
            seg = m.segment
            seen.setdefault(seg.segment_id, Occurrence(seg.segment_id, seg.start_s, seg.page))
        entities.append(Entity(spelling, kind, list(seen.values())))
    entities.sort(key=lambda e: (-len(e.occurrences), order[e.occurrences[0].segment_id]))
    return entities


def _fold_surnames_into_full_names(groups: dict[str, list[Mention]]) -> None:
    people = [k for k, ms in groups.items() if _majority_type(ms) == "PER"]
    full_names = [k for k in people if " " in k]
    for key in [k for k in people if " " not in k]:
        longer = [full for full in full_names if full.endswith(" " + key) or full.startswith(key + " ")]
        if len(longer) == 1:  # "Messi" with both "Lionel Messi" and "Leo Messi" stays apart
            groups[longer[0]].extend(groups.pop(key))


def _majority_type(mentions: list[Mention]) -> str:
    return Counter(m.type for m in mentions).most_common(1)[0][0]


def _display(text: str) -> str:
    text = " ".join(text.split()).strip(_EDGE_PUNCTUATION)
    if text.lower().startswith(_LEADING_ARTICLES) and text[:1].islower():
        text = text.split(" ", 1)[1]
    return text.removesuffix("'s").removesuffix("’s")


def normalise(text: str) -> str:
    """Case, accents, a leading article and a possessive do not make another entity."""
    text = _display(text).casefold()
    for article in _LEADING_ARTICLES:
        text = text.removeprefix(article)
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
