"""A video with its own subtitle tracks, end to end: uploaded, its English track is its transcript
(no speech recognised), its Spanish track is searched in Spanish, and a search or an answer points
at the second a cue is shown."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests import mediagen
from tests.conftest import upload, wait_for_job
from tests.mediagen import SubtitleTrack

pytestmark = pytest.mark.skipif(
    not mediagen.have_tools(), reason="needs ffmpeg, espeak-ng, fonts-dejavu-core"
)

ENGLISH = [
    (1.0, 4.0, "Welcome to the espresso class at the corner café."),
    (9.0, 12.0, "The lighthouse keeper rows to the island every Tuesday."),
    (16.0, 19.0, "For filter coffee, heat the water to 94 degrees before pouring it."),
]
SPANISH = [
    (1.0, 4.0, "Bienvenidos a la clase de espresso del café de la esquina."),
    (9.0, 12.0, "El farero rema hasta la isla todos los martes."),
    (16.0, 19.0, "Para el café de filtro, calienta el agua a 94 grados antes de verterla."),
]


@pytest.fixture(scope="module")
def film(module_api: TestClient, tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("film")
    clip = mediagen.pattern_video(root, duration_s=20.0, ext="mkv")
    path = mediagen.with_subtitles(
        clip,
        root / "class.mkv",
        [SubtitleTrack(ENGLISH, "eng", default=True), SubtitleTrack(SPANISH, "spa")],
        audio_language="eng",
    )
    created = upload(module_api, path)
    job = wait_for_job(module_api, created["job"]["id"], timeout_s=300)
    assert job["status"] == "succeeded", job
    return str(created["media"]["id"])


def test_a_cue_is_found_at_the_second_it_is_shown_in_either_track(module_api: TestClient, film: str) -> None:
    for query, language, second in [
        ("lighthouse keeper rows to the island", "en", 9.0),
        ("el farero rema hasta la isla", "es", 9.0),
    ]:
        hits = module_api.get("/v1/search", params={"q": query, "modality": "speech"}).json()["hits"]
        top = hits[0]
        assert top["media_id"] == film and top["language"] == language, (query, top)
        assert abs(top["start_s"] - second) <= 1.0, (query, top)


def test_the_track_is_the_transcript_and_the_media_says_which_tracks_it_read(
    module_api: TestClient, film: str
) -> None:
    detail = module_api.get(f"/v1/media/{film}").json()
    assert detail["metadata"]["extracted"].get("asr_model") is None  # nothing recognised
    assert [
        (t["language"], t["transcript"], t["cues"])
        for t in detail["metadata"]["extracted"]["subtitle_tracks"]
    ] == [
        ("en", True, 3),
        ("es", False, 3),
    ]
    vtt = module_api.get(f"/v1/media/{film}/transcript.vtt").text
    assert "00:00:09.000 --> 00:00:12.000\nThe lighthouse keeper rows to the island every Tuesday." in vtt


def test_an_answer_cites_the_second_of_its_cue(module_api: TestClient, film: str) -> None:
    body = module_api.post(
        "/v1/ask", json={"question": "what temperature should the water be for filter coffee?"}
    ).json()
    assert body["found"] is True, body
    top = body["citations"][0]
    assert top["media_id"] == film and abs(top["start_s"] - 16.0) <= 1.0, top
    assert "94 degrees" in body["answer"]
