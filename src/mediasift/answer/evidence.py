"""The evidence for an answer: the sentences of the sources that answer the question, and nothing else.

Every sentence of the sources is scored against the question: the text embedder's cosine (e5, the
model search uses, so English and Spanish mix) plus ``WORD_BONUS`` per content word of the
question it holds (question words such as "how" or "cuánto" do not count, at most three), plus
``CROSS_LINGUAL_GAP`` for a sentence in the other of English and Spanish than the question's (the
model scores a translation below a same-language paraphrase, as search allows for in
``services/ranking.py``). Words earn the bonus only from ``MIN_SHARED_WORDS`` of them (all of a
question with fewer): one word in common is the topic a near miss shares ("Change the car engine
oil every 15,000 kilometres" for "how often should I oil my bike chain", "El recorrido del maratón
cruza el río dos veces" for "¿desde dónde sale el maratón?"), not what is asked about it; such a
sentence stands on its cosine alone. A sentence that earns the bonus earns ``CONTEXT_BONUS`` more
for each other question word its passage holds ("lighthouse" in the page's title for "how much did
the lighthouse repairs cost?", answered by "Total cost of the repairs was 48,200 euros"). A
sentence is evidence when

- that score reaches ``MIN_EVIDENCE``;
- it is within ``EVIDENCE_MARGIN`` of the best such sentence: a sentence clearly below the best
  one is about something near the question, not its answer. Only the best may lean on the
  cross-lingual allowance to be there (``ALLOWANCE_LEADS_ONLY``): it lets a translation answer,
  not join an answer already given;
- it is not itself a question ("How often do jobs fail?", a notebook's heading): it asks what the
  question asks, so the text model scores it close, and it answers nothing;
- and, for a question that asks for an amount (how much, how often, what temperature, cuánto…),
  it states one (``answer/amounts.py``): "Mountain bikes have wider tyres than road bikes" is
  close in meaning to "how much pressure for road bike tyres?" and says no pressure.

A question without a content word (``asked_terms``: question words, stopwords and punctuation
alone) has no evidence. No sentence passing means the media do not say: the answer is "Not found
in your media." The threshold, the margin, the amount rule, ``MIN_SHARED_WORDS``,
``ALLOWANCE_LEADS_ONLY`` and the allowance were chosen on the development half of
``bench/answer_accuracy.py`` and checked on its held-back half.

Sentences are read from the vectors ingest stored (``services/sentence_vectors.py``) for every
source, so an answer in the other language, whose passage re-ranking placed low, is still scored;
only those without stored vectors are embedded, for the ``MAX_SOURCES`` strongest sources (bounded
work per question).

The extractive answerer quotes the evidence; ``services/ask.py`` gives an LLM only the sources that
hold some, so every answerer reads the same evidence set.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from mediasift.answer.amounts import asks_amount, states_amount
from mediasift.answer.sentences import Sentence, aligned, sentence_units
from mediasift.domain import Hit
from mediasift.embed.text.base import TextEmbedder
from mediasift.enrich.language import other_language, query_language
from mediasift.enrich.terms import asked_terms, evidence_words, terms

WORD_BONUS = 0.02  # per question content word a sentence holds, at most three
# per question content word only the sentence's passage holds ("lighthouse" in the page's title
# for "how much did the lighthouse repairs cost?"), in what the three words leave
CONTEXT_BONUS = 0.01
MIN_EVIDENCE = 0.87  # cosine + word bonus a sentence needs to answer the question
CROSS_LINGUAL_GAP = 0.05  # added for a sentence in the other language than the question's
EVIDENCE_MARGIN = 0.01  # how far below the best evidence another sentence may score
MIN_SHARED_WORDS = 2  # question content words a sentence must hold before they earn the bonus
AMOUNTS = True  # a question asking for an amount needs a sentence stating one
ALLOWANCE_LEADS_ONLY = True  # only the best sentence may lean on the cross-lingual allowance
# Sentences without stored vectors are embedded for this many strongest sources only (bounds the
# embedding work of a question); ``STORED_FROM_ALL`` False reads stored ones from those alone too,
# as before sentence vectors were stored (the benchmark's side-by-side).
MAX_SOURCES = 6
STORED_FROM_ALL = True
MAX_EMBEDDED = 80  # sentences embedded per question at most
# A sentence that is a question scoring this close to the one asked is a FAQ's (or a heading's)
# asking the same thing: the sentence after it, its answer, is read as close to the question.
FAQ_MATCH = 0.93


@dataclass(slots=True)
class Evidence:
    sentence: Sentence
    score: float  # cosine + word bonus (+ the cross-lingual allowance)
    cosine: float = 0.0  # the sentence's e5 cosine with the question
    words: int = 0  # question content words it holds (``evidence_words``)
    stored: bool = False  # whether the cosine is from the vector ingest stored for it
    allowance: float = 0.0  # what the cross-lingual allowance adds to the score over the word bonus
    focused: bool = False  # it holds one of a follow-up's own words (``evidence(focus=…)``)


def evidence(
    question: str,
    sources: list[Hit],
    embedder: TextEmbedder,
    min_score: float = MIN_EVIDENCE,
    sentences: Mapping[str, np.ndarray] | None = None,
    margin: float | None = None,
    focus: str | None = None,
) -> list[Evidence]:
    """The sentences of ``sources`` (source ``[n]`` is ``sources[n - 1]``) that answer
    ``question``, best first; ``[]`` when none does. ``sentences`` holds, by segment id, the
    vectors ingest stored for a source's sentences (``services/sentence_vectors.py``); only the
    sentences of sources without them are embedded here. ``margin`` (``EVIDENCE_MARGIN`` unless
    given; ``float("inf")`` for every sentence reaching ``min_score``) is how far below the best
    a sentence may score.

    ``focus``: a follow-up's own words, ``question`` being it joined to the question it follows
    up ("How often should I descale the boiler? And the bike chain?"). A sentence holding one of
    its content words earns the word bonus for it (a follow-up's every word is its point), and
    when any such sentence answers, only they do: the question before asked about something else."""
    margin = EVIDENCE_MARGIN if margin is None else margin
    if not asked_terms(question):
        # Question words, stopwords and punctuation alone ("and then?", "¿qué?") ask about nothing
        # a sentence could hold, while the text model scores such a short text close to any short
        # sentence of the same words ("Then what?" at 0.88).
        return []
    ranked = sorted(enumerate(sources, 1), key=lambda pair: -pair[1].score)
    units: list[Sentence] = []
    known: list[np.ndarray | None] = []  # each unit's stored vector; None: embedded here
    read_as: dict[int, str] = {}  # a table row's text with its columns' names, by unit index
    embedded = 0
    for rank, (n, source) in enumerate(ranked):
        strong = rank < MAX_SOURCES
        if not strong and not STORED_FROM_ALL:
            break
        every = sentence_units(source, n)
        stored = aligned((sentences or {}).get(source.segment_id), every)
        header: list[str] | None = None
        for k, unit in enumerate(every):
            if len(every) > 1 and _titles(unit.text) and (k == 0 or _unended(unit.text)):
                continue  # "Community garden rules." names what follows: it answers nothing
            before = every[k - 1].text if k > 0 else None
            after = every[k + 1].text if k + 1 < len(every) else None
            if header is None and _header_row(unit.text, before, after):
                header = unit.text.split(" | ")
                continue  # "Forklift | Inspector | Next inspection" names the columns
            named = _with_columns(unit.text, header)
            if named is not None and strong and embedded < MAX_EMBEDDED:
                # "VPN | Mei Chen | 4432" answers "who is the VPN contact?" once read with its
                # columns' names ("System: VPN; Contact: Mei Chen; …"): embedded so, here
                read_as[len(units)] = named
                embedded += 1
                units.append(unit)
                known.append(None)
                continue
            # A stored sentence without a content word is zeros (never evidence): only those to
            # embed here are checked.
            if stored is None:
                if not strong or embedded >= MAX_EMBEDDED or not terms(unit.text):
                    continue
                embedded += 1
            units.append(unit)
            known.append(None if stored is None else stored[k])
    if not units:
        return []
    query = embedder.embed_query(question)
    cosine = np.zeros(len(units), dtype=np.float32)
    todo = [i for i, vector in enumerate(known) if vector is None]
    if todo:
        cosine[todo] = embedder.embed_passages([read_as.get(i, units[i].text) for i in todo]) @ query
    for i, vector in enumerate(known):
        if vector is not None:
            cosine[i] = vector @ query
    _answers_under_questions(question, units, cosine)
    other = other_language(query_language(question))
    amount = AMOUNTS and asks_amount(question)
    asked = len({frozenset(stems) for stems in asked_terms(question)})  # distinct, as words counts
    reach = min_score - WORD_BONUS * 3 - CROSS_LINGUAL_GAP  # below it no bonus lifts a sentence
    scored = []
    passage_words: dict[int, int] = {}
    focused = bool(focus) and bool(asked_terms(focus or ""))
    for i, (u, c, vector) in enumerate(zip(units, cosine, known, strict=True)):
        if c < reach or (amount and not states_amount(u.text)) or _asks(u.text):
            continue
        words = evidence_words(read_as.get(i, u.text), question)
        bonus = WORD_BONUS * min(3, words) if words >= min(MIN_SHARED_WORDS, asked) else 0.0
        own = evidence_words(u.text, focus or "") if focused else 0
        if own:
            bonus = max(bonus, WORD_BONUS * min(3, own))
        if bonus and CONTEXT_BONUS and words < min(3, asked):
            if u.n not in passage_words:  # once a source, not once a sentence of it
                passage_words[u.n] = evidence_words(sources[u.n - 1].text, question)
            around = passage_words[u.n] - words
            bonus += CONTEXT_BONUS * max(0, min(3 - words, around))
        allowance = 0.0
        if other is not None and sources[u.n - 1].language == other:
            # The allowance stands in for the words a translation cannot share; a cognate it
            # does share ("temperatura") is no second allowance.
            allowance = max(0.0, CROSS_LINGUAL_GAP - bonus)
        score = round(float(c) + bonus + allowance, 6)
        cos = round(float(c), 6)
        scored.append(Evidence(u, score, cos, words, vector is not None, round(allowance, 6), own > 0))
    found = sorted((e for e in scored if e.score >= min_score), key=lambda e: -e.score)
    if any(e.focused for e in found):
        found = [e for e in found if e.focused]
    return _beside_best(found, margin)


def _answers_under_questions(question: str, units: list[Sentence], cosine: np.ndarray) -> None:
    """The sentence after a question that asks what was asked (a FAQ's "When can I water my
    plot?", 0.95 for "When can I water my garden plot?") scores at least what that question does:
    it is the answer ("Watering is allowed before 9 am", 0.84 alone, had been "not found"). Both
    must ask with the same question word: "How often should I water my plot?" scores 0.93 too."""
    if FAQ_MATCH > 1:
        return
    asking = question_word(question)
    at = {(u.n, u.position): i for i, u in enumerate(units)}
    for i, u in enumerate(units):
        if cosine[i] >= FAQ_MATCH and _asks(u.text) and question_word(u.text) == asking:
            following = at.get((u.n, u.position + 1))
            if following is not None:
                cosine[following] = max(cosine[following], cosine[i])


# What a question asks for, by its question word, Spanish read as English: longest first.
_QUESTION_WORDS = [
    ("how much", "how much"), ("how many", "how many"), ("how long", "how long"),
    ("how often", "how often"), ("how far", "how far"), ("how old", "how old"),
    ("what time", "what time"), ("a qué hora", "what time"), ("cada cuánto", "how often"),
    ("por qué", "why"), ("cuántos", "how many"), ("cuántas", "how many"), ("cuánto", "how much"),
    ("cuánta", "how much"), ("cuándo", "when"), ("dónde", "where"), ("quién", "who"),
    ("quiénes", "who"), ("cómo", "how"), ("cuál", "which"), ("cuáles", "which"), ("qué", "what"),
    ("when", "when"), ("where", "where"), ("who", "who"), ("whom", "who"), ("which", "which"),
    ("what", "what"), ("why", "why"), ("how", "how"),
]  # fmt: skip
_QUESTION_WORD = re.compile(
    r"(?<!\w)("
    + "|".join(re.escape(w) for w, _ in sorted(_QUESTION_WORDS, key=lambda p: -len(p[0])))
    + r")(?!\w)",
    re.IGNORECASE,
)
_AS_ENGLISH = dict(_QUESTION_WORDS)


def question_word(question: str) -> str | None:
    """The first question word of ``question`` as English says it ("¿Cuándo…" → "when"), None
    without one ("Can I bring my dog?")."""
    found = _QUESTION_WORD.search(question)
    return _AS_ENGLISH[found.group(1).casefold()] if found else None


def _with_columns(text: str, header: list[str] | None) -> str | None:
    """A table's row read with its header's names ("System: VPN; Contact: Mei Chen"), or None
    when it is no row of that header's table."""
    cells = text.split(" | ")
    if header is None or len(cells) != len(header):
        return None
    return "; ".join(f"{name}: {cell}" for name, cell in zip(header, cells, strict=True))


def _unended(sentence: str) -> bool:
    """A line with no closing mark: a heading's ("Forklift inspection schedule"), where a short
    sentence inside a text has one ("Keep it dry.")."""
    return sentence.rstrip().rstrip("\"'”»)")[-1:] not in ".!?…:;"


def _header_row(text: str, preceding: str | None, following: str | None) -> bool:
    """Whether a table's row ("cell | cell", as documents and spreadsheets are read) is its
    header: its table's first row (no row of as many cells before it, one after it), no figure in
    it, each cell a capitalised name of three words at most. Quoted, "Plan | Precio mensual" had
    answered what the Premium plan costs; a table's rows under it ("Monday | closed") are never
    taken for one."""
    cells = text.split(" | ")
    if len(cells) < 2 or following is None or len(following.split(" | ")) != len(cells):
        return False
    if preceding is not None and len(preceding.split(" | ")) == len(cells):
        return False  # a row inside the table
    names = all(len(c.split()) <= 3 and c.strip()[:1].isupper() for c in cells)  # "Next inspection"
    return names and not any(ch.isdigit() for ch in text)


_TITLE_WORDS = 4


def _titles(sentence: str) -> bool:
    """Whether a source's first sentence is its title: four words at most and no figure (a
    heading, a slide's title). Quoted, "Community garden rules." had answered whether there is a
    rule about the compost bins, over the sentence saying when they are emptied."""
    words = sentence.split()
    return len(words) <= _TITLE_WORDS and not any(ch.isdigit() for ch in sentence)


def _asks(sentence: str) -> bool:
    """Whether a sentence is itself a question ("How often do jobs fail?", a notebook's heading):
    it asks what the question asks, so the text model scores it close, and answers nothing."""
    return sentence.rstrip().rstrip("\"'”»)").endswith("?")


def _beside_best(found: list[Evidence], margin: float) -> list[Evidence]:
    """The best of ``found`` (best first) and those within ``margin`` of it. With
    ``ALLOWANCE_LEADS_ONLY`` the others are measured without their cross-lingual allowance: it lets
    a translation answer when nothing in the question's language is as close, not join an answer
    already given ("Los tipos de interés de las cuentas de ahorro cambiaron dos veces" beside "Los
    asesores financieros recomiendan ahorrar el 20 por ciento de cada nómina" for "what share of
    my salary should I save")."""
    if not found:
        return []
    floor = found[0].score - margin
    lean = ALLOWANCE_LEADS_ONLY
    return found[:1] + [e for e in found[1:] if e.score - (e.allowance if lean else 0.0) >= floor]
