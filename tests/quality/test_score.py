"""How measures become a score: costs ramp between thresholds, compound, and each names its reason."""

from __future__ import annotations

import pytest

from mediasift.quality import Rule, score

BLUR = Rule("sharpness", 100.0, 20.0, 0.5, "blurred: {value:.0f}")
DARK = Rule("brightness", 50.0, 20.0, 0.3, "dark: {value:.0f} in {place}")


def test_a_measure_at_or_better_than_good_costs_nothing() -> None:
    quality = score({"sharpness": 500.0, "brightness": 50.0}, [BLUR, DARK])
    assert quality.overall == 1.0 and quality.reasons == []


def test_costs_ramp_linearly_and_compound_worst_first() -> None:
    quality = score({"sharpness": 60.0, "brightness": 0.0}, [BLUR, DARK])
    assert quality.overall == pytest.approx((1 - 0.25) * (1 - 0.3), abs=1e-3)
    assert quality.names() == ["brightness", "sharpness"]
    blurred = {"measure": "sharpness", "value": 60.0, "message": "blurred: 60"}
    assert quality.to_json()["reasons"][1] == blurred


def test_a_measure_not_taken_is_not_judged_and_a_missing_field_reads_as_a_dash() -> None:
    assert score({"brightness": None}, [DARK]).overall == 1.0
    assert score({"brightness": 10.0}, [DARK]).reasons[0].message == "dark: 10 in –"


def test_stretches_read_as_seconds_in_messages() -> None:
    rule = Rule("black_ratio", 0.05, 0.5, 0.4, "black screen: {black_stretches}")
    quality = score({"black_ratio": 0.3, "black_stretches": [[2.0, 5.5], [10.0, 11.0]]}, [rule])
    assert quality.reasons[0].message == "black screen: 2.0–5.5 s, 10.0–11.0 s"
    assert quality.to_json()["measures"]["black_stretches"] == [[2.0, 5.5], [10.0, 11.0]]


def test_a_document_cut_off_before_its_end_says_so_and_scores_lower(tmp_path) -> None:
    from mediasift.domain import Modality, Segment
    from mediasift.quality.assess import assess

    pages = [
        Segment(
            id=f"s{n}", media_id="m", tenant_id="t", modality=Modality.TEXT, text=f"Page {n} text.", page=n
        )
        for n in (1, 2, 3)
    ]
    whole = assess("document", tmp_path / "x.pdf", pages, {"pages": 3}, 1_000_000)
    cut = assess(
        "document", tmp_path / "x.pdf", pages, {"pages": 3, "metadata": {"cut_short": True}}, 1_000_000
    )
    assert whole.overall == 1.0 and "complete" not in whole.measures
    assert cut.overall == 0.5 and cut.measures["complete"] == 0.0
    assert [r.message for r in cut.reasons] == ["cut off: the file ends early; its first 3 pages were read"]
