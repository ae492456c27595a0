"""A video's own subtitle tracks: a full one in the audio's language is its transcript (speech is
not recognised), an English or Spanish one beside it is indexed in its own words, and the setting
``subtitle_tracks`` says whether any is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediasift.config import Settings
from mediasift.domain import Modality, Segment
from mediasift.errors import CorruptMedia
from mediasift.extract.av import extract_audio, extract_video
from mediasift.extract.base import ExtractContext, Extraction
from mediasift.media.subtitle_tracks import (
    language_code,
    read_subtitle_tracks,
    sidecar_name,
    sidecar_track,
    subtitle_stem,
)
from mediasift.models.registry import ModelRegistry
from mediasift.store.local import LocalStore
from tests import mediagen
from tests.mediagen import SubtitleTrack

from .test_speech import parse_vtt

ENGLISH = [
    (0.5, 2.0, "Welcome to the <i>espresso</i> class."),
    (2.5, 4.0, "Grind the beans fine,\nlike table salt."),
    (4.5, 5.8, "The water should be at 94 degrees."),
]
SPANISH = [
    (0.5, 2.0, "Bienvenidos a la clase de espresso."),
    (2.5, 4.0, "Muele el café fino, como la sal de mesa."),
    (4.5, 5.8, "El agua debe estar a 94 grados."),
]
FRENCH_SIGN = [(3.0, 4.0, "FERMÉ LE DIMANCHE")]


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not mediagen.have_tools():
        pytest.skip("needs ffmpeg, espeak-ng and fonts-dejavu-core")
    return mediagen.pattern_video(tmp_path_factory.mktemp("clip"), duration_s=6.0, ext="mkv")


def run(
    path: Path, root: Path, models: ModelRegistry, policy: str = "transcript", speech: bool = True
) -> Extraction:
    settings = Settings(_env_file=None, home=root / "home", model_threads=2, subtitle_tracks=policy)  # type: ignore[call-arg]
    ctx = ExtractContext(
        media_id="m1", tenant_id="t1", kind="video", mime="video/x-matroska", path=path, filename=path.name,
        settings=settings, models=models, store=LocalStore(root / "store"), speech=speech,
    )  # fmt: skip
    return extract_video(ctx) if path.suffix != ".m4a" else extract_audio(ctx)


def speech(extraction: Extraction) -> list[Segment]:
    return [s for s in extraction.segments if s.modality == Modality.SPEECH]


def test_a_full_track_in_the_audios_language_is_the_transcript_and_speech_is_not_recognised(
    clip: Path, models: ModelRegistry, tmp_path: Path
) -> None:
    path = mediagen.with_subtitles(
        clip,
        tmp_path / "class.mkv",
        [
            SubtitleTrack(SPANISH, "spa"),
            SubtitleTrack(ENGLISH, "eng", default=True),
            SubtitleTrack(FRENCH_SIGN, "fre", forced=True),
        ],
        audio_language="eng",
    )
    extraction = run(path, tmp_path, models)

    english, spanish = speech(extraction)
    assert english.text == (
        "Welcome to the espresso class. Grind the beans fine, like table salt. "
        "The water should be at 94 degrees."
    )
    assert (english.language, english.meta["model"], english.start_s) == ("en", "subtitles", 0.5)
    assert [p["start_s"] for p in english.meta["parts"]] == [0.5, 2.5, 4.5]  # each cue at its second
    assert spanish.language == "es" and spanish.meta["track"] == 2 and "café fino" in spanish.text
    metadata = extraction.info["metadata"]
    assert metadata["asr_model"] is None  # nothing was recognised
    assert extraction.info["language"] == "en"
    assert [(t["language"], t["transcript"]) for t in metadata["subtitle_tracks"]] == [
        ("en", True),
        ("es", False),
    ]
    # The transcript files the player and downloads read are the track's cues.
    store = LocalStore(tmp_path / "store")
    cues = parse_vtt(store.get_bytes("processed/t1/m1/transcript.vtt").decode())
    assert [text for _, _, text in cues][1] == "Grind the beans fine, like table salt."


def test_with_only_another_languages_track_speech_is_recognised_and_the_track_indexed_beside_it(
    clip: Path, models: ModelRegistry, tmp_path: Path
) -> None:
    path = mediagen.with_subtitles(
        clip, tmp_path / "class.mp4", [SubtitleTrack(SPANISH, "spa", default=True)], audio_language="eng"
    )
    extraction = run(path, tmp_path, models)

    assert extraction.info["metadata"]["asr_model"]  # recognised: the track is a translation
    (track,) = [s for s in speech(extraction) if s.meta["model"] == "subtitles"]
    assert track.language == "es" and track.text.startswith("Bienvenidos a la clase de espresso.")


def test_an_untagged_track_is_told_by_its_words_and_a_forced_one_is_never_the_transcript(
    clip: Path, models: ModelRegistry, tmp_path: Path
) -> None:
    forced_only = mediagen.with_subtitles(
        clip, tmp_path / "forced.mkv", [SubtitleTrack(SPANISH, forced=True)]
    )
    extraction = run(forced_only, tmp_path / "a", models)
    assert extraction.info["metadata"]["asr_model"]  # a forced track holds only some lines
    (track,) = [s for s in speech(extraction) if s.meta["model"] == "subtitles"]
    assert track.language == "es"  # untagged: its words are Spanish

    untagged = mediagen.with_subtitles(clip, tmp_path / "untagged.mkv", [SubtitleTrack(SPANISH)])
    (transcript,) = speech(run(untagged, tmp_path / "b", models))
    assert (transcript.language, transcript.meta["model"]) == ("es", "subtitles")


@pytest.mark.parametrize("policy", ["index", "ignore"])
def test_the_setting_keeps_recognition_or_reads_no_track(
    clip: Path, models: ModelRegistry, tmp_path: Path, policy: str
) -> None:
    path = mediagen.with_subtitles(
        clip, tmp_path / "class.mkv", [SubtitleTrack(ENGLISH, "eng", default=True)]
    )
    extraction = run(path, tmp_path, models, policy)
    assert extraction.info["metadata"]["asr_model"]
    read = [s for s in speech(extraction) if s.meta["model"] == "subtitles"]
    assert len(read) == (1 if policy == "index" else 0)


def test_a_workflow_without_transcription_reads_no_track(
    clip: Path, models: ModelRegistry, tmp_path: Path
) -> None:
    path = mediagen.with_subtitles(
        clip, tmp_path / "class.mkv", [SubtitleTrack(ENGLISH, "eng", default=True)]
    )
    assert speech(run(path, tmp_path, models, speech=False)) == []


def test_tracks_of_each_container_are_read_with_their_tags(clip: Path, tmp_path: Path) -> None:
    for name in ("class.mkv", "class.mp4", "class.webm"):
        source = clip if name != "class.webm" else mediagen.pattern_video(tmp_path, 3.0, ext="webm")
        path = mediagen.with_subtitles(source, tmp_path / name, [SubtitleTrack(ENGLISH, "eng", default=True)])
        (track,) = read_subtitle_tracks(path).tracks
        assert (track.language, track.default, track.forced) == ("en", True, False), name
        assert track.cues[0].text == "Welcome to the espresso class.", name
        assert abs(track.cues[2].start_s - 4.5) < 0.05 and abs(track.cues[2].end_s - 5.8) < 0.05, name
    assert read_subtitle_tracks(clip).tracks == []


def test_language_tags_read_as_two_letter_codes() -> None:
    assert [language_code(t) for t in ("eng", "spa", "es", "en-US", "ger", "und", "", None, "xyz")] == [
        "en", "es", "es", "en", "de", None, None, None, None,
    ]  # fmt: skip


def test_a_damaged_file_with_tracks_fails_as_corrupt_media(
    clip: Path, models: ModelRegistry, tmp_path: Path
) -> None:
    whole = mediagen.with_subtitles(
        clip, tmp_path / "class.mkv", [SubtitleTrack(ENGLISH, "eng", default=True)]
    )
    cut = mediagen.truncated_copy(whole, tmp_path / "cut.mkv", 0.5)
    with pytest.raises(CorruptMedia):
        run(cut, tmp_path, models)


def test_a_subtitle_files_name_says_which_media_it_goes_with() -> None:
    assert [
        subtitle_stem(name)
        for name in (
            "talk.es.srt",
            "Talk.Part2.EN-us.forced.vtt",
            "My.Film.2019.srt",
            "talk.srt",
            "es.srt",
            "talk.txt",
        )
    ] == ["talk", "talk.part2", "my.film.2019", "talk", "es", None]


def test_a_subtitle_files_name_says_its_language_and_whether_it_is_forced() -> None:
    srt, vtt = "1\n00:00:01,000 --> 00:00:02,000\nHi\n", "WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n"
    assert [
        sidecar_name(0, "talk.es.srt", srt),
        sidecar_name(1, "talk.spa.forced.srt", srt),
        sidecar_name(2, "Talk.EN-us.SDH.vtt", vtt),
        sidecar_name(3, "My.Film.2019.srt", srt),  # a year names no language
        sidecar_name(4, "talk.srt", "\ufeff" + srt),
    ] == ["00.es.srt", "01.es.forced.srt", "02.en.sdh.vtt", "03.und.srt", "04.und.srt"]
    track = sidecar_track("01.es.forced.srt", [])
    assert (track.language, track.forced, track.codec, track.file) == (
        "es",
        True,
        "subrip",
        "01.es.forced.srt",
    )


@pytest.fixture(scope="module")
def english_talk(tmp_path_factory: pytest.TempPathFactory) -> mediagen.Talk:
    if not mediagen.have_tools():
        pytest.skip("needs ffmpeg, espeak-ng and fonts-dejavu-core")
    script = [("en", s) for s in mediagen.EN_SENTENCES[:2]]
    return mediagen.talk_video(tmp_path_factory.mktemp("talk"), "mkv", script=script, captions=[])


def test_where_the_audio_is_untagged_a_track_is_the_transcript_only_in_the_language_heard(
    english_talk: mediagen.Talk, models: ModelRegistry, tmp_path: Path
) -> None:
    said = [(u.start_s, u.end_s, u.text) for u in english_talk.utterances]
    spanish = [
        (a, b, f"Frase {n} traducida al español para quien no entiende inglés.")
        for n, (a, b, _) in enumerate(said)
    ]
    # A Spanish translation of an English talk, its audio untagged: speech is recognised, and the
    # translation is indexed beside it.
    translated = mediagen.with_subtitles(
        english_talk.path, tmp_path / "translated.mkv", [SubtitleTrack(spanish, "spa")]
    )
    extraction = run(translated, tmp_path / "a", models)
    assert extraction.info["metadata"]["asr_model"]
    assert extraction.info["language"] == "en"
    assert {s.meta["model"] for s in speech(extraction)} == {
        extraction.info["metadata"]["asr_model"],
        "subtitles",
    }
    # Its own words, tagged English: they are the transcript.
    captioned = mediagen.with_subtitles(
        english_talk.path, tmp_path / "captioned.mkv", [SubtitleTrack(said, "eng")]
    )
    extraction = run(captioned, tmp_path / "b", models)
    assert extraction.info["metadata"]["asr_model"] is None
    assert [s.meta["model"] for s in speech(extraction)] == ["subtitles"]
