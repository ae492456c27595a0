"""Sentence vectors: ingest embeds each sentence of prose alone and stores it on the segment;
search's second stage and ask's evidence read them back instead of embedding at request time."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from mediasift.answer.sentences import sentence_texts
from mediasift.catalog import repo
from mediasift.catalog.models import SegmentRow
from mediasift.config import Settings
from mediasift.domain import Hit, IndexHit
from mediasift.embed.text.factory import get_text_embedder
from mediasift.runtime import Runtime
from mediasift.services import sentence_vectors
from mediasift.services.ingest import ingest_stream
from mediasift.services.ranking import RankingParams, group_moments, rescore
from mediasift.services.search import search
from mediasift.worker.pipeline import run_ingest
from tests.conftest import test_settings

QUESTION = "what water temperature should I use for filter coffee"
# One sentence answers; the rest of the passage is about other things.
ANSWERS = (
    "Welcome to the barista class. Today we taste three origins from Kenya, Brazil and Colombia and "
    "compare two grinders. Everyone gets a notebook and a cupping spoon. For filter coffee, heat the "
    "water to 94 degrees before you pour. Please wash your cups at the end. Next week we practise "
    "latte art with whole milk."
)
# The question's words, again and again, and no answer.
SHARES_WORDS = (
    "Filter coffee and water: notes on filter coffee, water hardness and the temperature of filter "
    "coffee in our shop. We use filter coffee, filtered water and keep the temperature of the shop steady."
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return test_settings(tmp_path / "home")


def add(rt: Runtime, name: str, text: str) -> str:
    media = ingest_stream(rt, "acme", io.BytesIO(text.encode()), name).media
    run_ingest(rt, "acme", media.id, lambda stage, fraction: None)
    return media.id


def stored_rows(rt: Runtime, media_id: str) -> list[SegmentRow]:
    from sqlalchemy import select
    from sqlalchemy.orm import undefer

    with rt.catalog.read_session() as s:
        q = (
            select(SegmentRow)
            .options(undefer(SegmentRow.sentence_vectors))
            .where(SegmentRow.media_id == media_id)
        )
        return list(s.scalars(q))


def test_each_sentence_of_a_document_is_stored_as_its_own_vector(runtime: Runtime) -> None:
    rows = stored_rows(runtime, add(runtime, "class.txt", ANSWERS))
    assert len(rows) == 1
    texts = sentence_texts(rows[0].text, rows[0].meta)
    stored = sentence_vectors.decode(rows[0].sentence_vectors, 384)
    assert stored is not None and len(texts) == 6 and stored.shape == (6, 384)
    assert len(rows[0].sentence_vectors or b"") == 6 * 384 * 2  # float16
    alone = get_text_embedder(runtime.models, runtime.settings).embed_passages(texts)
    assert np.allclose(np.sum(stored * alone, axis=1), 1.0, atol=2e-3)  # each is its sentence, embedded alone


def test_a_one_sentence_segment_stores_its_passage_vector(runtime: Runtime) -> None:
    rows = stored_rows(runtime, add(runtime, "note.txt", "Heat the water to 94 degrees."))
    stored = sentence_vectors.decode(rows[0].sentence_vectors, 384)
    passage = get_text_embedder(runtime.models, runtime.settings).embed_passages([rows[0].text])
    assert stored is not None and stored.shape == (1, 384)
    assert float(stored[0] @ passage[0]) == pytest.approx(1.0, abs=2e-3)


def test_only_prose_has_sentences() -> None:
    assert sentence_vectors.has_sentences("speech", "audio") and sentence_vectors.has_sentences(
        "ocr", "document"
    )
    for modality, kind in (
        ("tag", "image"),
        ("ocr", "image"),
        ("ocr", "video"),
        ("frame", "video"),
        ("code", "code"),
    ):
        assert not sentence_vectors.has_sentences(modality, kind), (modality, kind)


def test_decoding_gives_every_float16_value_exactly_as_numpys_cast_does() -> None:
    every_pattern = np.arange(1 << 16, dtype=np.uint16)  # zeros, subnormals, infinities and NaNs too
    decoded = sentence_vectors.decode(every_pattern.tobytes(), 256)
    assert decoded is not None and decoded.dtype == np.float32 and decoded.shape == (256, 256)
    cast = every_pattern.view(np.float16).astype(np.float32)
    assert np.array_equal(decoded.reshape(-1).view(np.uint32), cast.view(np.uint32))
    assert sentence_vectors.decode(b"\x00" * 6, 2) is None  # not whole rows of this dimension


def test_decoding_many_segments_at_once_gives_each_its_own_copy_of_what_decode_gives() -> None:
    rng = np.random.default_rng(7)
    blobs = [rng.standard_normal((n, 8)).astype(np.float16).tobytes() for n in (3, 1, 5)]
    blobs[1:1] = [None, b"", b"\x00" * 6]  # none stored, nothing, not whole rows of this dimension
    decoded = sentence_vectors.decode_many(blobs, 8)
    assert len(decoded) == len(blobs)
    for blob, one in zip(blobs, decoded, strict=True):
        alone = sentence_vectors.decode(blob, 8)
        if alone is None:
            assert one is None
            continue
        assert one is not None and one.dtype == np.float32 and np.array_equal(one, alone)
        assert one.base is None  # its own memory: the LRU keeping one keeps no other segment's rows
    assert sentence_vectors.decode_many([None, b""], 8) == [None, None]


def test_a_sign_read_off_a_video_frame_stores_its_passage_vector_as_one_row(runtime: Runtime) -> None:
    from mediasift.domain import Modality, Segment

    sign = Segment("s1", "m1", "acme", Modality.OCR, "MUSEO DE CERAMICA. Abierto de 10 a 18.", start_s=16.0)
    photo = Segment("s2", "m2", "acme", Modality.OCR, "MUSEO DE CERAMICA. Abierto de 10 a 18.")
    passages = sentence_vectors.embed_segments(runtime, "acme", [sign], "video")
    sentence_vectors.embed_segments(runtime, "acme", [photo], "image")
    stored = sentence_vectors.decode(sign.sentence_vectors, 384)
    assert stored is not None and stored.shape == (1, 384)  # one unit, though two "sentences"
    assert float(stored[0] @ np.asarray(passages["s1"])) == pytest.approx(1.0, abs=2e-3)
    assert photo.sentence_vectors is None  # a photo's text keeps its first-stage rank
    assert sentence_vectors.has_vectors("ocr", "video") and not sentence_vectors.has_sentences("ocr", "video")
    code = Segment("s3", "m3", "acme", Modality.CODE, "def hash_password(password: str) -> str:\n    ...")
    sentence_vectors.embed_segments(runtime, "acme", [code], "code")
    decoded = sentence_vectors.decode(code.sentence_vectors, 384)
    assert decoded is not None and decoded.shape == (1, 384)


def hit(segment: str, score: float, modality: str = "text", kind: str = "text") -> Hit:
    return Hit(
        segment_id=segment, media_id=segment, filename=f"{segment}.txt", kind=kind, modality=modality,
        text=segment, score=score, language="en",
    )  # fmt: skip


def test_a_passage_whose_one_sentence_answers_outranks_one_that_only_shares_words(runtime: Runtime) -> None:
    from mediasift.answer.sentences import split_sentences

    embedder = get_text_embedder(runtime.models, runtime.settings)
    query = embedder.embed_query(QUESTION)
    sentences = {
        "answers": embedder.embed_passages(split_sentences(ANSWERS)),
        "shares": embedder.embed_passages(split_sentences(SHARES_WORDS)),
    }
    # The first stage put the shared words first and a photo's tags between them.
    hits = [hit("shares", 1.0), hit("tags", 0.9, "tag", "image"), hit("answers", 0.7), hit("below", 0.5)]
    ranked = rescore(hits, query, sentences, RankingParams(rescore_top=3))
    assert [h.segment_id for h in ranked] == ["answers", "tags", "shares", "below"]
    assert ranked[0].score > ranked[1].score > ranked[2].score > ranked[3].score
    # Without it (rescore_top 0) nothing moves.
    again = [hit("shares", 1.0), hit("tags", 0.9, "tag", "image"), hit("answers", 0.7)]
    assert rescore(again, query, sentences, RankingParams(rescore_top=0)) == again


def test_search_reads_the_stored_sentences_and_the_setting_turns_it_off(runtime: Runtime) -> None:
    answers, shares = add(runtime, "class.txt", ANSWERS), add(runtime, "shop.txt", SHARES_WORDS)
    # The first stage ranks the repeated words first; the answering sentence wins the second.
    assert [h.media_id for h in search(runtime, "acme", QUESTION)] == [answers, shares]
    runtime.settings.search_rescore_top = 0
    runtime.invalidate_tenant("acme")
    assert [h.media_id for h in search(runtime, "acme", QUESTION)] == [shares, answers]


def test_reindex_fills_the_sentence_vectors_of_segments_stored_without_them(runtime: Runtime) -> None:
    from mediasift.catalog import repo
    from mediasift.services.reindex import reindex

    media_id = add(runtime, "class.txt", ANSWERS)
    (row,) = stored_rows(runtime, media_id)
    with runtime.catalog.session() as s:  # as a media ingested before migration 0015 is
        repo.store_sentence_vectors(s, "acme", {row.id: None})
    assert stored_rows(runtime, media_id)[0].sentence_vectors is None
    report = reindex(runtime, "acme")
    assert report.sentence_vectors == 1
    assert stored_rows(runtime, media_id)[0].sentence_vectors == row.sentence_vectors


def test_an_amount_question_prefers_the_sentence_that_states_one(runtime: Runtime) -> None:
    from mediasift.answer.sentences import split_sentences

    question = "what temperature should the fridge be"
    about = "The museum opens at ten. The fridge should be cold enough to keep food safe."
    answers = "The shop sells bells. Keep the fridge at 4 degrees."
    embedder = get_text_embedder(runtime.models, runtime.settings)
    query = embedder.embed_query(question)
    sentences = {
        "about": embedder.embed_passages(split_sentences(about)),
        "answers": embedder.embed_passages(split_sentences(answers)),
    }

    def ranked(penalty: float) -> list[str]:
        hits = [hit("about", 1.0), hit("answers", 0.6)]
        hits[0].text, hits[1].text = about, answers
        params = RankingParams(rescore_top=2, amount_penalty=penalty)
        return [h.segment_id for h in rescore(hits, query, sentences, params, "en", text=question)]

    assert ranked(0.0) == ["about", "answers"]  # the model alone: the nearer topic wins
    assert ranked(RankingParams().amount_penalty) == ["answers", "about"]
    # A question that asks for no amount is ranked as before.
    hits = [hit("about", 1.0), hit("answers", 0.6)]
    hits[0].text, hits[1].text = about, answers
    plain = rescore(hits, query, sentences, RankingParams(rescore_top=2), "en", text="the fridge")
    assert [h.segment_id for h in plain] == ["about", "answers"]


def test_the_other_languages_nearest_passage_joins_the_second_stage_below_the_cut(runtime: Runtime) -> None:
    from mediasift.domain import TEXT_SPACE
    from mediasift.services.ranking import fused

    question = "how long should bread dough rise"
    near_misses = [
        f"Bread note {k}. Bread tastes best on the day it is baked, and dough likes a warm kitchen."
        for k in range(4)
    ]
    for k, text in enumerate(near_misses):
        add(runtime, f"bread_{k}.txt", text)
    masa = add(
        runtime,
        "notas.txt",
        "El tren sale a las ocho. Deja levar la masa del pan durante 90 minutos en un lugar templado.",
    )
    vector = get_text_embedder(runtime.models, runtime.settings).embed_query(question).tolist()
    with_pool = fused(runtime.index, "acme", question, {TEXT_SPACE: vector}, 2, None, RankingParams(), "en")
    below_cut = with_pool.hits[2:]
    assert media_of(runtime, below_cut) == [masa] and with_pool.translated == {below_cut[0].id}
    without = fused(
        runtime.index,
        "acme",
        question,
        {TEXT_SPACE: vector},
        2,
        None,
        RankingParams(rescore_translated=0),
        "en",
    )
    assert len(without.hits) == 2 and masa not in media_of(runtime, without.hits)


def media_of(runtime: Runtime, found: list[IndexHit]) -> list[str]:
    # The first stage's hits may leave media_id empty (search hydrates the media from the catalog).
    with runtime.catalog.read_session() as s:
        segments = repo.segments_by_ids(s, "acme", [h.id for h in found])
    return [segments[h.id].media_id for h in found]


def test_a_translation_joined_from_below_the_cut_stays_only_among_the_best_few() -> None:
    query = np.array([1.0, 0.0])

    def at(cosine: float) -> np.ndarray:  # one sentence at this cosine to the query
        return np.array([[cosine, float(np.sqrt(1 - cosine**2))]])

    cosines = {"a": 0.9, "b": 0.85, "c": 0.8, "d": 0.7, "joined": 0.75}
    sentences = {name: at(c) for name, c in cosines.items()}

    def ranked(within: int) -> list[str]:
        hits = [hit("a", 1.0), hit("b", 0.9), hit("c", 0.8), hit("d", 0.7), hit("joined", 0.1)]
        params = RankingParams(rescore_top=4, translated_within=within)
        return [h.segment_id for h in rescore(hits, query, sentences, params, translated={"joined"})]

    assert ranked(0) == ["a", "b", "c", "joined", "d"]  # its sentence puts it 4th
    assert ranked(3) == ["a", "b", "c", "d", "joined"]  # 4th is filler: below every other
    sentences["joined"] = at(0.89)
    assert ranked(3) == ["a", "joined", "b", "c", "d"]  # 2nd answers: it stays


def test_hits_without_sentences_above_every_passage_keep_their_order_and_distinct_scores() -> None:
    # "a cat" on the retrieval library: five photos' tags over the best passage took the top of
    # the re-scored scale alike (0.9706 each, a cat's photo and "mask, covering" tied with it).
    query = np.array([1.0, 0.0])
    sentences = {name: np.array([[c, float(np.sqrt(1 - c**2))]]) for name, c in {"p": 0.9, "q": 0.8}.items()}
    hits = [
        hit("cat", 1.9, "tag", "image"),
        hit("mask", 1.4, "tag", "image"),
        hit("p", 1.0),
        hit("between", 0.9, "tag", "image"),
        hit("q", 0.8),
        hit("under", 0.5, "tag", "image"),
    ]
    ranked = rescore(hits, query, sentences, RankingParams(rescore_top=6))
    assert [h.segment_id for h in ranked] == ["cat", "mask", "p", "between", "q", "under"]
    scores = [h.score for h in ranked]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == len(scores), scores
    assert round(scores[0] - scores[1], 6) == 0.5  # as far apart as the first stage had them


def test_a_sentence_holding_the_querys_words_wins_a_near_tie_even_misheard() -> None:
    # The recogniser heard "La genteja…" for "Las lentejas…"; the model scores it a hair under a
    # near miss that shares no word of the question (on the retrieval set 0.827 against 0.833).
    question = "¿cuándo se ponen en remojo las lentejas?"
    query = np.array([1.0, 0.0])

    def at(cosine: float) -> np.ndarray:
        return np.array([[cosine, float(np.sqrt(1 - cosine**2))]])

    texts = {
        "near miss": "Trasplanta las plantas de interior en primavera.",
        "misheard": "La genteja se deja en remojo la noche anterior.",
        "floor": "El tren sale a las ocho.",
    }
    cosines = {"near miss": 0.833, "misheard": 0.829, "floor": 0.70}
    sentences = {name: at(c) for name, c in cosines.items()}

    def ranked(params: RankingParams, language: str = "es", modality: str = "text") -> list[str]:
        hits = [hit("near miss", 0.5), hit("misheard", 0.5), hit("floor", 0.5)]
        for h in hits:
            h.text, h.language = texts[h.segment_id], "es"
        hits[1].modality = modality
        return [h.segment_id for h in rescore(hits, query, sentences, params, language, text=question)]

    assert ranked(RankingParams(rescore_top=3)) == ["misheard", "near miss", "floor"]
    assert ranked(RankingParams(rescore_top=3, word_bonus=0.0)) == ["near miss", "misheard", "floor"]
    # "remojo" alone is one word: a topic, not yet evidence (two are needed, as in ask's evidence)
    assert ranked(RankingParams(rescore_top=3, typo_tolerant=False)) == ["near miss", "misheard", "floor"]
    # a translation's allowance stands in for the words it cannot share: no bonus on top of it
    # (an English query: the Spanish hits are the other language, all lifted alike)
    assert ranked(RankingParams(rescore_top=3), language="en") == ["near miss", "misheard", "floor"]
    # code's words are the keyword list's evidence already
    assert ranked(RankingParams(rescore_top=3), modality="code") == ["near miss", "misheard", "floor"]


def test_a_moment_is_shown_by_its_member_whose_sentence_answers() -> None:
    # Two neighbouring chunks of one document are one moment. The first stage prefers the first
    # (its passage vector is nearer), but the answering sentence is in the second: the moment's
    # hit must be the second chunk, the one a reader should be shown.
    query = np.array([1.0, 0.0])

    def at(*cosines: float) -> np.ndarray:
        return np.array([[c, float(np.sqrt(1 - c**2))] for c in cosines])

    sentences = {"chunk 1": at(0.80, 0.78), "chunk 2": at(0.70, 0.90), "other": at(0.85), "floor": at(0.5)}

    def ranked(params: RankingParams) -> list[str]:
        hits = [hit("chunk 1", 1.0), hit("other", 0.8), hit("chunk 2", 0.6), hit("floor", 0.1)]
        for k, h in enumerate(hits[:3:2]):  # the two chunks: one media, neighbouring ordinals
            h.media_id, h.ordinal = "doc", k
        if not params.group_after_rescore:  # as search runs it: rank groups first, then rescore
            hits = group_moments(hits, params.group_gap_s)
        return [h.segment_id for h in rescore(hits, query, sentences, params)]

    assert ranked(RankingParams(rescore_top=3)) == ["chunk 2", "other", "floor"]
    assert ranked(RankingParams(rescore_top=3, group_after_rescore=False)) == ["other", "chunk 1", "floor"]
