"""Jupyter notebooks: code cells, Markdown cells and the text of outputs.

``read_notebook(text)`` returns the notebook's language (its kernel's) and its cells, each with
its 1-based number, type, source and, for a code cell, the text its outputs showed: printed
streams, ``text/plain`` results and errors (name and message; the traceback's colour codes
dropped). Images and HTML outputs have no text of their own here. nbformat 4 (Jupyter's since
2015) is read; older or broken JSON is ``CorruptMedia``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from mediasift.errors import CorruptMedia

OUTPUT_CHARS = 4000  # of one cell's outputs
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True, slots=True)
class Cell:
    number: int  # 1-based, in notebook order, counting every cell
    kind: str  # code | markdown | raw
    source: str
    output: str = ""


@dataclass(frozen=True, slots=True)
class Notebook:
    language: str  # the kernel's language, lowercase (python, r, julia…)
    cells: list[Cell]


def read_notebook(text: str) -> Notebook:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CorruptMedia(f"notebook is not valid JSON: {exc}") from None
    except RecursionError:  # arrays in arrays, deeper than the parser's stack
        raise CorruptMedia("notebook nests its JSON too deep to read") from None
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        raise CorruptMedia("not a Jupyter notebook: no list of cells (nbformat 4 or later is read)")
    if int(document.get("nbformat") or 4) < 4:
        raise CorruptMedia(f"nbformat {document.get('nbformat')} notebook: open and save it in Jupyter first")
    metadata = document.get("metadata")
    cells = [
        Cell(
            number=number,
            kind=str(cell.get("cell_type", "code")),
            source=_joined(cell.get("source")),
            output=_outputs(cell.get("outputs")) if cell.get("cell_type") == "code" else "",
        )
        for number, cell in enumerate(document["cells"], 1)
        if isinstance(cell, dict)
    ]
    return Notebook(language=_language(metadata), cells=cells)


def _language(metadata: object) -> str:
    if not isinstance(metadata, dict):
        return "python"
    for key, field in (("kernelspec", "language"), ("language_info", "name")):
        section = metadata.get(key)
        if isinstance(section, dict) and isinstance(section.get(field), str) and section[field].strip():
            return section[field].strip().lower()
    return "python"


def _joined(value: object) -> str:
    """nbformat keeps multi-line strings as a list of lines (each with its ``\\n``) or one string."""
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return value if isinstance(value, str) else ""


def _outputs(outputs: object) -> str:
    texts: list[str] = []
    for output in outputs if isinstance(outputs, list) else []:
        if not isinstance(output, dict):
            continue
        kind = output.get("output_type")
        if kind == "stream":
            texts.append(_joined(output.get("text")))
        elif kind in ("execute_result", "display_data"):
            data = output.get("data")
            if isinstance(data, dict):
                texts.append(_joined(data.get("text/plain")))
        elif kind == "error":
            texts.append(f"{output.get('ename', 'Error')}: {output.get('evalue', '')}")
    text = _ANSI.sub("", "\n".join(t.rstrip() for t in texts if t.strip()))
    return text[:OUTPUT_CHARS]
