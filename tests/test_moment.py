"""A search hit points at the part of a chunk where the query's words are said."""

from __future__ import annotations

from mediasift.enrich.terms import fold, match_score
from mediasift.services.moment import locate_moment

PARTS = [
    {"start_s": 61.0, "end_s": 64.5, "text": "Welcome back to the channel."},
    {"start_s": 64.5, "end_s": 69.0, "text": "The water temperatures stayed low all week."},
    {"start_s": 69.0, "end_s": 73.2, "text": "Mi hermana trabaja cerca de la estación."},
    {"start_s": 73.2, "end_s": 78.0, "text": "Las montañas estaban cubiertas de nieve."},
]


def test_the_part_with_the_query_words_wins_over_the_chunk_start() -> None:
    assert locate_moment(PARTS, "water temperature")["start_s"] == 64.5


def test_plurals_and_verb_forms_match_by_stem_in_english_and_spanish() -> None:
    assert locate_moment(PARTS, "temperature of the water")["start_s"] == 64.5
    assert locate_moment(PARTS, "montaña cubierta")["start_s"] == 73.2
    assert locate_moment(PARTS, "trabajar")["start_s"] == 69.0


def test_accents_do_not_matter_either_way() -> None:
    assert locate_moment(PARTS, "estacion")["start_s"] == 69.0
    assert match_score("la estacion de tren", "estación") == 1
    assert fold("Estación MAÑANA") == "estacion manana"


def test_function_words_alone_do_not_pick_a_part() -> None:
    found = locate_moment(PARTS, "the de la")
    assert (found["start_s"], found["score"]) == (61.0, 0)


def test_more_matching_words_beat_fewer_and_ties_go_to_the_earliest() -> None:
    parts = [
        {"start_s": 0.0, "end_s": 2.0, "text": "snow"},
        {"start_s": 2.0, "end_s": 4.0, "text": "snow in the mountains"},
        {"start_s": 4.0, "end_s": 6.0, "text": "mountains of snow"},
    ]
    found = locate_moment(parts, "snow mountain")
    assert (found["start_s"], found["score"]) == (2.0, 2)


def test_a_word_repeated_in_the_query_counts_once() -> None:
    assert match_score("snow and ice", "snow snow snow") == 1


def test_no_match_falls_back_to_the_first_part_and_no_parts_to_nothing() -> None:
    assert locate_moment(PARTS, "quantum chromodynamics")["start_s"] == 61.0
    assert locate_moment([], "anything") == {}


def test_the_part_is_returned_with_its_own_fields() -> None:
    part = {"start_s": 1.0, "end_s": 2.0, "text": "fresh orange juice", "words": [[1.0, 1.4, "fresh"]]}
    found = locate_moment([part], "orange")
    assert found == {**part, "score": 1}
    assert "score" not in part  # the caller's data is not modified


def test_a_part_that_keeps_its_words_times_points_at_the_first_word_asked_for() -> None:
    # espeak says it without a pause: Whisper's part runs from 7.76 s, "purple" is said at 10.10 s
    part = {
        "start_s": 7.76,
        "end_s": 13.0,
        "text": "In my garden there is a purple elephant.",
        "words": [[7.76, 8.0, " In"], [8.0, 8.3, " my"], [8.3, 8.9, " garden"], [8.9, 9.3, " there"],
                  [9.3, 9.5, " is"], [9.5, 9.6, " a"], [10.1, 10.5, " purple"], [10.5, 11.2, " elephant."]],
    }  # fmt: skip
    found = locate_moment([part], "purple elephant")
    assert (found["start_s"], found["end_s"], found["score"]) == (10.1, 13.0, 2)
    assert locate_moment([part], "elephants")["start_s"] == 10.5  # by stem
    assert locate_moment([part], "giraffe")["start_s"] == 7.76  # no word matches: the part
