"""spaCy's first use from several threads at once (two workers enriching their first media)."""

from __future__ import annotations

import subprocess
import sys

import pytest

RACE = """
import threading
from mediasift.enrich import ner_models, words

errors = []
def run(call):
    try:
        call()
    except Exception as exc:  # any failure of a first use is the bug
        errors.append(repr(exc))

calls = [lambda: ner_models.ner_model("en"), lambda: ner_models.ner_model("es"), words.stopwords]
threads = [threading.Thread(target=run, args=(call,)) for call in calls * 2]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert not errors, errors
english = ner_models.ner_model("en")
assert english is not None
assert [e.label_ for e in english.nlp("Jane Austen lived in Bath.").ents]
print("ok")
"""


@pytest.mark.timeout(300)
def test_english_spanish_and_stopwords_load_together_in_a_fresh_process() -> None:
    # A fresh interpreter: in this one spaCy may already be imported by another test.
    done = subprocess.run([sys.executable, "-c", RACE], capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("ok")


AHEAD = """
import io, sys, threading
from mediasift.config import Settings
from mediasift.enrich import ner_models
from mediasift.runtime import open_runtime
from mediasift.services import enrichment
from mediasift.services.ingest import ingest_stream
from mediasift.worker.pipeline import run_ingest

loaded_by = {}
load = ner_models._LOADERS["en"]
def watched():
    loaded_by.setdefault("en", threading.current_thread().name)
    return load()
ner_models._LOADERS["en"] = watched
enrich = enrichment.enrich
def enrich_after_the_load(*args):
    for thread in threading.enumerate():  # this test waits for the load; a worker would not
        if thread.name == "ner-load":
            thread.join()
    return enrich(*args)
enrichment.enrich = enrich_after_the_load
rt = open_runtime(Settings(_env_file=None, home=sys.argv[1]))
text = "Jane Austen lived in Bath. She wrote six novels, and Pride and Prejudice came out in 1813."
media = ingest_stream(rt, "acme", io.BytesIO(text.encode()), "austen.txt").media
run_ingest(rt, "acme", media.id, lambda stage, fraction: None)
assert ner_models.load_in_background(["en"]) is None  # started once per process
print(loaded_by)
"""


@pytest.mark.timeout(300)
def test_a_documents_ner_model_loads_on_a_thread_of_its_own_while_it_is_embedded(tmp_path) -> None:  # type: ignore[no-untyped-def]
    done = subprocess.run(
        [sys.executable, "-c", AHEAD, str(tmp_path / "home")], capture_output=True, text=True, timeout=280
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("{'en': 'ner-load'}")


BESIDE_SPEECH = """
import io, sys, threading
from pathlib import Path
from mediasift.config import Settings
from mediasift.enrich import ner_models
from mediasift.quality import assess
from mediasift.runtime import open_runtime
from mediasift.services.ingest import ingest_stream
from mediasift.worker import pipeline

order = []  # every call, by thread: a call finds the model loaded if another thread was first
for language in ("en", "es"):
    def watched(load=ner_models._LOADERS[language], language=language):
        order.append((language, threading.current_thread().name.split("_")[0]))
        return load()
    ner_models._LOADERS[language] = watched
measure = pipeline.measure_signal
def measured(*args):
    order.append(("signal", threading.current_thread().name.split("_")[0]))
    return measure(*args)
pipeline.measure_signal = measured
rt = open_runtime(Settings(_env_file=None, home=sys.argv[1]))
path = Path(sys.argv[2])
media = ingest_stream(rt, "acme", io.BytesIO(path.read_bytes()), path.name).media
pipeline.run_ingest(rt, "acme", media.id, lambda stage, fraction: None)
print([what for what, thread in order if thread == "beside-speech"])
"""


@pytest.mark.timeout(300)
def test_beside_speech_the_signal_is_measured_first_then_the_entity_models_load(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests import mediagen

    if not mediagen.have_tools():
        pytest.skip("needs ffmpeg, espeak-ng and fonts-dejavu-core")
    talk = mediagen.talk_audio(tmp_path / "talk", "wav")
    done = subprocess.run(
        [sys.executable, "-c", BESIDE_SPEECH, str(tmp_path / "home"), str(talk.path)],
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # the thread beside speech measures the signal, then asks for both languages' models, before
    # the transcript says which (on a loaded machine the load after extraction may still be first)
    assert done.stdout.strip().splitlines()[-1] == "['signal', 'en', 'es']"


def test_the_entity_models_loaded_beside_speech_are_those_it_may_hear() -> None:
    from mediasift.config import Settings
    from mediasift.worker.pipeline import _speech_languages

    def heard(**settings: object) -> list[str]:
        return _speech_languages(Settings(_env_file=None, **settings))  # type: ignore[arg-type]

    assert heard() == ["en", "es"]
    assert heard(asr_language="es") == ["es"]
    assert heard(asr_candidate_languages=["es", "fr"]) == ["es"]
    assert heard(asr_model="whisper-tiny.en") == ["en"]
