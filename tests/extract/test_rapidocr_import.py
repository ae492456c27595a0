"""rapidocr imported with its model catalogue parsed once: the same catalogue, OmegaConf untouched after."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

from omegaconf import OmegaConf

from mediasift.ocr import rapidocr_import


def test_the_catalogue_read_once_is_the_librarys_own_less_the_engines_never_run() -> None:
    spec = importlib.util.find_spec("rapidocr")
    assert spec is not None and spec.origin is not None
    path = Path(spec.origin).parent / rapidocr_import.CATALOGUE

    theirs = OmegaConf.to_container(OmegaConf.load(path))
    ours = OmegaConf.to_container(rapidocr_import.catalogue(path))

    assert isinstance(theirs, dict)
    for engine in rapidocr_import.UNUSED_ENGINES:
        assert engine in theirs  # still the library's layout: otherwise this trims nothing
        del theirs[engine]
    assert ours == theirs
    assert "onnxruntime" in ours


_FRESH_PROCESS = """
from omegaconf import OmegaConf
before = OmegaConf.__dict__["load"]
from mediasift.ocr import rapidocr_import
main = rapidocr_import.imported()
import rapidocr.inference_engine.base as base
import rapidocr.utils.model_resolver as resolver
from rapidocr.inference_engine.base import FileInfo, InferSession
assert OmegaConf.__dict__["load"] is before, "OmegaConf.load not restored"
assert base.InferSession.model_info is resolver._MODEL_CONFIG, "the catalogue was parsed twice"
assert "openvino" not in base.InferSession.model_info
ocr = main.RapidOCR(params={"Global.use_cls": False, "Global.log_level": "error"})
for cfg in (ocr.cfg.Det, ocr.cfg.Rec):
    info = FileInfo(cfg.engine_type, cfg.ocr_version, cfg.task_type, cfg.lang_type, cfg.model_type)
    name = InferSession.get_model_url(info)["model_dir"].rsplit("/", 1)[-1]
    assert (ocr.cfg.Global.model_root_dir / name).is_file(), name
print("ok")
"""


def test_a_fresh_process_imports_the_library_through_one_parse_and_finds_its_models() -> None:
    # A new process: in this one another test may have imported rapidocr already.
    done = subprocess.run([sys.executable, "-c", _FRESH_PROCESS], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("ok")
