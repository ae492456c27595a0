"""Quality end to end: measured at ingest, on the media, filtered on in search and facets, measured
on demand, shown in reports, and printed by `mediasift quality`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skimage.data
from fastapi.testclient import TestClient
from PIL import Image, ImageFilter
from typer.testing import CliRunner

from mediasift.catalog import quality as stored
from mediasift.cli import main as cli
from mediasift.cli.client import HttpClient
from mediasift.runtime import Runtime
from tests import mediagen
from tests.conftest import upload, wait_for_job
from tests.docgen import make_pdf


def _ingest(api: TestClient, path: Path) -> dict[str, Any]:
    job = wait_for_job(api, upload(api, path)["job"]["id"])
    assert job["status"] == "succeeded", job
    return api.get(f"/v1/media/{job['media_id']}").json()


@pytest.fixture
def photos(tmp_path: Path) -> dict[str, Path]:
    coffee = Image.fromarray(skimage.data.coffee())
    paths = {"sharp": tmp_path / "coffee.png", "blurred": tmp_path / "coffee-blurred.png"}
    coffee.save(paths["sharp"])
    coffee.filter(ImageFilter.GaussianBlur(4)).save(paths["blurred"])
    return paths


def test_ingest_measures_quality_and_search_filters_on_it(api: TestClient, photos: dict[str, Path]) -> None:
    sharp, blurred = (_ingest(api, photos[name]) for name in ("sharp", "blurred"))

    assert sharp["quality"]["overall"] > blurred["quality"]["overall"] + 0.2
    assert blurred["quality"]["reasons"][0]["measure"] == "sharpness"
    assert blurred["quality"]["reasons"][0]["message"].startswith("blurred")
    assert {"sharpness", "noise_sigma", "megapixels"} <= set(sharp["quality"]["measures"])
    # near-duplicates at measuring time: the first had none yet, the second finds what detail shows
    assert sharp["quality"]["measures"]["near_duplicates"] == []
    twins = [d["media_id"] for d in blurred["duplicates"]]
    assert blurred["quality"]["measures"]["near_duplicates"] == twins == [sharp["id"]]  # pHash: 0 bits apart
    assert api.get(f"/v1/media/{sharp['id']}/quality").json()["overall"] == sharp["quality"]["overall"]

    def found(**params: Any) -> set[str]:
        response = api.get("/v1/search", params={"q": "coffee cup", "kind": "image", **params})
        assert response.status_code == 200, response.text
        return {hit["media_id"] for hit in response.json()["hits"]}

    assert found() == {sharp["id"], blurred["id"]}
    threshold = (sharp["quality"]["overall"] + blurred["quality"]["overall"]) / 2
    assert found(min_quality=threshold) == {sharp["id"]}
    assert found(min_quality=1.0) == set() or sharp["quality"]["overall"] == 1.0
    assert api.get("/v1/search", params={"q": "coffee", "min_quality": 1.5}).status_code == 422

    def facet(field: str, **params: Any) -> dict[str, int]:
        response = api.get("/v1/facets", params={"field": field, **params})
        assert response.status_code == 200, response.text
        return {v["value"]: v["count"] for v in response.json()["values"]}

    bands = facet("quality")
    assert sum(bands.values()) == 2 and min(float(b) for b in bands) <= blurred["quality"]["overall"]
    assert facet("quality_reasons")["sharpness"] == 1
    assert facet("quality_reasons", min_quality=threshold).get("sharpness") is None


def test_document_pages_without_text_are_named(api: TestClient, tmp_path: Path) -> None:
    full = make_pdf(tmp_path / "manual.pdf", [["Descale the boiler every three months."], ["Then rinse."]])
    gappy = make_pdf(tmp_path / "gappy.pdf", [["Descale the boiler every three months."], [], [], []])
    full_q, gappy_q = (_ingest(api, p)["quality"] for p in (full, gappy))

    assert full_q["overall"] == 1.0 and full_q["measures"]["text_coverage"] == 1.0
    assert gappy_q["measures"]["pages_without_text"] == [2, 3, 4]
    assert gappy_q["reasons"][0]["measure"] == "text_coverage"
    assert gappy_q["reasons"][0]["message"] == "pages without text: [2, 3, 4]"


def test_a_document_that_switches_language_half_way_is_named_mixed(api: TestClient, tmp_path: Path) -> None:
    english = ["The boiler must be descaled every three months with citric acid and then rinsed with water."]
    spanish = ["La caldera se debe descalcificar cada tres meses con ácido cítrico y luego aclarar con agua."]
    one = make_pdf(tmp_path / "boiler-en.pdf", [english, english])
    mixed = make_pdf(tmp_path / "boiler-mixed.pdf", [english, spanish])

    one_q, mixed_q = (_ingest(api, p)["quality"] for p in (one, mixed))

    assert one_q["measures"]["language_consistency"] == 1.0 and one_q["overall"] == 1.0
    assert mixed_q["measures"]["language_consistency"] < 0.6
    assert mixed_q["reasons"][0]["measure"] == "language_consistency"
    assert mixed_q["overall"] < one_q["overall"]


def test_media_ingested_without_quality_is_measured_on_demand_and_found_again(
    api: TestClient, runtime: Runtime, photos: dict[str, Path]
) -> None:
    media = _ingest(api, photos["sharp"])
    with runtime.catalog.session() as s:
        stored.save_quality(s, "default", media["id"], None)  # as if ingested before quality existed
    runtime.invalidate_tenant("default")
    assert api.get(f"/v1/media/{media['id']}").json()["quality"] is None
    assert api.get(f"/v1/media/{media['id']}/quality").status_code == 404

    measured = api.post(f"/v1/media/{media['id']}/quality")

    assert measured.status_code == 200, measured.text
    assert measured.json()["overall"] == media["quality"]["overall"]
    assert measured.json()["version"] == 1
    hits = api.get("/v1/search", params={"q": "coffee", "min_quality": 0.5}).json()["hits"]
    assert media["id"] in {h["media_id"] for h in hits}
    assert api.post("/v1/media/nope/quality").status_code == 404


def test_cli_prints_the_quality_object_and_its_reasons(
    api: TestClient, photos: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    media = _ingest(api, photos["blurred"])

    class SharedClient(HttpClient):  # the test's own client: the command must not close it
        def close(self) -> None:
            pass

    monkeypatch.setattr("mediasift.cli.quality.connect", lambda settings, tenant=None, **_: SharedClient(api))

    as_json = CliRunner().invoke(cli.app, ["quality", media["id"], "--json"])
    readable = CliRunner().invoke(cli.app, ["quality", media["id"]])

    assert as_json.exit_code == 0, as_json.output
    printed = json.loads(as_json.output)
    assert printed["overall"] == media["quality"]["overall"]
    assert set(printed) >= {"overall", "reasons", "measures"}
    assert readable.exit_code == 0 and "blurred: variance of the Laplacian" in readable.output
    assert np.isclose(float(readable.output.split()[1]), media["quality"]["overall"], atol=0.01)


def test_reports_show_the_score_and_its_reasons(api: TestClient, photos: dict[str, Path]) -> None:
    media = _ingest(api, photos["blurred"])
    url = f"/v1/media/{media['id']}/report"

    as_json = api.get(url, params={"format": "json"}).json()
    markdown = api.get(url, params={"format": "md"}).text
    page = api.get(url, params={"format": "html"}).text

    assert as_json["quality"]["overall"] == media["quality"]["overall"]
    assert as_json["quality"]["reasons"][0]["measure"] == "sharpness"
    assert "## Quality" in markdown and "- blurred: variance of the Laplacian" in markdown
    assert "<section id=quality>" in page and "<li>blurred: variance of the Laplacian" in page


def test_speech_gets_loudness_noise_and_the_recognisers_confidence(api: TestClient, tmp_path: Path) -> None:
    if not mediagen.have_tools():
        pytest.skip("ffmpeg / espeak-ng not installed")
    talk = mediagen.speech_track(tmp_path, [("en", s) for s in mediagen.EN_SENTENCES[:2]])

    quality = _ingest(api, talk.path)["quality"]

    measures = quality["measures"]
    assert -26 < measures["loudness_lufs"] < -16
    assert measures["snr_db"] >= 30 and measures["clipping_ratio"] == 0
    assert 0.6 < measures["asr_confidence"] <= 1.0  # Whisper's mean word probability on clear speech
    assert quality["overall"] >= 0.9, quality["reasons"]


def test_speech_drowned_in_noise_is_recognised_with_less_confidence(api: TestClient, tmp_path: Path) -> None:
    import wave

    if not mediagen.have_tools():
        pytest.skip("ffmpeg / espeak-ng not installed")
    talk = mediagen.speech_track(tmp_path, [("en", s) for s in mediagen.EN_SENTENCES[:3]])
    with wave.open(str(talk.path)) as w:
        rate, x = w.getframerate(), np.frombuffer(w.readframes(w.getnframes()), np.int16) / 32768
    voiced_rms = float(np.sqrt(np.mean(x[np.abs(x) > 0.01] ** 2)))
    noisy = x + np.random.default_rng(0).normal(0, voiced_rms * 1.4, x.size)  # speech 3 dB under the noise
    drowned = tmp_path / "drowned.wav"
    with wave.open(str(drowned), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(rate)
        w.writeframes((np.clip(noisy, -1, 1) * 32767).astype(np.int16).tobytes())

    clear_q, drowned_q = (_ingest(api, p)["quality"] for p in (talk.path, drowned))

    assert drowned_q["measures"]["asr_confidence"] < clear_q["measures"]["asr_confidence"] - 0.1
    assert {"asr_confidence", "snr_db"} <= {r["measure"] for r in drowned_q["reasons"]}


def test_reindex_measures_media_never_measured_and_leaves_current_ones(
    api: TestClient, runtime: Runtime, photos: dict[str, Path]
) -> None:
    from mediasift.services.reindex import reindex

    never, current = (_ingest(api, photos[name]) for name in ("sharp", "blurred"))
    with runtime.catalog.session() as s:
        stored.save_quality(s, "default", never["id"], None)
    measured_at = current["quality"]["measured_at"]
    assert measured_at.endswith("Z"), measured_at

    report = reindex(runtime, "default", quality=True)

    assert (report.quality_measured, report.quality_failed) == (1, 0)
    assert api.get(f"/v1/media/{never['id']}/quality").json()["overall"] == never["quality"]["overall"]
    assert api.get(f"/v1/media/{current['id']}/quality").json()["measured_at"] == measured_at
    hits = api.get("/v1/search", params={"q": "coffee", "min_quality": 0.9}).json()["hits"]
    assert {h["media_id"] for h in hits} == {never["id"]}


def test_a_degraded_scan_reads_with_less_ocr_confidence(api: TestClient, tmp_path: Path) -> None:
    from tests.extract.imaging_samples import ENGLISH, render_text

    page = render_text(ENGLISH * 3, size=30, width=1100)
    # scanned at a fifth of the resolution, out of focus and grainy: still read, with doubts
    small = page.resize((page.width // 5, page.height // 5)).resize(page.size)
    pixels = np.asarray(small.filter(ImageFilter.GaussianBlur(2)), dtype=np.float64)
    noisy = np.clip(pixels + np.random.default_rng(0).normal(0, 70, pixels.shape), 0, 255)
    clean = make_pdf(tmp_path / "scan.pdf", [page])
    degraded = make_pdf(tmp_path / "scan-degraded.pdf", [Image.fromarray(noisy.astype(np.uint8))])

    clean_q, degraded_q = (_ingest(api, p)["quality"] for p in (clean, degraded))

    assert clean_q["measures"]["ocr_confidence"] > 0.95 and clean_q["overall"] == 1.0
    assert degraded_q["measures"]["ocr_confidence"] < 0.85
    assert degraded_q["overall"] < clean_q["overall"]
    assert degraded_q["reasons"][0]["measure"] == "ocr_confidence"
