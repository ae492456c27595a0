"""Retrieval for answers: the best passage brings its neighbours along, and the context never
outgrows its token budget."""

from __future__ import annotations

from mediasift.services import ask as rag
from tests.conftest import wait_for_job
from tests.rag.conftest import ApiFactory

TOPICS = [
    ("boiler", "The boiler pressure must stay between one and two bar; bleed the radiators if it drops."),
    ("garden", "Water the tomato beds at dawn and mulch them with straw to keep the soil moist in July."),
    ("invoice", "Invoices are due thirty days after delivery; late payment adds two percent interest."),
    ("bicycle", "Oil the bicycle chain every two hundred kilometres and check the brake pads monthly."),
    ("passport", "Renew the passport six months before it expires; the office needs two recent photos."),
    ("sourdough", "Feed the sourdough starter with equal weights of flour and water every twelve hours."),
    ("chimney", "Have the chimney swept each autumn before the first fire of the heating season."),
    ("aquarium", "Change a quarter of the aquarium water weekly and rinse the filter in tank water."),
]


def _ingest_handbook(api) -> str:  # type: ignore[no-untyped-def]
    # Each section fills about one chunk (chunk_chars=600, no overlap), so neighbours are sections.
    sections = [f"Section {name}. " + " ".join([text] * 4) for name, text in TOPICS]
    created = api.post("/v1/media", files={"file": ("handbook.txt", "\n\n".join(sections).encode())}).json()
    assert wait_for_job(api, created["job"]["id"])["status"] == "succeeded"
    return created["media"]["id"]


def test_the_best_passage_comes_with_its_neighbours_in_document_order(make_api: ApiFactory):
    api, rt = make_api(chunk_chars=600, chunk_overlap_chars=0)
    media_id = _ingest_handbook(api)

    sources = rag.retrieve(rt, "default", "How often should the chimney be swept?", budget_tokens=3000)

    best = max(sources, key=lambda s: s.score)
    assert "chimney" in best.text and best.media_id == media_id
    same_media = sorted(s.ordinal for s in sources if s.media_id == media_id)
    assert {best.ordinal - 1, best.ordinal + 1} <= set(same_media)  # the sections around it
    first_group = sources[:3]  # cited as [1] to [3]
    assert [s.ordinal for s in first_group] == sorted(s.ordinal for s in first_group)  # read in order
    assert sum(rag.tokens(s.text) + 12 for s in sources) <= 3000


def test_a_tight_budget_keeps_the_best_passage_and_drops_what_does_not_fit(make_api: ApiFactory):
    api, rt = make_api(chunk_chars=600, chunk_overlap_chars=0)
    _ingest_handbook(api)
    question = "How often should the chimney be swept?"
    generous = rag.retrieve(rt, "default", question, budget_tokens=3000)
    best = max(generous, key=lambda s: s.score)
    one_passage = rag.tokens(best.text) + 12

    tight = rag.retrieve(rt, "default", question, budget_tokens=one_passage + 20)
    assert [s.segment_id for s in tight] == [best.segment_id]  # no room for a neighbour
    assert len(generous) > len(tight)

    cut = rag.retrieve(rt, "default", question, budget_tokens=30)  # less than the best passage needs
    assert len(cut) == 1 and cut[0].segment_id == best.segment_id
    assert len(cut[0].text) < len(best.text) and "chimney" in cut[0].text


def test_a_source_scores_by_its_stored_best_sentence_even_outside_the_strongest(
    make_api: ApiFactory, monkeypatch
):
    # The answer is one sentence of four in Spanish: its passage vector is weak for an English question.
    api, rt = make_api()
    spanish = (
        "El tren nocturno a Lisboa sale a las 22:40. La tienda del museo vende carteles. "
        "Deshollina la chimenea cada otoño antes del primer fuego. El té negro admite agua hirviendo."
    )
    created = api.post("/v1/media", files={"file": ("notas.txt", spanish.encode())}).json()
    assert wait_for_job(api, created["job"]["id"])["status"] == "succeeded"
    question = "How often should the chimney be swept?"
    embedder = rt.text_embedder("default")
    passage = float(embedder.embed_passages([spanish])[0] @ embedder.embed_query(question))

    monkeypatch.setattr(rag, "SENTENCE_SCORED", 0)  # nothing embedded sentence by sentence here
    (source,) = rag.retrieve(rt, "default", question, budget_tokens=3000)
    assert source.media_id == created["media"]["id"]
    assert source.score > passage + 0.02  # its chimney sentence, read from what ingest stored
