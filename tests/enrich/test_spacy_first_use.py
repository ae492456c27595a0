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
