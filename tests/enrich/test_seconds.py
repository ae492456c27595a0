"""Entities and summary sentences point at the part of a speech segment that says them, not at
the 15–30 s chunk's start."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mediasift.enrich.entities import Entity, Occurrence
from mediasift.enrich.seconds import SpokenSeconds, part_offsets, second_at
from mediasift.enrich.summary import SummarySentence

PARTS = [
    {"start_s": 1.3, "end_s": 6.0, "text": " Yesterday the engineers travelled to London."},
    {"start_s": 6.5, "end_s": 12.0, "text": " The machine heats the water."},
    {"start_s": 15.2, "end_s": 20.0, "text": " It was shown to the baristas of Paris."},
]


@dataclass
class Seg:
    id: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    start_s: float | None = 1.3


def speech() -> Seg:
    return Seg("s1", " ".join(p["text"].strip() for p in PARTS), {"parts": PARTS})


def test_offsets_map_to_the_part_that_holds_them():
    seg = speech()
    offsets = part_offsets(seg.text, PARTS)
    assert [start for _, start in offsets] == [1.3, 6.5, 15.2]
    assert second_at(offsets, seg.text.index("Paris")) == 15.2
    assert second_at(offsets, seg.text.index("London")) == 1.3
    assert second_at(offsets, seg.text.index("water")) == 6.5


def test_entities_and_summary_sentences_get_the_second_they_are_said():
    spoken = SpokenSeconds([speech()])
    [paris, london] = spoken.entities(
        [
            Entity("Paris", "LOC", [Occurrence("s1", 1.3, None)]),
            Entity("london", "LOC", [Occurrence("s1", 1.3, None)]),
        ]
    )
    assert paris.occurrences == [Occurrence("s1", 15.2, None)]
    assert london.occurrences == [Occurrence("s1", 1.3, None)]  # case does not matter
    [sentence] = spoken.summary([SummarySentence("The machine heats the water.", "s1", 1.3, None)])
    assert sentence.start_s == 6.5


def test_segments_without_parts_and_words_not_found_keep_their_place():
    page = Seg("p1", "Paris is on page two.", start_s=None)
    spoken = SpokenSeconds([page, speech()])
    kept = [
        Entity("Paris", "LOC", [Occurrence("p1", None, 2)]),
        Entity("Rome", "LOC", [Occurrence("s1", 1.3, None)]),
    ]
    assert spoken.entities(kept) == kept


def test_a_parts_word_times_point_inside_it():
    # one recogniser piece holding two sentences: the second is said at 3.4 s, not the piece's 0.9
    words = [[0.9, 1.2, " Welcome"], [1.2, 1.6, " to"], [1.6, 2.4, " Seville."], [3.4, 3.6, " The"],
             [3.6, 4.0, " museum"], [4.0, 4.3, " opens"], [4.3, 4.5, " at"], [4.5, 5.0, " ten."]]  # fmt: skip
    parts = [
        {
            "start_s": 0.9,
            "end_s": 5.0,
            "text": " Welcome to Seville. The museum opens at ten.",
            "words": words,
        }
    ]
    seg = Seg("s2", "Welcome to Seville. The museum opens at ten.", {"parts": parts}, 0.9)
    spoken = SpokenSeconds([seg])
    [sentence] = spoken.summary([SummarySentence("The museum opens at ten.", "s2", 0.9, None)])
    assert sentence.start_s == 3.4
    [ten] = spoken.entities([Entity("ten", "DATE", [Occurrence("s2", 0.9, None)])])
    assert ten.occurrences == [Occurrence("s2", 4.5, None)]
