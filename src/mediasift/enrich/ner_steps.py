"""spaCy's entity recogniser, its transition steps driven from Python with the interpreter held.

spaCy's greedy parse (``Parser.greedy_parse``) releases the interpreter lock and runs every step in
C, and every step asks each of the recogniser's moves whether it is valid (73 for the English
model, 17 for the Spanish one) for every text of the batch. spaCy 3.8's wheel compiles the
parser state's buffer accessor (``StateC::B``, which those checks call) to take and give back the
interpreter lock at each call (``PyGILState_Ensure``/``PyGILState_Release``: objdump of its
``ner`` module). So the loop that released the lock takes it back hundreds of times a token: a
third of the English model's CPU alone, and each take waits for whichever other thread holds it
when ingest's other lanes run Python.

Its own Python-level steps (``Parser.transition_states`` and the step model's ``predict``, as
spaCy's beam search and training drive them) call the same compiled code with the lock already
held, when taking it is a counter: the same entities (``tests/enrich/test_ner_steps.py``) for about
half the CPU on English text (``python -m bench.enrich_quality``: the long English text's entities
1.79-1.96 -> 0.90-0.97 CPU-s; ``docs/benchmarks.md``, "Entities without the interpreter lock's round
trips").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any


def entity_docs(nlp: Any, texts: Iterable[str], batch_size: int = 64) -> Iterator[Any]:
    """``nlp.pipe(texts, batch_size=batch_size)`` for a pipeline of transition-based components
    (an entity recogniser alone, as ``ner_models`` loads them), each greedy one stepped from
    Python; any other component, or a beam search, runs as spaCy runs it."""
    it = iter(texts)
    while batch := list(islice(it, batch_size)):
        docs = [nlp.make_doc(text) for text in batch]
        for _, component in nlp.pipeline:
            if _steppable(component):
                component.set_annotations(docs, _greedy_parse(component, docs))
            elif hasattr(component, "pipe"):
                docs = list(component.pipe(docs, batch_size=batch_size))
            else:  # a plain function component
                docs = [component(doc) for doc in docs]
        yield from docs


def _steppable(component: Any) -> bool:
    from spacy.pipeline.transition_parser import Parser

    return isinstance(component, Parser) and component.cfg.get("beam_width", 1) == 1


def _greedy_parse(parser: Any, docs: list[Any]) -> list[Any]:
    """What ``Parser.greedy_parse`` computes (spaCy 3.8), each step called from Python."""
    from thinc.api import set_dropout_rate

    if not any(len(doc) for doc in docs):
        return list(parser.moves.init_batch(docs))
    parser._ensure_labels_are_added(docs)
    set_dropout_rate(parser.model, 0.0)
    batch = list(parser.moves.init_batch(docs))
    steps = parser.model.predict(docs)  # the batch's token vectors, their hidden features precomputed
    states = [state for state in batch if not state.is_final()]
    while states:
        states = parser.transition_states(states, steps.predict(states))
    steps.clear_memory()
    return batch
