import itertools

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


def test_overlap_starts_at_the_last_sentence_that_begins_within_it():
    sentences = [f"Sentence number {i} talks about topic {i}." for i in range(200)]
    text = " ".join(sentences)
    chunks = chunk_text(text, target=300, overlap=120)
    for before, after in itertools.pairwise(chunks):
        # a whole sentence, not a fragment, and the one that ended the chunk before
        assert after.text.startswith("Sentence number")
        assert before.text.endswith(after.text.split(".")[0] + ".")
        assert 0 < before.end - after.start <= 120


def test_overlap_falls_back_to_a_word_boundary_inside_a_long_sentence():
    text = " ".join(f"word{i}" for i in range(200)) + "."  # one sentence: none begins in an overlap
    chunks = chunk_text(text, target=300, overlap=60)
    assert len(chunks) > 3
    for before, after in itertools.pairwise(chunks):
        assert text[after.start - 1] == " " and after.text.startswith("word")  # at a word
        assert 0 < before.end - after.start <= 60


def test_no_overlap_starts_each_chunk_where_the_last_ended():
    text = " ".join(f"Sentence {i} is here." for i in range(100))
    chunks = chunk_text(text, target=200, overlap=0)
    assert "".join(text[c.start : c.end] for c in chunks) == text
