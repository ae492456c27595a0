from mediasift.extract.chunking import chunk_text


def test_short_text_is_one_chunk_with_its_offsets():
    chunks = chunk_text("  Hello world.  ", target=800)
    assert [(c.start, c.text) for c in chunks] == [(2, "Hello world.")]


def test_chunks_cover_the_text_and_end_at_sentence_boundaries():
    sentences = [f"Sentence number {i} talks about topic {i}." for i in range(200)]
    text = " ".join(sentences)
    chunks = chunk_text(text, target=300, overlap=50)
    assert len(chunks) > 10
    for c in chunks:
        assert len(c.text) <= 300
        assert text[c.start : c.end].strip() == c.text
        assert c.text.endswith(".")
    # every sentence is wholly inside at least one chunk
    for s in sentences:
        assert any(s in c.text for c in chunks), s


def test_paragraph_breaks_are_preferred():
    text = ("alpha " * 40).strip() + "\n\n" + ("beta " * 40).strip()
    chunks = chunk_text(text, target=300, overlap=0)
    assert chunks[0].text.endswith("alpha")
    assert chunks[1].text.startswith("beta")
