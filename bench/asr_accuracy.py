"""Benchmark: word error rate and speed of speech recognition, per Whisper beam size.

    python -m bench.asr_accuracy [--beams 5,3,2,1] [--model-threads 2]

Two sets, each transcribed through mediasift's own recognizer (VAD, per-region language id,
Whisper base int8) once per beam size:

- **LibriVox**: the five real English read-speech clips with reference transcripts in Debian's
  ``pocketsphinx-testdata`` (installed by ``scripts/system-deps.sh``);
- **synthetic**: the test suite's generated talk (tests/mediagen.py: espeak-ng English, then
  Spanish), whose script is the reference; also how many of its utterances were transcribed
  as the wrong language.

Text is compared after lower-casing, stripping accents and punctuation. Reports WER, words and
ASR seconds per second of audio (RTF) per set and beam. Writes bench/results/asr_accuracy.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from mediasift.asr.factory import get_speech_recognizer
from mediasift.config import Settings
from mediasift.media.audio import iter_audio
from mediasift.models.registry import ModelRegistry


def audio_seconds(path: Path) -> float:
    return sum(chunk.size for chunk in iter_audio(path)) / 16_000


def transcribe(recognizer: Any, path: Path) -> tuple[list[Any], float]:
    started = time.perf_counter()
    segments = list(recognizer.transcribe(iter_audio(path)))
    return segments, time.perf_counter() - started


def wrong_language(utterances: list[Any], segments: list[Any]) -> int:
    """Utterances whose most-overlapping segment was transcribed as another language (or none)."""
    wrong = 0
    for u in utterances:
        overlap = {s.language: 0.0 for s in segments}
        for s in segments:
            overlap[s.language] += max(0.0, min(u.end_s, s.end_s) - max(u.start_s, s.start_s))
        best = max(overlap, key=overlap.__getitem__, default=None)
        wrong += int(best != u.language or overlap[best] == 0.0)
    return wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--beams", default="5,3,2,1")
    parser.add_argument("--model-threads", type=int, default=2)
    args = parser.parse_args()

    from tests import mediagen
    from tests.speech_refs import edit_distance, librivox_clips, words

    models = ModelRegistry()
    report: dict[str, Any] = {"model_threads": args.model_threads, "results": {}}
    with tempfile.TemporaryDirectory(prefix="mediasift-bench-asr-") as tmp:
        talk = mediagen.talk_audio(Path(tmp), "wav")
        clips = librivox_clips()
        librivox_audio_s = sum(audio_seconds(path) for path, _ in clips)
        for beam in (int(b) for b in args.beams.split(",")):
            settings = Settings(_env_file=None, model_threads=args.model_threads, asr_beam_size=beam)  # type: ignore[call-arg]
            recognizer = get_speech_recognizer(models, settings)
            list(recognizer.transcribe(iter_audio(clips[0][0])))  # load and warm the model
            errors = total = 0
            asr_s = 0.0
            for path, reference in clips:
                segments, elapsed = transcribe(recognizer, path)
                errors += edit_distance(words(reference), words(" ".join(x.text for x in segments)))
                total, asr_s = total + len(words(reference)), asr_s + elapsed
            segments, elapsed = transcribe(recognizer, talk.path)
            spoken = words(" ".join(u.text for u in talk.utterances))
            row = {
                "librivox": {
                    "wer": round(errors / total, 3),
                    "words": total,
                    "rtf": round(asr_s / librivox_audio_s, 3),
                },
                "synthetic": {
                    "wer": round(
                        edit_distance(spoken, words(" ".join(x.text for x in segments))) / len(spoken), 3
                    ),
                    "words": len(spoken),
                    "utterances_in_wrong_language": wrong_language(talk.utterances, segments),
                    "utterances": len(talk.utterances),
                    "rtf": round(elapsed / talk.duration_s, 3),
                },
            }
            report["results"][str(beam)] = row
            print(json.dumps({"beam_size": beam, **row}), flush=True)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "asr_accuracy.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
