"""rrf: reciprocal rank fusion of ranked hit lists."""

from __future__ import annotations

import pytest

from mediasift.domain import IndexHit
from mediasift.index.fusion import normalised, rrf, score_fusion


def hits(*hit_ids: str, media: str = "m") -> list[IndexHit]:
    """A ranked list, best first; scores are deliberately on an arbitrary scale rrf must ignore."""
    return [IndexHit(id=h, media_id=media, score=1000.0 - i) for i, h in enumerate(hit_ids)]


def fused_ids(fused: list[IndexHit]) -> list[str]:
    return [h.id for h in fused]


def test_one_list_keeps_its_order_with_scores_one_over_k_plus_rank() -> None:
    fused = rrf([hits("a", "b", "c")], k=60)

    assert fused_ids(fused) == ["a", "b", "c"]
    assert [h.score for h in fused] == pytest.approx([1 / 61, 1 / 62, 1 / 63])


def test_an_id_found_by_several_lists_outranks_one_found_by_a_single_list() -> None:
    keyword = hits("only-words", "both")
    vector = hits("only-vector", "both")

    fused = rrf([keyword, vector])

    assert fused_ids(fused)[0] == "both"
    assert fused[0].score == pytest.approx(2 / 62)


def test_scores_of_the_inputs_do_not_matter_only_ranks() -> None:
    tiny = [IndexHit("a", "m", 0.001), IndexHit("b", "m", 0.0001)]
    huge = [IndexHit("b", "m", 900.0), IndexHit("a", "m", 800.0)]

    fused = rrf([tiny, huge])

    assert fused[0].score == pytest.approx(fused[1].score)


def test_ties_go_to_the_id_seen_first() -> None:
    assert fused_ids(rrf([hits("x"), hits("y")])) == ["x", "y"]
    assert fused_ids(rrf([hits("y"), hits("x")])) == ["y", "x"]


def test_weights_scale_each_lists_contribution() -> None:
    keyword = hits("k1", "k2")
    vector = hits("v1", "v2")

    assert fused_ids(rrf([keyword, vector], weights=[1.0, 3.0]))[:2] == ["v1", "v2"]
    assert fused_ids(rrf([keyword, vector], weights=[3.0, 1.0]))[:2] == ["k1", "k2"]
    assert rrf([keyword, vector], weights=[0.0, 1.0])[-1].score == 0.0


def test_a_smaller_k_widens_the_gap_between_top_ranks() -> None:
    sharp = rrf([hits("a", "b")], k=1)
    flat = rrf([hits("a", "b")], k=1000)

    assert sharp[0].score / sharp[1].score > flat[0].score / flat[1].score


def test_limit_keeps_the_best() -> None:
    fused = rrf([hits("a", "b", "c"), hits("c", "d")], limit=2)

    assert fused_ids(fused) == ["c", "a"]
    assert rrf([hits("a")], limit=0) == []


def test_an_id_repeated_within_a_list_counts_once_at_its_best_rank() -> None:
    fused = rrf([hits("a", "b", "a")])

    assert fused_ids(fused) == ["a", "b"]
    assert fused[0].score == pytest.approx(1 / 61)


def test_media_id_comes_from_the_first_list_holding_the_hit() -> None:
    fused = rrf([hits("a", media="m-from-keyword"), hits("a", media="m-from-vector")])

    assert fused[0].media_id == "m-from-keyword"


def test_no_lists_or_empty_lists_fuse_to_nothing() -> None:
    assert rrf([]) == []
    assert rrf([[], []]) == []


@pytest.mark.parametrize(
    "kwargs",
    [{"k": -1}, {"weights": [1.0]}, {"weights": [1.0, -0.5]}, {"limit": -1}],
    ids=["negative k", "weights per list", "negative weight", "negative limit"],
)
def test_invalid_arguments_are_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        rrf([hits("a"), hits("b")], **kwargs)


# -- score fusion ------------------------------------------------------------------------------


def scored(pairs: list[tuple[str, float]], media: str = "m") -> list[IndexHit]:
    return [IndexHit(id=h, media_id=media, score=s) for h, s in pairs]


def test_score_fusion_keeps_the_gap_between_a_near_exact_match_and_a_weak_neighbour() -> None:
    # Keyword: the exact phrase scores 12, the runner-up 1.1; the vectors barely tell them apart.
    keyword = scored([("exact", 12.0), ("neighbour", 1.1)])
    vector = scored([("neighbour", 0.86), ("exact", 0.85), ("far", 0.70)])

    by_rank = fused_ids(rrf([keyword, vector]))
    by_score = score_fusion([keyword, vector], [0.5, 0.5], ["max", "minmax"])

    assert by_rank[0] == "exact"  # a tie RRF breaks by list order only
    assert fused_ids(by_score) == ["exact", "neighbour", "far"]
    assert by_score[0].score - by_score[1].score > 0.35
    # Swap the list order: RRF's winner flips with it, score fusion's does not.
    assert fused_ids(rrf([vector, keyword]))[0] == "neighbour"
    assert fused_ids(score_fusion([vector, keyword], [0.5, 0.5], ["minmax", "max"]))[0] == "exact"


def test_normalisations_map_each_list_to_zero_one() -> None:
    assert normalised([8.0, 4.0, 2.0], "max") == [1.0, 0.5, 0.25]
    assert normalised([0.9, 0.8, 0.7], "minmax") == pytest.approx([1.0, 0.5, 0.0])
    assert normalised([0.5, 0.5], "minmax") == [1.0, 1.0]
    dbsf = normalised([10.0, 0.0, 0.0, 0.0], "dbsf")
    assert all(0.0 <= v <= 1.0 for v in dbsf) and dbsf[0] > dbsf[1]
    assert normalised([], "dbsf") == []


def test_score_fusion_counts_an_id_once_per_list_and_rejects_bad_weights() -> None:
    fused = score_fusion([scored([("a", 2.0), ("a", 1.0), ("b", 1.0)])], [1.0], ["max"])
    assert [(h.id, h.score) for h in fused] == [("a", 1.0), ("b", 0.5)]
    with pytest.raises(ValueError):
        score_fusion([scored([("a", 1.0)])], [-1.0], ["max"])
    with pytest.raises(ValueError):
        score_fusion([scored([("a", 1.0)])], [1.0, 1.0], ["max"])
