"""``mediasift reindex --enrich``: every media is enriched again from its stored segments (no
extraction), then reindexed."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from mediasift.catalog import enrichments, repo
from mediasift.cli.main import app
from mediasift.config import Settings
from mediasift.models.registry import ModelRegistry
from mediasift.runtime import open_runtime
from tests.enrich.test_enrichment_stage import ARTICLE, ingest_text


def test_reindex_enrich_enriches_media_ingested_without_enrichment_from_stored_segments(
    settings: Settings, models: ModelRegistry, monkeypatch: pytest.MonkeyPatch
):
    settings.enrich = False
    rt = open_runtime(settings)
    rt.models = models
    try:
        media_id = ingest_text(rt, ARTICLE)
        with rt.catalog.read_session() as s:
            assert enrichments.get_enrichment(s, "acme", media_id) is None
            segments = [(x.id, x.text) for x in repo.media_segments(s, "acme", media_id)]
        points = rt.index.count("acme")
    finally:
        rt.close()

    def no_extraction(kind: str):
        raise AssertionError("reindex --enrich must not extract the media again")

    monkeypatch.setattr("mediasift.worker.pipeline.extractor_for", no_extraction)
    monkeypatch.setenv("MEDIASIFT_HOME", str(settings.home))
    result = CliRunner().invoke(app, ["reindex", "--enrich"])
    assert result.exit_code == 0, result.output
    assert "reindexed 1 media" in result.output and "enriched 1 again" in result.output

    rt = open_runtime(settings)
    try:
        with rt.catalog.read_session() as s:
            row = enrichments.get_enrichment(s, "acme", media_id)
            assert [(x.id, x.text) for x in repo.media_segments(s, "acme", media_id)] == segments
        assert rt.index.count("acme") == points
    finally:
        rt.close()
    assert row is not None and row.error is None
    assert ("LOC", "Colombia") in {(e["type"], e["text"]) for e in row.entities}
    assert row.keywords and 3 <= len(row.summary) <= 5
