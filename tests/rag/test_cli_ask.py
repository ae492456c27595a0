"""`mediasift ask` prints the answer and its numbered citations, `[1] manual.pdf p. 3`."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.docgen import make_pdf
from tests.test_cli_ingest import run_cli


def test_cli_ask_prints_the_answer_with_numbered_citations(tmp_path: Path):
    home = tmp_path / "home"
    pdf = make_pdf(
        tmp_path / "boiler.pdf",
        [
            ["Boiler care guide."],
            textwrap.wrap("Descale the boiler every three months with citric acid.", 70),
        ],
    )
    assert run_cli(home, "ingest", str(pdf), "--wait").returncode == 0

    result = run_cli(home, "ask", "How often should I descale the boiler?")
    assert result.returncode == 0, result.stderr
    answer, *citations = result.stdout.strip().splitlines()
    assert "every three months" in answer and "[" in answer
    n = answer.split("[", 1)[1].split("]", 1)[0]
    assert f"[{n}] boiler.pdf p. 2" in citations
