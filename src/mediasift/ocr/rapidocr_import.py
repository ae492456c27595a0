"""Importing ``rapidocr`` with its model catalogue parsed once, by PyYAML's C loader.

The library's import reads ``default_models.yaml`` (1,600 lines: every engine's model files and
checksums, language routes, fonts) twice, in ``inference_engine/base.py`` and
``utils/model_resolver.py``, each time through OmegaConf's pure-Python YAML loader: ~0.5 s of CPU
holding the GIL in every process that loads OCR, a cold ``mediasift ingest`` of a video among them,
where it runs beside speech recognition. ``imported()`` imports the library with ``OmegaConf.load``
answering that one file from a single parse by libyaml, without the sections of the engines
mediasift never runs (its sessions are ONNX Runtime's, ``ocr/rapidocr.py``); both readers only
read it. Every other file, and the library once imported, go through OmegaConf as before.
"""

from __future__ import annotations

import importlib
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

CATALOGUE = "default_models.yaml"
# The catalogue's sections for engines other than ONNX Runtime, which nothing here reads.
UNUSED_ENGINES = ("openvino", "mnn", "paddle", "torch")

_LOCK = threading.Lock()  # OmegaConf.load is swapped process-wide while the import runs


def imported() -> ModuleType:
    """``rapidocr.main`` (its ``RapidOCR``), imported with the catalogue parsed once."""
    from omegaconf import OmegaConf

    with _LOCK:
        if "rapidocr.main" in sys.modules:  # imported, or being imported by another thread: wait
            return importlib.import_module("rapidocr.main")
        original = OmegaConf.__dict__["load"]
        OmegaConf.load = staticmethod(_loader(original.__func__))  # type: ignore[method-assign]
        try:
            return importlib.import_module("rapidocr.main")
        finally:
            OmegaConf.load = original  # type: ignore[method-assign]


def catalogue(path: Path) -> Any:
    """The catalogue at ``path`` as the library reads it (a ``DictConfig``), less ``UNUSED_ENGINES``."""
    import yaml
    from omegaconf import OmegaConf

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml ships in PyYAML's wheels
    with open(path, encoding="utf-8") as f:
        data = yaml.load(f, Loader=loader)  # a safe loader: the C one
    for engine in UNUSED_ENGINES:
        data.pop(engine, None)
    return OmegaConf.create(data)


def _loader(load: Any) -> Any:
    parsed: dict[str, Any] = {}

    def load_once(file_: Any, **kwargs: Any) -> Any:
        if isinstance(file_, str | Path) and Path(file_).name == CATALOGUE:
            key = str(Path(file_).resolve())
            if key not in parsed:
                parsed[key] = catalogue(Path(key))
            return parsed[key]
        return load(file_, **kwargs)

    return load_once
