"""The enrich stage of the pipeline: every ingested media gets one enrichment row, built from its
segments; a failing enrichment is recorded on that row and never fails the ingest."""

from __future__ import annotations

import io
import logging

import pytest

from mediasift.catalog import enrichments, repo, taxonomies
from mediasift.embed.text.factory import get_text_embedder
from mediasift.enrich.media import enrich_media
from mediasift.runtime import Runtime
from mediasift.services.ingest import ingest_stream
from mediasift.worker.pipeline import run_ingest
from tests.enrich.conftest import transcript

ARTICLE = """Nestlé opens a coffee factory in Colombia

Nestlé announced on 3 March 2021 that it will build a new coffee factory in Bogotá, Colombia.
The factory will roast 20,000 tonnes of coffee beans a year for espresso and instant coffee.
Laurent Freixe, the company's chief executive, said the investment was worth 120 million dollars.
Colombian farmers will sell their coffee beans directly to the factory at a fixed price.
The coffee factory should open in July 2023 and employ 400 people from the region.
"""

COFFEE = {
    "labels": [
        {"name": "coffee", "description": "coffee beans, roasting, brewing, espresso"},
        {"name": "football", "description": "football matches, players and goals"},
    ]
}


def ingest_text(rt: Runtime, text: str, name: str = "article.txt") -> str:
    media = ingest_stream(rt, "acme", io.BytesIO(text.encode()), name).media
    run_ingest(rt, "acme", media.id, lambda stage, fraction: None)
    return media.id


class Seg:
    def __init__(self, id: str, text: str, start_s: float | None, page: int | None) -> None:
        self.id, self.text, self.start_s, self.page = id, text, start_s, page
        self.modality, self.language = "speech", "en"


def test_a_transcript_gets_entities_keywords_a_summary_and_labels_from_its_segments(e5):
    segments = [Seg(*row) for row in transcript("en")]
    from mediasift.enrich.taxonomy import parse_taxonomy

    cooking = parse_taxonomy(
        {
            "labels": [
                {"name": "baking", "description": "baking bread, dough, ovens"},
                {"name": "finance", "description": "banks, money, taxes and invoices"},
            ]
        }
    )
    result = enrich_media(segments, {"topics": cooking}, e5)
    starts = {s.id: s.start_s for s in segments}
    assert 3 <= len(result.summary) <= 5
    for sentence in result.summary:
        assert sentence.segment_id in starts and sentence.start_s == starts[sentence.segment_id]
    assert result.keywords and all(0 <= k.score <= 1 for k in result.keywords)
    assert any("sourdough" in k.text.lower() for k in result.keywords)
    assert [(x.taxonomy, x.label) for x in result.labels.media] == [("topics", "baking")]
    assert result.languages == ["en"]
    labels, entities, keywords = result.index_terms()
    assert labels == ("topics:baking",)
    assert all(
        e.split(":", 1)[0] in {"PER", "ORG", "LOC", "DATE", "QUANTITY", "PRODUCT", "MISC"} for e in entities
    )
    assert all(k == k.casefold() for k in keywords)


def test_a_long_media_reads_a_bounded_number_of_passages(e5):
    """Keywords' media vector averages at most 32 evenly spaced passages and the summary embeds at
    most 40 sentences, so a re-enrichment that finds no vector cached stays cheap."""
    segments = [
        Seg(
            f"s{i}",
            f"Part {i}. The boiler of espresso machine {i} keeps water at {90 + i % 5} degrees.",
            i,
            None,
        )
        for i in range(200)
    ]
    read: list[str] = []

    class Passages:
        def embed_passages(self, texts):  # type: ignore[no-untyped-def]
            read.extend(texts)
            return e5.embed_passages(texts)

    result = enrich_media(segments, {}, e5, "en", Passages())
    assert result.summary and result.keywords
    assert 32 <= len(read) <= 32 + 40
    assert {s.text for s in segments[::25]} <= set(read)  # spread over the whole media


def test_an_ingested_document_is_enriched_with_the_tenants_taxonomies(runtime: Runtime):
    with runtime.catalog.session() as s:
        repo.ensure_tenant(s, "acme")
        taxonomies.put_taxonomy(s, "acme", "topics", COFFEE)
    media_id = ingest_text(runtime, ARTICLE)
    with runtime.catalog.read_session() as s:
        assert repo.get_media(s, "acme", media_id).status == "ready"
        row = enrichments.get_enrichment(s, "acme", media_id)
        segment_ids = {seg.id for seg in repo.media_segments(s, "acme", media_id)}
    assert row is not None and row.error is None
    entities = {(e["type"], e["text"]) for e in row.entities}
    assert ("LOC", "Colombia") in entities and ("DATE", "3 March 2021") in entities, entities
    for entity in row.entities:
        assert entity["occurrences"] and all(o["segment_id"] in segment_ids for o in entity["occurrences"])
    assert any("coffee" in k["text"].lower() for k in row.keywords)
    assert 3 <= len(row.summary) <= 5 and all(s["segment_id"] in segment_ids for s in row.summary)
    assert [(x["taxonomy"], x["label"]) for x in row.labels] == [("topics", "coffee")]
    assert row.languages == ["en"] and row.models and row.updated_at is not None


def test_enrichment_reuses_the_passages_the_ingest_embedded(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
):
    """The summary's sentences and keywords' media vector are the embed stage's passage vectors
    (cache hits): during the enrich stage the model embeds no passage, and as queries only the
    keyword candidates (phrases of at most three words), no sentence and no run of sentences."""
    model = get_text_embedder(runtime.models, runtime.settings)
    stage = ["none"]
    seen: list[tuple[str, str, str]] = []
    for method, kind in (
        ("embed_queries", "embed_queries"),
        ("embed_passages", "embed_passages"),
        ("embed_passages_in_lane", "embed_passages"),  # the ingest lane's way in
    ):
        original = getattr(model, method)

        def spy(texts, *lane, original=original, kind=kind):  # type: ignore[no-untyped-def]
            seen.extend((stage[0], kind, t) for t in texts)
            return original(texts, *lane)

        monkeypatch.setattr(model, method, spy)
    # Text no other test embeds: the tenant's cache may outlive a test.
    article = ARTICLE.replace("Nestlé", "Lavazza").replace("Colombia", "Peru").replace("Bogotá", "Lima")
    media = ingest_stream(runtime, "acme", io.BytesIO(article.encode()), "lavazza.txt").media
    run_ingest(runtime, "acme", media.id, lambda name, fraction: stage.__setitem__(0, name))
    with runtime.catalog.read_session() as s:
        row = enrichments.get_enrichment(s, "acme", media.id)
    assert row is not None and row.error is None and 3 <= len(row.summary) <= 5 and row.keywords
    during = [(kind, text) for when, kind, text in seen if when == "enrich"]
    assert [text for kind, text in during if kind == "embed_passages"] == []
    queries = [text for kind, text in during if kind == "embed_queries"]
    assert queries and all(len(text.split()) <= 3 for text in queries), queries
    embedded = {text for when, kind, text in seen if when == "embed"}
    assert {s["text"] for s in row.summary} <= embedded  # each embedded once, as search's sentence


def test_a_failing_enrichment_leaves_the_media_ready_and_records_the_error(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    def broken(*args, **kwargs):
        raise RuntimeError("the NER model fell over")

    monkeypatch.setattr("mediasift.services.enrichment.enrich_media", broken)
    with caplog.at_level(logging.ERROR, logger="mediasift.enrich"):
        media_id = ingest_text(runtime, ARTICLE)
    with runtime.catalog.read_session() as s:
        media = repo.get_media(s, "acme", media_id)
        row = enrichments.get_enrichment(s, "acme", media_id)
        segments = repo.count_segments(s, media_id)
    assert media.status == "ready" and media.error is None and segments > 0
    assert row is not None and row.error == "RuntimeError: the NER model fell over"
    assert row.entities == [] and row.summary == []
    assert "enrichment failed" in caplog.text
    assert runtime.index.count("acme") > 0  # searchable all the same


def test_with_enrichment_off_no_row_is_written(runtime: Runtime):
    runtime.settings.enrich = False
    media_id = ingest_text(runtime, ARTICLE)
    with runtime.catalog.read_session() as s:
        assert repo.get_media(s, "acme", media_id).status == "ready"
        assert enrichments.get_enrichment(s, "acme", media_id) is None


def test_a_mention_in_the_overlap_between_chunks_is_read_once_in_the_chunk_it_opens(e5):
    from mediasift.extract.chunking import chunk_text

    text = (
        "The harbour master keeps the ferry timetable on the quay. " * 10
        + "Laurent Freixe opened the new coffee roastery in Vigo last spring. "
        + "The roastery sells beans to the cafes along the promenade. " * 9
    )
    chunks = chunk_text(text, 700, 120)
    segments = []
    for i, chunk in enumerate(chunks):
        seg = Seg(f"c{i}", chunk.text, None, None)
        seg.modality, seg.meta = "text", {"char_start": chunk.start, "char_end": chunk.end}
        segments.append(seg)
    both = [s.id for s in segments if "Vigo" in s.text]
    assert len(both) == 2  # the chunks overlap on that sentence
    found = {e.text: e for e in enrich_media(segments, {}, e5).entities}
    assert [o.segment_id for o in found["Vigo"].occurrences] == both[1:]


def test_a_media_without_prose_is_enriched_too(e5):
    tags = Seg("t0", "espresso, coffee, beverage", None, None)
    tags.modality = "tag"
    assert enrich_media([tags], {}, e5).entities == []
