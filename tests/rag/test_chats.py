"""Conversations: follow-ups rewritten with the history, turns stored per tenant, walls kept."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import upload, wait_for_job
from tests.rag.conftest import ApiFactory
from tests.rag.fake_llm import FakeLLM
from tests.rag.test_ask_documents import ingest_manual, parse_sse

ACME = {"X-Mediasift-Tenant": "acme"}
GLOBEX = {"X-Mediasift-Tenant": "globex"}


def test_follow_up_is_rewritten_with_the_history_before_retrieval(make_api: ApiFactory, tmp_path: Path):
    api, _ = make_api()
    ingest_manual(api, tmp_path)
    created = api.post("/v1/chats", json={})
    assert created.status_code == 201
    chat_id = created.json()["id"]

    first = api.post(f"/v1/chats/{chat_id}/messages", json={"content": "How long is the warranty?"}).json()
    assert first["citations"][0]["page"] == 5 and first["search_question"] is None
    follow_up = api.post(f"/v1/chats/{chat_id}/messages", json={"content": "What does it cover?"}).json()
    assert follow_up["search_question"] == "How long is the warranty? What does it cover?"
    assert "compressor" in follow_up["answer"] and follow_up["citations"][0]["page"] == 5

    chat = api.get(f"/v1/chats/{chat_id}").json()
    assert chat["title"] == "How long is the warranty?"
    assert [(m["role"], m["content"]) for m in chat["messages"]] == [
        ("user", "How long is the warranty?"),
        ("assistant", first["answer"]),
        ("user", "What does it cover?"),
        ("assistant", follow_up["answer"]),
    ]
    assert chat["messages"][2]["rewritten_question"] == follow_up["search_question"]
    assert chat["messages"][3]["citations"][0]["page"] == 5 and chat["messages"][3]["model"] == "extractive"


def test_an_llm_rewrites_the_follow_up_itself(make_api: ApiFactory, tmp_path: Path, fake_llm: FakeLLM):
    api, _ = make_api(answer_model="openai", openai_base_url=f"{fake_llm.root}/v1")
    ingest_manual(api, tmp_path)

    def reply(prompt: str) -> str:
        if "standalone question" in prompt:
            return "When should the freezer be defrosted?"
        return "Defrost it when ice builds up [1]."

    fake_llm.reply = reply
    chat_id = api.post("/v1/chats", json={"title": "Fridge"}).json()["id"]
    api.post(f"/v1/chats/{chat_id}/messages", json={"content": "What temperature for the fridge?"})
    answer = api.post(f"/v1/chats/{chat_id}/messages", json={"content": "And the freezer, when?"}).json()

    assert answer["search_question"] == "When should the freezer be defrosted?"
    rewrite_request, answer_request = (r["body"]["messages"][1]["content"] for r in fake_llm.requests[-2:])
    assert "User: What temperature for the fridge?" in rewrite_request
    assert "Last message: And the freezer, when?" in rewrite_request
    assert answer_request.endswith("Question: When should the freezer be defrosted?")


def test_chats_and_answers_never_cross_tenants(make_api: ApiFactory, tmp_path: Path):
    api, _ = make_api()
    acme_manual = ingest_manual(api, tmp_path, tenant="acme")
    chat_id = api.post("/v1/chats", json={"title": "acme only"}, headers=ACME).json()["id"]
    own = api.post(
        f"/v1/chats/{chat_id}/messages", json={"content": "How long is the warranty?"}, headers=ACME
    )
    assert own.json()["citations"][0]["media_id"] == acme_manual["id"]

    # another tenant can neither read nor write the chat: it does not exist for them
    assert api.get(f"/v1/chats/{chat_id}", headers=GLOBEX).status_code == 404
    intrude = api.post(
        f"/v1/chats/{chat_id}/messages", json={"content": "What did they ask?"}, headers=GLOBEX
    )
    assert intrude.status_code == 404 and intrude.json()["code"] == "not_found"
    # nor get answers from the other tenant's media
    answer = api.post("/v1/ask", json={"question": "How long is the warranty?"}, headers=GLOBEX).json()
    assert answer["found"] is False and answer["citations"] == []
    # the chat is untouched by the attempt
    assert len(api.get(f"/v1/chats/{chat_id}", headers=ACME).json()["messages"]) == 2


def test_a_streamed_chat_turn_is_stored_before_done(make_api: ApiFactory, tmp_path: Path):
    api, _ = make_api()
    ingest_manual(api, tmp_path)
    chat_id = api.post("/v1/chats", json={}).json()["id"]
    with api.stream(
        "POST", f"/v1/chats/{chat_id}/messages?stream=true", json={"content": "How long is the warranty?"}
    ) as response:
        events = parse_sse(response.iter_lines())
    assert events[-1][0] == "done"
    messages = api.get(f"/v1/chats/{chat_id}").json()["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert messages[1]["content"] == events[-1][1]["answer"] and messages[1]["citations"][0]["page"] == 5


BOILER = (
    "Boiler maintenance guide.\n\nDescale the boiler every three months with citric acid. "
    "Keep the water pressure between one and one and a half bar.\n"
)
BIKES = (
    "# Bicycle care\n\nRoad bike tyres should be inflated to between eighty and one hundred psi.\n\n"
    "Clean the chain every two weeks with degreaser.\n"
)
COMETS = (
    "Comets and asteroids.\n\nHalley's comet returns every seventy-six years. Comets are made of ice "
    "and dust, and their tails point away from the sun.\n"
)


def test_follow_ups_ask_what_they_follow_up_not_the_whole_chat(make_api: ApiFactory, tmp_path: Path):
    api, _ = make_api()
    for name, text in (("boiler.txt", BOILER), ("bikes.md", BIKES), ("comets.txt", COMETS)):
        (tmp_path / name).write_text(text)
        assert wait_for_job(api, upload(api, tmp_path / name)["job"]["id"])["status"] == "succeeded"
    chat_id = api.post("/v1/chats", json={}).json()["id"]

    def say(content: str) -> dict:
        response = api.post(f"/v1/chats/{chat_id}/messages", json={"content": content})
        assert response.status_code == 200, response.text
        return response.json()

    assert "Descale the boiler" in say("How often should I descale the boiler?")["answer"]
    # A follow-up about something else is answered by what it names, not by the question before.
    chain = say("And the bike chain?")
    assert chain["search_question"] == "How often should I descale the boiler? And the bike chain?"
    assert "Clean the chain every two weeks" in chain["answer"] and "boiler" not in chain["answer"]
    # The next follow-up joins the question that stood alone and the follow-up before it, no more.
    tyres = say("And the tyres?")
    assert (
        tyres["search_question"]
        == "How often should I descale the boiler? And the bike chain? And the tyres?"
    )
    assert "psi" in tyres["answer"]
    # A question with a subject of its own stands alone, whatever it points at.
    comet = say("What does that comet's tail point away from?")
    assert comet["search_question"] is None and "away from the sun" in comet["answer"]


def test_a_long_chat_keeps_the_newest_question_whole():
    from mediasift.answer.extractive import MAX_CHARS, standalone_question

    first = "How often should I descale the boiler? " + "Please answer precisely and briefly. " * 60
    asked = standalone_question("And the freezer?", [("user", first), ("assistant", "Every three months.")])
    assert asked.endswith(" And the freezer?") and len(asked) <= MAX_CHARS
    assert asked.split(" ")[0] in first.split(" ")  # cut between words
    assert (
        standalone_question("Where do comets come from?", [("user", first)]) == "Where do comets come from?"
    )


def test_a_chat_is_its_users_alone_and_goes_with_their_data(make_api: ApiFactory, tmp_path: Path):
    api, _ = make_api()
    manual = ingest_manual(api, tmp_path)
    ana, bob = {"X-Mediasift-User": "ana"}, {"X-Mediasift-User": "bob"}
    chat_id = api.post("/v1/chats", json={}, headers=ana).json()["id"]
    asked = api.post(
        f"/v1/chats/{chat_id}/messages", json={"content": "How long is the warranty?"}, headers=ana
    )
    assert asked.status_code == 200 and asked.json()["citations"]

    # another user, or no user, neither reads, continues, lists nor deletes it
    for other in (bob, {}):
        assert api.get(f"/v1/chats/{chat_id}", headers=other).status_code == 404
        posted = api.post(
            f"/v1/chats/{chat_id}/messages", json={"content": "What did she ask?"}, headers=other
        )
        assert posted.status_code == 404
        assert api.delete(f"/v1/chats/{chat_id}", headers=other).status_code == 404
        assert api.get("/v1/chats", headers=other).json()["chats"] == []
    listed = api.get("/v1/chats", headers=ana).json()["chats"]
    assert [(c["id"], c["title"]) for c in listed] == [(chat_id, "How long is the warranty?")]

    # the media deleted, the answers that quoted it no longer say what it said
    assert api.delete(f"/v1/media/{manual['id']}").status_code == 204
    answer = api.get(f"/v1/chats/{chat_id}", headers=ana).json()["messages"][1]
    assert (
        "compressor" not in answer["content"] and "deleted" in answer["content"] and answer["citations"] == []
    )

    second = api.post("/v1/chats", json={"title": "to delete"}, headers=ana).json()["id"]
    assert api.delete(f"/v1/chats/{second}", headers=ana).status_code == 204
    assert api.get(f"/v1/chats/{second}", headers=ana).status_code == 404
    removed = api.delete("/v1/users/ana/data").json()["removed"]
    assert removed["chat"] == 1 and api.get(f"/v1/chats/{chat_id}", headers=ana).status_code == 404


def answered(make_api: ApiFactory, tmp_path: Path, text: str, question: str) -> str:
    """The answer to ``question`` from a library of one text file holding ``text``."""
    api, _ = make_api()
    path = tmp_path / "notes.txt"
    path.write_text(text)
    assert wait_for_job(api, upload(api, path)["job"]["id"])["status"] == "succeeded"
    return str(api.post("/v1/ask", json={"question": question}).json()["answer"])


def test_a_title_is_not_quoted_as_an_answer(make_api: ApiFactory, tmp_path: Path):
    answer = answered(
        make_api,
        tmp_path,
        "Community garden rules.\nWater your plot every morning before nine o'clock.\n"
        "Compost bins are emptied on the first Monday of each month.\n",
        "Is there a rule about emptying the compost bins in the community garden?",
    )
    assert answer.startswith("Compost bins are emptied on the first Monday"), answer
    assert "Community garden rules" not in answer


def test_a_tables_header_and_heading_are_not_quoted_its_row_is(make_api: ApiFactory, tmp_path: Path):
    answer = answered(
        make_api,
        tmp_path,
        "Forklifts are inspected by the safety team every quarter.\n\nForklift inspection schedule\n\n"
        "Forklift | Inspector | Next inspection\n\nFL-01 | Marta Quintero | 2025-03-14\n\n"
        "FL-03 | Priya Raman | 2025-05-19\n",
        "Which inspector checks forklift FL-03?",
    )
    assert answer.startswith("FL-03 | Priya Raman"), answer
    assert "Next inspection [" not in answer and "schedule [" not in answer


def test_a_tables_row_is_read_with_its_columns_names(make_api: ApiFactory, tmp_path: Path):
    # "VPN | Mei Chen | 4432" had not answered who the VPN contact is: read as "System: VPN;
    # Contact: Mei Chen; Extension: 4432" it does
    answer = answered(
        make_api,
        tmp_path,
        "IT onboarding.\n\nSystem | Contact | Extension\n\nLaptop | Oskar Lind | 4410\n\n"
        "VPN | Mei Chen | 4432\n\nPrinters | Ana Ruiz | 4450\n",
        "Who is the VPN contact?",
    )
    assert answer.startswith("VPN | Mei Chen | 4432"), answer


def test_a_tables_rows_without_figures_are_rows_not_headers(make_api: ApiFactory, tmp_path: Path):
    answer = answered(
        make_api,
        tmp_path,
        "Pool hours.\n\nDay | Hours\n\nMonday | closed all day\n\nTuesday | mornings only\n\n"
        "Wednesday | evenings only\n",
        "Is the pool closed on Monday?",
    )
    assert "Monday | closed all day" in answer, answer


def test_a_chat_shows_its_filters_as_given_and_keeps_to_them(make_api: ApiFactory, tmp_path: Path):
    api, _ = make_api()
    manual = ingest_manual(api, tmp_path)
    notes = tmp_path / "notes.txt"
    notes.write_text("The warranty of the bicycle lasts five years.")
    other = upload(api, notes)
    assert wait_for_job(api, other["job"]["id"])["status"] == "succeeded"
    given = {"media_ids": [manual["id"]], "added_after": "2020-01-01", "keywords": ["Garantía"]}
    created = api.post(
        "/v1/chats", json={"filters": {"media_ids": [manual["id"]], "added_after": "2020-01-01"}}
    )
    # a chat's narrowing had been written nowhere a client could read it back
    assert created.json()["filters"] == {"media_ids": [manual["id"]], "added_after": "2020-01-01"}
    chat_id = created.json()["id"]
    answer = api.post(f"/v1/chats/{chat_id}/messages", json={"content": "How long is the warranty?"}).json()
    assert {c["media_id"] for c in answer["citations"]} == {manual["id"]}
    assert api.get(f"/v1/chats/{chat_id}").json()["filters"]["added_after"] == "2020-01-01"
    listed = api.get("/v1/chats").json()["chats"]
    assert [c["filters"] for c in listed if c["id"] == chat_id] == [created.json()["filters"]]
    bad = api.post("/v1/chats", json={"filters": {**given, "added_after": "yesterday"}})
    assert bad.status_code == 400 and "added_after" in bad.json()["message"]
    assert api.post("/v1/chats", json={}).json()["filters"] == {}


LIGHTHOUSE = (
    "Lighthouse maintenance.\n\nThe lantern lens of the lighthouse was polished in May by the keeper.\n"
)


def test_a_short_question_with_a_subject_its_media_know_stands_alone(make_api: ApiFactory, tmp_path: Path):
    # "What was polished on the lighthouse?" after a question on the boiler had been joined to it
    # for having two content words, and answered with the boiler's sentence
    api, _ = make_api()
    for name, text in (("boiler.txt", BOILER), ("lighthouse.txt", LIGHTHOUSE), ("bikes.md", BIKES)):
        (tmp_path / name).write_text(text)
        assert wait_for_job(api, upload(api, tmp_path / name)["job"]["id"])["status"] == "succeeded"
    chat_id = api.post("/v1/chats", json={}).json()["id"]

    def say(content: str, **body: object) -> dict:
        response = api.post(f"/v1/chats/{chat_id}/messages", json={"content": content, **body})
        assert response.status_code == 200, response.text
        return response.json()

    assert "Descale the boiler" in say("How often should I descale the boiler?")["answer"]
    lens = say("What was polished on the lighthouse?")
    assert lens["search_question"] is None and "lantern lens" in lens["answer"], lens
    # a short question its media do not answer alone is still a follow-up
    pressure = say("Which pressure?")
    assert pressure["search_question"] is not None


def test_a_turns_filters_replace_the_chats_field_by_field(make_api: ApiFactory, tmp_path: Path):
    api, _ = make_api()
    for collection, name, text in (("home", "boiler.txt", BOILER), ("club", "bikes.md", BIKES)):
        (tmp_path / name).write_text(text)
        created = upload(api, tmp_path / name, collection=collection)
        assert wait_for_job(api, created["job"]["id"])["status"] == "succeeded"
    chat_id = api.post("/v1/chats", json={"filters": {"collections": ["home"]}}).json()["id"]
    turn = api.post(
        f"/v1/chats/{chat_id}/messages",
        json={"content": "How often should I clean the bike chain?", "filters": {"languages": ["en"]}},
    ).json()
    # the turn named a language only: the chat's collection still holds (it had been dropped)
    assert turn["found"] is False and turn["citations"] == []
    widened = api.post(
        f"/v1/chats/{chat_id}/messages",
        json={"content": "How often should I clean the bike chain?", "filters": {"collections": ["club"]}},
    ).json()
    assert "Clean the chain every two weeks" in widened["answer"]
    plain = api.post(f"/v1/chats/{chat_id}/messages", json={"content": "And the boiler?"}).json()
    assert plain["citations"]
    # the history shows where each turn asked: its own filters, as given, on its question
    shown = [(m["role"], m["filters"]) for m in api.get(f"/v1/chats/{chat_id}").json()["messages"]]
    assert shown == [
        ("user", {"languages": ["en"]}), ("assistant", None),
        ("user", {"collections": ["club"]}), ("assistant", None),
        ("user", None), ("assistant", None),
    ]  # fmt: skip


def test_a_heading_over_its_sentence_is_not_quoted_with_it(make_api: ApiFactory, tmp_path: Path):
    # a PDF page's text layer: the heading on its own line over the sentence, one line break
    # between them; the answer had read "Boiler maintenance Descale the boiler every three months…"
    answer = answered(
        make_api,
        tmp_path,
        "Boiler maintenance\nDescale the boiler every three months with citric acid, and check "
        "the pressure gauge after each descaling.\n",
        "How often should I descale the boiler?",
    )
    assert answer.startswith("Descale the boiler every three months"), answer
