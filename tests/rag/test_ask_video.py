"""The extractive answerer over a real generated video: it cites the second the answer is said."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import mediagen
from tests.conftest import upload, wait_for_job
from tests.rag.conftest import ApiFactory

TOLERANCE_S = 3.0


@pytest.mark.skipif(not mediagen.have_tools(), reason="needs ffmpeg, espeak-ng and DejaVu fonts")
def test_answers_cite_the_second_the_sentence_is_said(make_api: ApiFactory, tmp_path: Path):
    talk = mediagen.talk_video(tmp_path / "media")
    api, _ = make_api()
    created = upload(api, talk.path)
    assert wait_for_job(api, created["job"]["id"], timeout_s=300)["status"] == "succeeded"
    said = {u.text: u.start_s for u in talk.utterances}

    for question, sentence, words in [
        ("When does the library open on Saturdays?", mediagen.EN_SENTENCES[2], "library opens"),
        ("What should I do before a long journey?", mediagen.EN_SENTENCES[1], "battery"),
        ("¿Cuándo abre el mercado de frutas?", mediagen.ES_SENTENCES[0], "domingos"),
    ]:
        body = api.post("/v1/ask", json={"question": question}).json()
        assert body["found"] is True, (question, body)
        top = body["citations"][0]
        assert top["media_id"] == created["media"]["id"] and top["kind"] == "video"
        assert abs(top["start_s"] - said[sentence]) <= TOLERANCE_S, (question, top, said[sentence])
        assert words in body["answer"].lower() and f"[{top['n']}]" in body["answer"]
