"""Real test media, synthesised in the test run with espeak-ng and ffmpeg (no fixtures on disk).

Everything is written under a directory the caller owns (pytest's ``tmp_path``/``tmp_path_factory``)
and every placement is known to the second, so tests can assert *where* things are said and shown.

API (all times in seconds, sizes in pixels)::

    Utterance(text, language, start_s, end_s)      a sentence spoken at a known time
    Caption(text, start_s, end_s)                  text burned into the frames for [start_s, end_s)
    Talk(path, utterances, captions, duration_s)   a generated file and what is in it

    EN_SENTENCES, ES_SENTENCES, CAPTIONS           the default script (distinctive words per line)
    speech_track(dir, script, ...) -> Talk         a 16-bit mono WAV with each sentence at a known second
    talk_audio(dir, fmt="wav", ...) -> Talk        that track as wav | mp3 | ogg | flac | m4a | opus
    talk_video(dir, ext="mp4", ...) -> Talk        colour scenes + burned-in captions + the speech track
                                                   (ext: mp4 | mov | mkv | webm | avi)
    long_talk(dir, duration_s=60, ...) -> Talk     sentences repeated to fill ``duration_s`` (benchmarks)
    pattern_video(dir, duration_s=6, ...) -> Path  a moving test pattern over a tone, no speech (ffmpeg only)
    truncated_copy(path, dest, fraction=0.5)       the first ``fraction`` of a file's bytes
    faststart_copy(path, dest)                     an MP4 remuxed index-first (still opens once cut)
    zero_byte_file(dir, name="empty.mp4")          an empty file

Voices: espeak-ng ``en-us`` and ``es``. Captions use DejaVu Sans (Debian ``fonts-dejavu-core``).
Requires the ``ffmpeg`` and ``espeak-ng`` binaries; ``have_tools()`` tells a test whether to skip.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
VOICES = {"en": "en-us", "es": "es"}
RATE = 22_050  # espeak-ng's native output rate (Hz)

EN_SENTENCES = [
    "The water temperature in the lake reached twenty degrees this morning.",
    "Please remember to charge the battery before every long journey.",
    "Our library opens at nine and closes at six on Saturdays.",
]
ES_SENTENCES = [
    "El mercado de frutas abre todos los domingos por la mañana.",
    "Mi hermana trabaja en un hospital cerca de la estación.",
    "La montaña estaba cubierta de nieve durante el invierno.",
]
CAPTIONS = ["FRESH ORANGE JUICE", "MOUNTAIN BIKE SALE", "MERCADO CENTRAL"]


@dataclass(frozen=True, slots=True)
class Utterance:
    text: str
    language: str  # "en" | "es"
    start_s: float
    end_s: float


@dataclass(frozen=True, slots=True)
class Caption:
    text: str
    start_s: float
    end_s: float


@dataclass(slots=True)
class Talk:
    path: Path
    utterances: list[Utterance] = field(default_factory=list)
    captions: list[Caption] = field(default_factory=list)
    duration_s: float = 0.0


def have_tools() -> bool:
    return all(shutil.which(tool) for tool in ("ffmpeg", "espeak-ng")) and FONT.exists()


def default_script() -> list[tuple[str, str]]:
    """English sentences first, then Spanish: a file that switches language half way."""
    return [("en", s) for s in EN_SENTENCES] + [("es", s) for s in ES_SENTENCES]


def speak(text: str, language: str, path: Path, words_per_minute: int = 150) -> np.ndarray:
    """Synthesise one sentence; returns int16 samples at ``RATE`` Hz (and writes them to path)."""
    _run(["espeak-ng", "-v", VOICES[language], "-s", str(words_per_minute), "-w", str(path), text])
    with wave.open(str(path)) as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    return _trim_silence(samples)


def speech_track(
    directory: Path,
    script: list[tuple[str, str]] | None = None,
    lead_s: float = 1.5,
    gap_s: float = 2.0,
    tail_s: float = 1.5,
    min_duration_s: float = 0.0,
    name: str = "speech.wav",
) -> Talk:
    """A mono WAV with each ``(language, sentence)`` of ``script`` spoken in turn, separated by
    ``gap_s`` of silence, starting at ``lead_s``. ``Talk.utterances`` says where each one is."""
    directory.mkdir(parents=True, exist_ok=True)
    pieces: list[np.ndarray] = [np.zeros(int(lead_s * RATE), np.int16)]
    utterances: list[Utterance] = []
    cursor = lead_s
    for i, (language, text) in enumerate(script or default_script()):
        samples = speak(text, language, directory / f"_sentence{i}.wav")
        length = samples.size / RATE
        utterances.append(Utterance(text, language, round(cursor, 3), round(cursor + length, 3)))
        pieces += [samples, np.zeros(int(gap_s * RATE), np.int16)]
        cursor += length + gap_s
    track = np.concatenate(pieces)
    total = max(track.size / RATE - gap_s + tail_s, min_duration_s)
    track = np.concatenate([track, np.zeros(max(0, int(total * RATE) - track.size), np.int16)])
    track = track[: int(total * RATE)]
    path = directory / name
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(track.tobytes())
    return Talk(path, utterances, [], track.size / RATE)


_AUDIO_CODECS = {
    "wav": [],
    "mp3": ["-c:a", "libmp3lame", "-b:a", "64k"],
    "ogg": ["-c:a", "libvorbis", "-q:a", "3"],
    "flac": ["-c:a", "flac"],
    "m4a": ["-c:a", "aac", "-b:a", "64k"],
    "opus": ["-c:a", "libopus", "-b:a", "32k"],
}


def talk_audio(directory: Path, fmt: str = "wav", script: list[tuple[str, str]] | None = None) -> Talk:
    """The default (or given) script as an audio file of format ``fmt`` (see ``_AUDIO_CODECS``)."""
    talk = speech_track(directory / f"_{fmt}", script)
    if fmt == "wav":
        return talk
    out = directory / f"talk.{fmt}"
    _run(["ffmpeg", "-y", "-v", "error", "-i", str(talk.path), *_AUDIO_CODECS[fmt], str(out)])
    return Talk(out, talk.utterances, [], talk.duration_s)


_VIDEO_CODECS = {
    "mp4": ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"],
    "mov": ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"],
    "mkv": ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "libopus"],
    "webm": ["-c:v", "libvpx", "-deadline", "realtime", "-b:v", "500k", "-c:a", "libopus"],
    "avi": ["-c:v", "mpeg4", "-q:v", "4", "-c:a", "libmp3lame"],
    "ts": ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"],  # a recorder's
    "flv": ["-c:v", "flv1", "-q:v", "4", "-c:a", "libmp3lame", "-ar", "44100"],  # FLV's MP3 rates only
}
_SCENE_COLOURS = ["0x1f3a5f", "0x5f1f3a", "0x2f5f1f", "0x4a4a4a"]


def default_captions(duration_s: float, texts: list[str] | None = None) -> list[Caption]:
    """Captions spread over the video: each on screen for a third of its slot, at least 4 s."""
    texts = texts or CAPTIONS
    slot = duration_s / len(texts)
    span = max(4.0, slot / 3)
    return [
        Caption(t, round(i * slot + 1.0, 3), round(i * slot + 1.0 + span, 3)) for i, t in enumerate(texts)
    ]


def caption_size(text: str, size: tuple[int, int]) -> int:
    """The font size of a burned-in caption: a ninth of the height, smaller where the line would
    not fit the frame's width with its box (a caption cut at both edges is not what a video shows)."""
    from PIL import ImageFont

    width, height = size
    points = height // 9
    wide = ImageFont.truetype(str(FONT), points).getlength(text) + 2 * 8  # the box's border
    return points if wide <= 0.94 * width else int(points * 0.94 * width / wide)


def talk_video(
    directory: Path,
    ext: str = "mp4",
    script: list[tuple[str, str]] | None = None,
    captions: list[Caption] | None = None,
    size: tuple[int, int] = (640, 360),
    fps: int = 15,
    scene_s: float | None = None,
    min_duration_s: float = 0.0,
) -> Talk:
    """A video of coloured scenes (a new colour every ``scene_s`` seconds, default: a third of the
    video) with ``captions`` (default: ``CAPTIONS`` spread evenly) burned in as large white text,
    over the speech track of ``script``."""
    directory.mkdir(parents=True, exist_ok=True)
    talk = speech_track(directory / f"_{ext}", script, min_duration_s=min_duration_s)
    duration = talk.duration_s
    captions = default_captions(duration) if captions is None else captions
    scene_s = scene_s or duration / 3
    filters = []
    for i in range(1, int(duration // scene_s) + 1):
        colour = _SCENE_COLOURS[i % len(_SCENE_COLOURS)]
        start = i * scene_s
        filters.append(f"drawbox=x=0:y=0:w=iw:h=ih:color={colour}:t=fill:enable='gte(t,{start})'")
    for i, cap in enumerate(captions):
        text_file = directory / f"_{ext}" / f"_caption{i}.txt"
        text_file.write_text(cap.text, encoding="utf-8")
        filters.append(
            # expansion=none: a caption is literal text; drawtext's default reads "%" as the start
            # of an expansion, and "30% OFF" then drew nothing at all (one error line, no failure).
            f"drawtext=fontfile={FONT}:textfile={text_file}:expansion=none"
            f":fontsize={caption_size(cap.text, size)}"
            f":fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=8:x=(w-text_w)/2:y=h*0.72"
            f":enable='between(t,{cap.start_s},{cap.end_s})'"
        )
    out = directory / f"talk.{ext}"
    width, height = size
    _run(
        [
            "ffmpeg", "-y", "-v", "error",
            "-f", "lavfi", "-i", f"color=c={_SCENE_COLOURS[0]}:s={width}x{height}:r={fps}:d={duration:.3f}",
            "-i", str(talk.path),
            "-vf", ",".join(filters) or "null",
            *_VIDEO_CODECS[ext], "-shortest", str(out),
        ]
    )  # fmt: skip
    return Talk(out, talk.utterances, captions, duration)


def long_talk(directory: Path, duration_s: float = 60.0, ext: str | None = None) -> Talk:
    """The default script repeated until it fills ``duration_s``: audio WAV, or video when ``ext``."""
    base = default_script()
    one_pass_s = 4.5 * len(base) + 2.0 * len(base)  # rough length of one pass (s)
    repeats = max(1, int(duration_s // one_pass_s) + 1)
    script = (base * repeats)[: max(1, int(len(base) * duration_s / one_pass_s))]
    if ext is None:
        return speech_track(directory, script, min_duration_s=duration_s, name="long.wav")
    return talk_video(directory, ext, script=script, min_duration_s=duration_s)


def pattern_video(
    directory: Path,
    duration_s: float = 6.0,
    size: tuple[int, int] = (640, 360),
    fps: int = 15,
    ext: str = "mp4",
    rate: int = 44_100,
    name: str = "pattern",
) -> Path:
    """FFmpeg's moving test pattern (a clock counts the seconds on it) over a 440 Hz tone:
    cheap to make at any length, for tests and benchmarks of decoding rather than of speech."""
    directory.mkdir(parents=True, exist_ok=True)
    out = directory / f"{name}.{ext}"
    width, height = size
    _run(
        [
            "ffmpeg", "-y", "-v", "error",
            "-f", "lavfi", "-i", f"testsrc2=s={width}x{height}:r={fps}:d={duration_s:.3f}",
            "-f", "lavfi", "-i", f"sine=f=440:r={rate}:d={duration_s:.3f}",
            *_VIDEO_CODECS[ext], "-shortest", str(out),
        ],
    )  # fmt: skip
    return out


def truncated_copy(path: Path, dest: Path, fraction: float = 0.5) -> Path:
    """A copy of the first ``fraction`` of ``path``'s bytes (a download cut short)."""
    data = path.read_bytes()
    dest.write_bytes(data[: int(len(data) * fraction)])
    return dest


def zero_byte_file(directory: Path, name: str = "empty.mp4") -> Path:
    path = directory / name
    path.write_bytes(b"")
    return path


def _trim_silence(samples: np.ndarray, threshold: int = 300) -> np.ndarray:
    """espeak pads sentences with silence; trim it so an utterance's times are its voiced span."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > threshold)
    return samples[loud[0] : loud[-1] + 1] if loud.size else samples


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, check=False, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {proc.stderr.decode(errors='replace')[-500:]}")


def faststart_copy(path: Path, dest: Path) -> Path:
    """An MP4/MOV remuxed with its index first (``+faststart``), as web uploads often are: cut
    short, it still opens, and only decoding finds the missing seconds."""
    _run(["ffmpeg", "-y", "-v", "error", "-i", str(path), "-c", "copy", "-movflags", "+faststart", str(dest)])
    return dest


def noise_video(path: Path, size: tuple[int, int], frames: int = 20) -> Path:
    """``frames`` frames of random pixels at 10 fps, ``size`` (width, height, even), MPEG-4 through
    PyAV: no ffmpeg binary needed, and every frame busy enough to be measured."""
    import av

    rng = np.random.default_rng(0)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        for _ in range(frames):
            picture = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        out.mux(stream.encode(None))
    return path


@dataclass(frozen=True, slots=True)
class SubtitleTrack:
    """A subtitle track to mux: its cues as (start_s, end_s, text), a language tag (ISO 639-2,
    "" for none) and its dispositions."""

    cues: list[tuple[float, float, str]]
    language: str = ""
    default: bool = False
    forced: bool = False


def with_subtitles(video: Path, dest: Path, tracks: list[SubtitleTrack], audio_language: str = "") -> Path:
    """``video`` with ``tracks`` muxed in as text subtitle streams (SubRip in MKV, ``mov_text`` in
    MP4 and MOV, WebVTT in WebM; by ``dest``'s extension), its other streams copied."""
    codec = {".mkv": "srt", ".mp4": "mov_text", ".mov": "mov_text", ".webm": "webvtt"}[dest.suffix]
    inputs: list[str] = ["-i", str(video)]
    maps = ["-map", "0:v?", "-map", "0:a?"]
    meta: list[str] = []
    for i, track in enumerate(tracks):
        srt = dest.with_name(f"_{dest.stem}_{i}.srt")
        srt.write_text(
            "\n".join(
                f"{n}\n{_srt_time(start)} --> {_srt_time(end)}\n{text}\n"
                for n, (start, end, text) in enumerate(track.cues, start=1)
            ),
            encoding="utf-8",
        )
        inputs += ["-i", str(srt)]
        maps += ["-map", f"{i + 1}:0"]
        if track.language:
            meta += [f"-metadata:s:s:{i}", f"language={track.language}"]
        flags = "+".join(name for name, on in (("default", track.default), ("forced", track.forced)) if on)
        meta += [f"-disposition:s:{i}", flags or "0"]
    if audio_language:
        meta += ["-metadata:s:a:0", f"language={audio_language}"]
    _run(["ffmpeg", "-y", "-v", "error", *inputs, *maps, "-c:v", "copy", "-c:a", "copy", "-c:s", codec,
          *meta, str(dest)])  # fmt: skip
    return dest


def _srt_time(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"
