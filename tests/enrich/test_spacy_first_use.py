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
