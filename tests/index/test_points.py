"""Index points: one builder for ingest (extraction's segments) and reindex (the catalog's rows)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace

from mediasift.domain import Modality, Segment
from mediasift.index.points import MediaPayload, index_points

MEDIA = SimpleNamespace(
    kind="video",
    collection="talks",
    meta={"sku": "A-1", "rank": 3, "extracted": {"codec": "h264"}, "tags": ["x"]},
    created_at=datetime(2026, 6, 1, 12),  # naive, as SQLite hands it back: UTC
    quality={"overall": 0.82, "reasons": [], "measures": {"sharpness": 300.0}},
)


def _segment(index: int, modality: Modality, text: str) -> Segment:
    return Segment(id=f"s{index}", media_id="m1", tenant_id="acme", modality=modality, text=text)


def test_a_media_lends_its_points_scalar_metadata_as_strings_and_its_added_date() -> None:
    payload = MediaPayload.of(MEDIA)
    assert payload.metadata == {"sku": "A-1", "rank": "3"}
    assert payload.added_at == datetime(2026, 6, 1, 12, tzinfo=UTC).timestamp()
    assert (payload.kind, payload.collection) == ("video", "talks")


def test_a_segment_becomes_a_point_with_the_vectors_it_has_or_its_text() -> None:
    segments = [
        _segment(0, Modality.SPEECH, "hello there"),
        _segment(1, Modality.FRAME, ""),
        _segment(2, Modality.FRAME, ""),  # no vector and no text: nothing to find it by
    ]
    vectors = {"text": {"s0": [1, 0]}, "image": {"s1": [0.5, 0.5, 0.0]}}

    points = index_points(MediaPayload.of(MEDIA), segments, vectors)

    assert [p.id for p in points] == ["s0", "s1"]
    assert points[0].vectors == {"text": [1.0, 0.0]} and points[0].modality == "speech"
    assert points[1].vectors == {"image": [0.5, 0.5, 0.0]}
    assert all(p.tenant_id == "acme" and p.metadata == {"sku": "A-1", "rank": "3"} for p in points)


def test_every_point_of_a_media_carries_its_labels_entities_and_keywords() -> None:
    payload = replace(
        MediaPayload.of(MEDIA),
        labels=("temas:barismo",),
        entities=("ORG:nestlé", "PER:jane austen"),
        keywords=("espresso",),
    )
    segments = [_segment(0, Modality.SPEECH, "hello"), _segment(1, Modality.OCR, "menu")]

    points = index_points(payload, segments, {})

    assert len(points) == 2
    for p in points:
        assert p.labels == ("temas:barismo",)
        assert p.entities == ("ORG:nestlé", "PER:jane austen")
        assert p.keywords == ("espresso",)


def test_a_media_without_enrichment_gives_points_empty_lists() -> None:
    (p,) = index_points(MediaPayload.of(MEDIA), [_segment(0, Modality.TEXT, "x")], {})
    assert (p.labels, p.entities, p.keywords) == ((), (), ())


def test_a_code_segment_is_indexed_with_its_header_and_found_by_its_path() -> None:
    code = Segment(
        id="s0", media_id="m1", tenant_id="acme", modality=Modality.CODE, text="def retry(job):\n    ...",
        language="python",
        meta={"path": "src/jobs/retry.py", "line_start": 3, "search_header": "python function retry"},
    )  # fmt: skip

    (p,) = index_points(MediaPayload.of(MEDIA), [code], {})

    assert p.text == "python function retry\ndef retry(job):\n    ..." and p.language == "python"
    assert p.paths == ("src/jobs/retry.py", "src/", "src/*.py", "src/jobs/", "src/jobs/*.py", "*.py")
    (plain,) = index_points(MediaPayload.of(MEDIA), [_segment(1, Modality.TEXT, "x")], {})
    assert plain.text == "x" and plain.paths == ()


def test_every_point_of_a_measured_media_carries_its_overall_quality() -> None:
    segments = [_segment(0, Modality.SPEECH, "hello"), _segment(1, Modality.OCR, "EXIT")]

    points = index_points(MediaPayload.of(MEDIA), segments, {})
    unmeasured = index_points(
        MediaPayload.of(SimpleNamespace(**{**vars(MEDIA), "quality": None})), segments, {}
    )

    assert [p.quality for p in points] == [0.82, 0.82]
    assert [p.quality for p in unmeasured] == [None, None]


def test_a_glyph_read_off_a_frame_is_no_point() -> None:
    # A video of 45 frames read as "0", "9", "O" had filled every search's candidates with them.
    segments = [
        _segment(0, Modality.OCR, "O"),
        _segment(1, Modality.OCR, "★ 8"),
        _segment(2, Modality.OCR, "OPEN"),
    ]
    vectors = {"text": {s.id: [1.0, 0.0] for s in segments}}

    points = index_points(MediaPayload.of(MEDIA), segments, vectors)

    assert [p.id for p in points] == ["s2"]
