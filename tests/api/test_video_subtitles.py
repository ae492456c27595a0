"""A video with its own subtitle tracks, end to end: uploaded, its English track is its transcript
(no speech recognised), its Spanish track is searched in Spanish, and a search or an answer points
at the second a cue is shown."""

from __future__ import annotations

from pathlib import Path

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


def _srt(cues: list[tuple[float, float, str]]) -> bytes:
    return "\n".join(
        f"{n}\n{mediagen._srt_time(a)} --> {mediagen._srt_time(b)}\n{text}\n"
        for n, (a, b, text) in enumerate(cues, 1)
    ).encode()


@pytest.fixture(scope="module")
def talk_with_files(module_api: TestClient, tmp_path_factory: pytest.TempPathFactory) -> str:
    # As a folder holds them: talk.mp4 with talk.en.srt and talk.es.srt beside it.
    clip = mediagen.pattern_video(tmp_path_factory.mktemp("files"), duration_s=20.0, ext="mp4", name="talk")
    # Other words than the first video's, so that a search finds this one.
    english = [(a, b, t.replace("lighthouse keeper", "ferry captain")) for a, b, t in ENGLISH]
    spanish = [(a, b, t.replace("El farero", "La capitana del ferry")) for a, b, t in SPANISH]
    with clip.open("rb") as f:
        response = module_api.post(
            "/v1/media",
            files=[
                ("subtitles", ("talk.en.srt", _srt(english))),
                ("subtitles", ("talk.srt", _srt(spanish))),  # no language in its name: its words tell
                ("file", ("talk.mp4", f)),
            ],
        )
    assert response.status_code == 202, response.text
    job = wait_for_job(module_api, response.json()["job"]["id"], timeout_s=300)
    assert job["status"] == "succeeded", job
    return str(response.json()["media"]["id"])


def test_subtitle_files_sent_with_a_video_are_its_tracks(
    module_api: TestClient, talk_with_files: str
) -> None:
    for query, language in [
        ("ferry captain rows to the island", "en"),
        ("la capitana del ferry rema hasta la isla", "es"),
    ]:
        hits = module_api.get("/v1/search", params={"q": query, "modality": "speech"}).json()["hits"]
        top = hits[0]
        assert (top["media_id"], top["language"]) == (talk_with_files, language), (query, top)
        assert abs(top["start_s"] - 9.0) <= 1.0, (query, top)
    extracted = module_api.get(f"/v1/media/{talk_with_files}").json()["metadata"]["extracted"]
    assert extracted.get("asr_model") is None
    assert [(t["file"], t["language"], t["transcript"]) for t in extracted["subtitle_tracks"]] == [
        ("00.en.srt", "en", True),
        ("01.und.srt", "es", False),
    ]
    # the listing says what the name said and what the reading found
    files = module_api.get(f"/v1/media/{talk_with_files}/subtitles").json()["files"]
    assert [(f["name"], f["language"], f["read_language"]) for f in files] == [
        ("00.en.srt", "en", "en"),
        ("01.und.srt", None, "es"),
    ]


def test_a_file_that_is_not_subtitles_is_refused_and_nothing_is_kept(
    module_api: TestClient, tmp_path: Path
) -> None:
    clip = mediagen.pattern_video(tmp_path, duration_s=2.0, ext="mp4", name="other")
    before = len(module_api.get("/v1/media", params={"limit": 200}).json()["media"])
    with clip.open("rb") as f:
        response = module_api.post(
            "/v1/media", files=[("subtitles", ("notes.srt", b"just some notes")), ("file", ("other.mp4", f))]
        )
    assert response.status_code == 400 and "SubRip" in response.json()["message"], response.text
    assert len(module_api.get("/v1/media", params={"limit": 200}).json()["media"]) == before
    with clip.open("rb") as f:
        late = module_api.post(
            "/v1/media", files=[("file", ("other.mp4", f)), ("subtitles", ("other.srt", _srt(ENGLISH)))]
        )
    assert late.status_code == 400 and "before the file" in late.json()["message"], late.text


def test_a_duplicate_upload_adds_the_subtitles_sent_with_it_to_the_media(
    module_api: TestClient, tmp_path: Path
) -> None:
    # A folder ingested again after a subtitle file was put beside its video: the video is a
    # duplicate, its new subtitles are the media's (they were dropped before).
    clip = mediagen.pattern_video(tmp_path, duration_s=3.0, ext="mp4", name="again")
    first = upload(module_api, clip)
    wait_for_job(module_api, first["job"]["id"], timeout_s=300)
    spanish = [(a, b, t.replace("El farero", "El relojero")) for a, b, t in SPANISH]

    def again() -> dict:
        with clip.open("rb") as f:
            sent = module_api.post(
                "/v1/media",
                files=[("subtitles", ("again.es.srt", _srt(spanish))), ("file", ("again.mp4", f))],
            )
        assert sent.status_code == 200 and sent.json()["duplicate"] is True, sent.text
        return sent.json()

    body = again()
    assert body["media"]["id"] == first["media"]["id"] and body["job"]["type"] == "reprocess"
    assert wait_for_job(module_api, body["job"]["id"], timeout_s=300)["status"] == "succeeded"
    hits = module_api.get("/v1/search", params={"q": "el relojero rema hasta la isla"}).json()["hits"]
    assert hits[0]["media_id"] == first["media"]["id"], hits[:1]
    listed = module_api.get(f"/v1/media/{first['media']['id']}/subtitles").json()["files"]
    assert [f["name"] for f in listed] == ["00.es.srt"]
    assert again()["job"]["id"] == body["job"]["id"]  # the same file once more: nothing runs again
    store = module_api.app.state.runtime.store  # type: ignore[attr-defined]
    kept = [key for key in store.list("raw/") if "/subtitles/" in key]
    owners = {key.split("/")[2] for key in kept}  # raw/{tenant}/{media}/subtitles/{name}
    assert all(module_api.get(f"/v1/media/{media_id}").status_code == 200 for media_id in owners), kept


def test_a_translation_track_is_searched_but_not_summarised_again(module_api: TestClient, film: str) -> None:
    # The Spanish track says what the English one does: a summary or keyword list holding both
    # would say everything twice.
    detail = module_api.get(f"/v1/media/{film}").json()
    summary = " ".join(s["text"] for s in detail["summary"])
    assert "lighthouse keeper" in summary and "farero" not in summary, detail["summary"]
    assert not {k["text"].lower() for k in detail["keywords"]} & {"farero", "isla", "martes", "esquina"}


def test_subtitles_added_after_the_upload_become_its_transcript_and_go_when_removed(
    module_api: TestClient, tmp_path: Path
) -> None:
    # A video that came without them (a direct upload, a bucket's, a duplicate): its subtitles
    # are added to the media it is.
    # 21 s: the talk above is the same pattern over 20 s, and the same bytes would be that media
    clip = mediagen.pattern_video(tmp_path, duration_s=21.0, ext="mp4", name="later")
    media = upload(module_api, clip)["media"]["id"]
    wait_for_job(module_api, module_api.get(f"/v1/media/{media}").json()["job"]["id"], timeout_s=300)
    assert module_api.get(f"/v1/media/{media}/subtitles").json() == {"files": [], "job": None}
    spanish = [(a, b, t.replace("El farero", "El cartero")) for a, b, t in SPANISH]

    refused = module_api.post(
        f"/v1/media/{media}/subtitles",
        files=[("subtitles", ("later.es.srt", _srt(spanish))), ("subtitles", ("notes.srt", b"some notes"))],
    )
    assert refused.status_code == 400 and "SubRip" in refused.json()["message"], refused.text
    assert module_api.get(f"/v1/media/{media}/subtitles").json()["files"] == []  # none of them kept

    forced = module_api.post(
        f"/v1/media/{media}/subtitles", files=[("subtitles", ("later.es.forced.srt", _srt(spanish[:1])))]
    )
    assert forced.status_code == 202, forced.text
    wait_for_job(module_api, forced.json()["job"]["id"], timeout_s=300)
    added = module_api.post(
        f"/v1/media/{media}/subtitles", files=[("subtitles", ("later.es.srt", _srt(spanish)))]
    )
    assert added.status_code == 202, added.text
    body = added.json()
    assert [(f["name"], f["language"], f["forced"]) for f in body["files"]] == [
        ("00.es.forced.srt", "es", True),
        ("01.es.srt", "es", False),
    ]
    assert wait_for_job(module_api, body["job"]["id"], timeout_s=300)["status"] == "succeeded"
    again = module_api.post(
        f"/v1/media/{media}/subtitles", files=[("subtitles", ("copy.srt", _srt(spanish)))]
    )
    assert again.status_code == 200 and again.json()["job"] is None  # kept already: nothing runs
    assert len(again.json()["files"]) == 2
    hits = module_api.get("/v1/search", params={"q": "el cartero rema hasta la isla"}).json()["hits"]
    assert hits[0]["media_id"] == media and abs(hits[0]["start_s"] - 9.0) <= 1.0, hits[0]
    tracks = module_api.get(f"/v1/media/{media}").json()["metadata"]["extracted"]["subtitle_tracks"]
    assert [(t["file"], t["transcript"]) for t in tracks] == [("01.es.srt", True)]  # a forced one is not read

    one = module_api.delete(f"/v1/media/{media}/subtitles/00.es.forced.srt")
    assert one.status_code == 202 and [f["name"] for f in one.json()["files"]] == ["01.es.srt"], one.text
    assert module_api.delete(f"/v1/media/{media}/subtitles/00.es.forced.srt").status_code == 404
    assert wait_for_job(module_api, one.json()["job"]["id"], timeout_s=300)["status"] == "succeeded"
    removed = module_api.delete(f"/v1/media/{media}/subtitles")
    assert removed.status_code == 202 and removed.json()["files"] == []
    assert wait_for_job(module_api, removed.json()["job"]["id"], timeout_s=300)["status"] == "succeeded"
    hits = module_api.get("/v1/search", params={"q": "el cartero rema hasta la isla"}).json()["hits"]
    assert media not in {h["media_id"] for h in hits if h["modality"] == "speech"}
    assert module_api.delete(f"/v1/media/{media}/subtitles").status_code == 404


def test_subtitles_go_only_with_a_video_or_an_audio_file(module_api: TestClient) -> None:
    note = module_api.post("/v1/media", files={"file": ("note.txt", b"The ferry leaves at nine.")}).json()
    wait_for_job(module_api, note["job"]["id"])
    refused = module_api.post(
        f"/v1/media/{note['media']['id']}/subtitles", files=[("subtitles", ("note.en.srt", _srt(ENGLISH)))]
    )
    assert refused.status_code == 400 and "video or an audio file" in refused.json()["message"]
    other = {"X-Mediasift-Tenant": "elsewhere"}
    assert module_api.get(f"/v1/media/{note['media']['id']}/subtitles", headers=other).status_code == 404


def test_a_query_in_other_words_points_at_the_second_of_the_sentence_it_means(
    module_api: TestClient, film: str
) -> None:
    # No word of the query is the cue's ("lighthouse keeper rows to the island"): the moment had
    # been the chunk's first cue (00:01, the welcome), and is the sentence that matches best now.
    hits = module_api.get(
        "/v1/search",
        params={"q": "a boatman crossing to the islet weekly", "modality": "speech", "language": "en"},
    ).json()["hits"]
    mine = next(h for h in hits if h["media_id"] == film)  # other tests upload these cues too
    assert abs(mine["start_s"] - 9.0) <= 1.0, mine
