"""Reference speech and word error rate, shared by the speech tests and bench/asr_accuracy.py."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

# Debian's pocketsphinx-testdata (scripts/system-deps.sh): real LibriVox read speech, transcribed.
LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")


def librivox_clips() -> list[tuple[Path, str]]:
    """(audio, reference transcript) for each LibriVox clip."""
    clips = []
    for line in (LIBRIVOX / "transcription").read_text().splitlines():
        match = re.match(r"<s> (.*) </s> \((.*)\)", line)
        if match:
            clips.append((LIBRIVOX / f"{match.group(2)}.wav", match.group(1)))
    return clips


def words(text: str) -> list[str]:
    """Lower-cased words without accents or punctuation, as WER compares them."""
    plain = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return re.sub(r"[^\w' ]", " ", plain).split()


def edit_distance(a: list[str], b: list[str]) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]
