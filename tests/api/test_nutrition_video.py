"""Nutrition of real generated media, end to end: a cooking video (espeak-ng speech in English and
Spanish, ingredients burned in as captions) uploaded to a nutrition collection is ingested, then
analysed by its own job from the stored segments: the foods said and shown, their amounts within
±25 %, nutrients equal to the table's values × grams / 100, evidence within ±2 s of where each is
said or shown. A silent video of a real photograph (scikit-image's cup of coffee) has only frames:
the image model sees the food."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mediasift.models.registry import ModelRegistry
from mediasift.nutrition import load_food_table
from tests import mediagen
from tests.conftest import test_settings, upload, wait_for_job

pytestmark = pytest.mark.skipif(
    not mediagen.have_tools(), reason="needs ffmpeg, espeak-ng, fonts-dejavu-core"
)

SCRIPT = [
    ("en", "This recipe makes six servings."),
    ("en", "First, add two tablespoons of olive oil to the pan."),
    # Whisper base hears espeak-ng's robotic Spanish poorly: the food comes through ("Cortamos
    # tomates maludos…"), its amount does not, so the tomatoes count their default portion.
    ("es", "Corta dos tomates maduros en trozos pequeños."),
]
CAPTIONS = [mediagen.Caption("ARROZ 200 g", 2.0, 7.0), mediagen.Caption("3 HUEVOS", 9.0, 14.0)]
# food id → (grams said or written, or None: the default portion; utterance index or caption)
FOODS: dict[str, tuple[float | None, int | mediagen.Caption]] = {
    "astra:olive_oil": (27.0, 1),
    "astra:tomato": (None, 2),
    "ofc:riz-blanc-cru": (200.0, CAPTIONS[0]),
    "astra:egg": (150.0, CAPTIONS[1]),
}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, models: ModelRegistry) -> Iterator[TestClient]:
    from mediasift.api.app import create_app
    from mediasift.runtime import open_runtime
    from mediasift.worker.loop import start_worker_threads

    home = tmp_path_factory.mktemp("nutrition-home")
    rt = open_runtime(test_settings(home, nutrition_collections=["recetas"], enrich=False))
    rt.models = models
    workers = start_worker_threads(rt, 1)
    with TestClient(create_app(rt)) as client:
        yield client
    for w in workers:
        w.stop()
    rt.close()


def analysed(api: TestClient, path: Path) -> tuple[str, dict]:
    """Upload to the nutrition collection; wait for the ingest, then for its nutrition job."""
    created = upload(api, path, collection="recetas")
    media_id = created["media"]["id"]
    assert wait_for_job(api, created["job"]["id"], timeout_s=600)["status"] == "succeeded"
    jobs = [j for j in api.get("/v1/jobs").json()["jobs"] if j["media_id"] == media_id]
    (nutrition_job,) = [j for j in jobs if j["type"] == "nutrition"]
    assert wait_for_job(api, nutrition_job["id"], timeout_s=600)["status"] == "succeeded"
    response = api.get(f"/v1/media/{media_id}/nutrition")
    assert response.status_code == 200, response.text
    return media_id, response.json()


def test_a_cooking_video_gives_its_foods_amounts_nutrients_and_seconds(api: TestClient, tmp_path: Path):
    video = mediagen.talk_video(tmp_path, "mp4", script=SCRIPT, captions=CAPTIONS)
    _, results = analysed(api, video.path)
    foods = {f["food_id"]: f for f in results["foods"]}
    assert set(foods) == set(FOODS), results["foods"]
    assert results["servings"] == 6 and results["servings_stated"]
    table = load_food_table()
    for food_id, (grams, where) in FOODS.items():
        row, food = table.get(food_id), foods[food_id]
        assert row is not None
        if grams is None:
            assert food["amount_basis"] == "default portion" and food["amount_g"] > 0, food
        else:
            assert abs(food["amount_g"] - grams) <= 0.25 * grams, food
        for nutrient, per_100g in row.nutrients.items():
            expected = (
                None if per_100g is None else pytest.approx(per_100g * food["amount_g"] / 100, abs=0.01)
            )
            assert food["nutrients"][nutrient] == expected, (food_id, nutrient)
        if isinstance(where, int):
            second, source = video.utterances[where].start_s, "speech"
        else:
            second, source = where.start_s, "ocr"
        starts = [e["start_s"] for e in food["evidence"] if e["source"] == source]
        assert starts and min(abs(s - second) for s in starts) <= 2.0, (food_id, food["evidence"], second)
    assert results["totals"]["kcal"] == pytest.approx(
        sum(f["nutrients"]["kcal"] for f in results["foods"] if f["nutrients"]), abs=0.05
    )


def test_a_silent_video_of_a_photo_is_analysed_from_its_frames(api: TestClient, tmp_path: Path):
    from PIL import Image
    from skimage import data

    photo = tmp_path / "coffee.png"
    Image.fromarray(data.coffee()).save(photo)
    video = tmp_path / "coffee.mp4"
    subprocess.run(
        ["ffmpeg", "-y", "-v", "error", "-loop", "1", "-i", str(photo), "-t", "6", "-r", "5",
         "-vf", "scale=640:-2", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(video)],
        check=True, timeout=120,
    )  # fmt: skip
    _, results = analysed(api, video)
    (coffee,) = results["foods"]
    assert coffee["food_id"] == "ofc:cafe-espresso" and coffee["matched_by"] == "image"
    assert (
        coffee["amount_g"] == 30 and "default_portion" in coffee["flags"] and "seen_only" in coffee["flags"]
    )
    (seen, *_) = coffee["evidence"]
    assert seen["source"] == "frame" and seen["text"] == "espresso" and seen["frame_key"]
    assert 0.0 <= seen["start_s"] <= 2.0
    assert "image" in results["model_versions"]
