"""The end-to-end path CI must always run: ingest a real video → search finds the spoken words
at the right second, and the on-screen captions within their span."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests import mediagen
from tests.conftest import upload, wait_for_job

pytestmark = pytest.mark.skipif(
    not mediagen.have_tools(), reason="needs ffmpeg, espeak-ng, fonts-dejavu-core"
)


@pytest.fixture(scope="module")
def talk(module_api: TestClient, tmp_path_factory: pytest.TempPathFactory) -> tuple[mediagen.Talk, str]:
    video = mediagen.talk_video(tmp_path_factory.mktemp("gen"), "mp4")
    created = upload(module_api, video.path)
    job = wait_for_job(module_api, created["job"]["id"], timeout_s=300)
    assert job["status"] == "succeeded", job
    return video, created["media"]["id"]


def test_spoken_words_are_found_at_the_second_they_are_said(module_api: TestClient, talk):
    api = module_api
    video, media_id = talk
    for utterance in video.utterances:
        hits = api.get("/v1/search", params={"q": utterance.text, "modality": "speech"}).json()["hits"]
        assert hits, utterance
        top = hits[0]
        assert top["media_id"] == media_id and top["kind"] == "video"
        assert abs(top["start_s"] - utterance.start_s) <= 2.0, (utterance, top)
        assert_thumbnail_is_a_keyframe(api, top)


def test_a_speech_hit_shows_the_keyframe_on_screen_when_the_words_are_said(module_api: TestClient, talk):
    video, media_id = talk
    segments = module_api.get(f"/v1/media/{media_id}").json()["segments"]
    keyframes = sorted((s["start_s"], s["frame_key"]) for s in segments if s["modality"] == "frame")
    assert len(keyframes) > 1  # otherwise any keyframe would be the right one
    for utterance in video.utterances:
        hits = module_api.get("/v1/search", params={"q": utterance.text, "modality": "speech"}).json()["hits"]
        top = hits[0]
        assert top["frame_key"] is None  # speech has no frame of its own: the thumbnail is borrowed
        shown = [key for start_s, key in keyframes if start_s <= top["start_s"]] or [keyframes[0][1]]
        assert top["thumbnail_url"] == f"/v1/media/{media_id}/artifacts/{shown[-1].split('/', 3)[3]}", top


def test_captions_are_found_while_they_are_on_screen(module_api: TestClient, talk):
    api = module_api
    video, media_id = talk
    for caption in video.captions:
        hits = api.get("/v1/search", params={"q": caption.text.lower(), "modality": "ocr"}).json()["hits"]
        assert hits and hits[0]["media_id"] == media_id, caption
        top = hits[0]
        assert caption.start_s - 1.0 <= top["start_s"] <= caption.end_s, (caption, top)
        assert_thumbnail_is_a_keyframe(api, top)


def assert_thumbnail_is_a_keyframe(api: TestClient, hit: dict) -> None:
    url = hit["thumbnail_url"]
    assert url and url.startswith(f"/v1/media/{hit['media_id']}/artifacts/frames/"), hit
    picture = api.get(url)
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/jpeg", url
    assert picture.content.startswith(b"\xff\xd8"), url


def test_media_detail_and_transcripts(module_api: TestClient, talk):
    api = module_api
    video, media_id = talk
    detail = api.get(f"/v1/media/{media_id}").json()
    assert abs(detail["duration_s"] - video.duration_s) < 1.5
    assert detail["width"] == 640 and detail["height"] == 360
    assert any(a.startswith("frames/") for a in detail["artifacts"])
    assert "transcript.vtt" in detail["artifacts"]
    vtt = api.get(f"/v1/media/{media_id}/transcript.vtt")
    assert vtt.status_code == 200 and vtt.text.startswith("WEBVTT")
    srt = api.get(f"/v1/media/{media_id}/transcript.srt").text
    assert "-->" in srt and "," in srt.split("-->")[0]
    spoken = api.get(f"/v1/media/{media_id}/transcript.json").json()
    assert {s["language"] for s in spoken["segments"]} >= {"en", "es"}
    from mediasift.api.schemas import TranscriptOut

    assert TranscriptOut.model_validate(spoken).segments[0].words  # the JSON is what the schema says
    schema = api.get("/openapi.json").json()
    answered = schema["paths"]["/v1/media/{media_id}/transcript.{fmt}"]["get"]["responses"]["200"]["content"]
    assert answered["application/json"]["schema"] == {"$ref": "#/components/schemas/TranscriptOut"}


def test_truncated_and_empty_videos_end_dead_with_a_clear_error(api: TestClient, tmp_path: Path):
    source = mediagen.talk_video(tmp_path / "src", "mp4")
    truncated = mediagen.truncated_copy(source.path, tmp_path / "cut.mp4", 0.4)
    empty = mediagen.zero_byte_file(tmp_path)
    jobs = {p.name: upload(api, p)["job"]["id"] for p in (truncated, empty)}
    for name, job_id in jobs.items():
        job = wait_for_job(api, job_id, timeout_s=300)
        assert job["status"] == "dead", (name, job)
        assert job["error_code"] == "corrupt_media" and job["error"], job
