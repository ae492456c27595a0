"""Evidence: an answer quotes only the sentences that answer the question, with the text model the
server runs (real multilingual-e5 vectors, stored per sentence as ingest stores them)."""

from __future__ import annotations

import numpy as np
import pytest

from mediasift.answer.amounts import asks_amount, states_amount
from mediasift.answer.base import NOT_FOUND
from mediasift.answer.extractive import ExtractiveAnswerer
from mediasift.answer.sentences import sentence_texts
from mediasift.config import Settings
from mediasift.domain import Hit
from mediasift.embed.text.base import TextEmbedder
from mediasift.embed.text.factory import get_text_embedder
from mediasift.models.registry import ModelRegistry
from mediasift.services.ask import build_prompt, with_evidence


@pytest.fixture
def embedder(models: ModelRegistry, settings: Settings) -> TextEmbedder:
    return get_text_embedder(models, settings)


def document(n: int, text: str, language: str = "en", score: float = 0.9) -> Hit:
    """A document passage found by search, ``score`` its re-ranked relevance."""
    return Hit(
        segment_id=f"seg{n}",
        media_id=f"media{n}",
        filename=f"notes{n}.txt",
        kind="document",
        modality="text",
        text=text,
        language=language,
        score=score,
    )


def stored_vectors(embedder: TextEmbedder, sources: list[Hit]) -> dict[str, np.ndarray]:
    """Each source's sentences embedded alone, as ingest stores them on the segment."""
    return {src.segment_id: embedder.embed_passages(sentence_texts(src.text, src.meta)) for src in sources}


def answer(embedder: TextEmbedder, question: str, sources: list[Hit]) -> tuple[str, list[Hit]]:
    """What the extractive answerer says, and the sources every answer model is given."""
    vectors = stored_vectors(embedder, sources)
    given = with_evidence(question, sources, embedder, 0.87, vectors)
    text = ExtractiveAnswerer(embedder).generate(build_prompt(question, given, embedder, vectors))
    return text, given


TYRES = "how much air pressure should road bike tyres have"
NEAR_TYRES = [
    # About road bike tyres, pressure even, and closer in meaning to the question than the answer
    # is: none says how much.
    "Check the tyre pressure of your road bike before every ride.",
    "Mountain bikes have wider tyres and softer suspension than road bikes.",
    "Road bike tyres are narrow and smooth so that they roll fast.",
]


def test_an_unrelated_sentence_with_high_topical_similarity_is_not_cited(embedder: TextEmbedder):
    sources = [document(n, text) for n, text in enumerate(NEAR_TYRES, 1)]
    sources.append(document(4, "Inflate road bike tyres to 6 bar for everyday riding."))

    text, given = answer(embedder, TYRES, sources)

    assert text == "Inflate road bike tyres to 6 bar for everyday riding [1]."
    assert [src.segment_id for src in given] == ["seg4"]  # what an LLM would read, too


def test_a_question_nothing_answers_gets_not_found_in_your_media(embedder: TextEmbedder):
    sources = [document(n, text) for n, text in enumerate(NEAR_TYRES, 1)]

    assert answer(embedder, TYRES, sources) == (NOT_FOUND, [])
    assert answer(embedder, "who won the football world cup in 1998", sources) == (NOT_FOUND, [])


def test_a_sentence_clearly_below_the_best_is_not_quoted_with_it(embedder: TextEmbedder):
    texts = [
        "Keep slugs away from lettuce with a ring of crushed eggshells.",
        "Protect lettuce from slugs.",  # the question's words, and no way to do it
        "Slugs damage lettuce in wet weather.",
    ]
    sources = [document(n, text) for n, text in enumerate(texts, 1)]

    text, given = answer(embedder, "how do I keep slugs away from lettuce", sources)

    assert text == "Keep slugs away from lettuce with a ring of crushed eggshells [1]."
    assert [src.segment_id for src in given] == ["seg1"]


def test_an_answer_in_the_other_language_ranked_low_by_its_passage_is_still_found(embedder: TextEmbedder):
    # Seven English passages that re-ranking placed first; the Spanish answer's passage came last.
    sources = [
        document(n, "Espresso machines keep the boiler hot all day, which uses a lot of electricity.")
        for n in range(1, 8)
    ]
    sources.append(document(8, "Un espresso doble lleva 18 gramos de café molido fino.", "es", 0.8))

    text, _ = answer(embedder, "how many grams of coffee go in a double espresso", sources)

    assert text == "Un espresso doble lleva 18 gramos de café molido fino [1]."


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("how much air pressure should road bike tires have", True),
        ("how often should I oil my bike chain", True),
        ("what water temperature should I use for filter coffee", True),
        ("what time does the library close on Saturday", True),
        ("¿cada cuánto se engrasa la cadena de la bici?", True),
        ("¿a qué hora sale el tren nocturno a Lisboa?", True),
        ("¿a qué presión se inflan las ruedas?", True),
        # "When" and "where" are answered without numbers: "in spring", "on the router".
        ("when should rose bushes be pruned", False),
        ("¿cuándo se trasplantan las plantas de interior?", False),
        ("where can I find the wifi password", False),
        ("how do I keep slugs away from lettuce", False),
    ],
)
def test_a_question_asks_for_an_amount_when_it_asks_how_much_often_long_or_what_measure(
    question: str, asks: bool
):
    assert asks_amount(question) is asks


@pytest.mark.parametrize(
    ("sentence", "states"),
    [
        ("Inflate road bike tyres to 6 bar.", True),
        ("Riega las tomateras dos veces por semana.", True),
        ("Da de comer a los peces una vez al día.", True),
        ("Oil the chain twice a month.", True),
        ("Fresh fish arrive at the market at six in the morning.", True),
        ("On a summer hike, carry half a litre of water.", True),
        ("Chill the gazpacho for an hour before serving.", True),
        ("Deja reposar la masa una hora.", True),
        ("Primero ponemos doscientos gramos de arroz en la olla.", True),  # Spanish hundreds
        ("Añade quinientas gotas de limón y veinticinco de vinagre.", True),
        ("Add a pinch of salt.", True),  # a cook's measures
        ("Añade una pizca de sal y un chorrito de aceite.", True),
        # a frequency said with a day or a unit
        ("Amalgam waste is collected by the disposal company every second Tuesday.", True),
        ("La basura se recoge todos los lunes.", True),
        ("Riega el huerto cada martes.", True),
        ("Every child loves the park.", False),
        ("We meet each other at the gate.", False),
        ("He can swim across the bay.", False),
        ("Mountain bikes have wider tyres than road bikes.", False),
        ("Cactus plants need very little water in winter.", False),
        # A title line joined to the first sentence: its number is the title's.
        ("Misc 24 Bienvenidos a la clase: hoy hablamos de café, agua y paciencia.", False),
        ("Notes 9 The freezer is defrosted when the ice is thicker than five millimetres.", True),
        ("# Misc 151", False),  # a heading alone
    ],
)
def test_a_sentence_states_an_amount_with_a_number_a_multiple_or_a_rate(sentence: str, states: bool):
    assert states_amount(sentence) is states


def test_a_question_word_its_passage_holds_counts_for_the_sentence_a_little(embedder: TextEmbedder):
    # "lighthouse" is the page's subject, not the answering sentence's word: the question naming it
    # had been answered "not found", the same question without it was answered.
    page = document(
        1,
        "Annual Report on Lighthouse Maintenance\nThe northern lighthouse at Cape Varra was repainted "
        "in March. The crew replaced the rotating lens motor, which had failed twice during the "
        "winter storms. Total cost of the repairs was 48,200 euros, slightly above the budget "
        "approved by the harbour council.",
    )
    for question in ("How much did the lighthouse repairs cost?", "How much did the repairs cost?"):
        text, _ = answer(embedder, question, [page])
        assert text.startswith("Total cost of the repairs was 48,200 euros"), (question, text)
    # a passage on the subject lends no word to a sentence that shares fewer than two itself
    text, _ = answer(embedder, "When was the lighthouse at Cape Varra repainted?", [page])
    assert "repainted in March" in text and "48,200" not in text


def test_a_sentence_that_is_itself_a_question_answers_nothing(embedder: TextEmbedder):
    # A notebook's heading asks what the user asks, so the text model scores it closest: it had
    # been the whole answer to "how are failed jobs retried?"
    heading = document(1, "Failure analysis. How often do jobs fail, and how are failed jobs retried?")
    text, _ = answer(embedder, "how are failed jobs retried?", [heading])
    assert text == NOT_FOUND
    both = [heading, document(2, "A failed job is retried three times, waiting longer before each attempt.")]
    text, _ = answer(embedder, "how are failed jobs retried?", both)
    assert text.startswith("A failed job is retried three times") and "How often" not in text, text


def test_the_answer_under_a_faq_question_asking_the_same_is_the_evidence(embedder: TextEmbedder):
    # The FAQ's question is no evidence (it answers nothing), and its answer alone is far from the
    # question (0.83): "When can I water my garden plot?" had been "not found".
    faq = document(
        1,
        "When can I water my plot?\nWatering is allowed before 9 am and after 7 pm, never at midday.\n\n"
        "Where is the compost?\nThe compost bins stand behind the tool shed.",
    )
    text, _ = answer(embedder, "When can I water my garden plot?", [faq])
    assert text.startswith("Watering is allowed before 9 am"), text
    # a question close to the one asked but asking something else lends its answer nothing
    often = document(2, "How often should I water my plot?\nTwice a week in summer, once a week in spring.")
    text, _ = answer(embedder, "When can I water my garden plot?", [often])
    assert text == NOT_FOUND, text
