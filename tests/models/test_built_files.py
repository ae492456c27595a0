"""Model files built from packaged weights: once per user, checked by their hash, written whole."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mediasift.config import Settings
from mediasift.embed.image.efficientnet_lite import EfficientNetLite0Embedder
from mediasift.embed.image.factory import get_image_embedder
from mediasift.models.built_files import built_file
from mediasift.models.registry import ModelRegistry
from tests.conftest import test_settings


class Builder:
    """Writes ``content`` where it is asked to, counting its calls."""

    def __init__(self, content: bytes = b"graph bytes") -> None:
        self.content, self.calls = content, 0

    def __call__(self, path: Path) -> None:
        self.calls += 1
        path.write_bytes(self.content)


def test_a_file_is_built_once_with_its_hash_beside_it(tmp_path: Path):
    build = Builder()
    assert built_file("g.onnx", build, [tmp_path / "cache"]) == b"graph bytes"
    assert built_file("g.onnx", build, [tmp_path / "cache"]) == b"graph bytes"
    assert build.calls == 1
    sidecar = (tmp_path / "cache" / "g.onnx.sha256").read_text().strip()
    assert sidecar == hashlib.sha256(b"graph bytes").hexdigest()
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["g.onnx", "g.onnx.sha256"]


@pytest.mark.parametrize("damage", ["truncated", "sidecar_gone", "sidecar_wrong"])
def test_a_file_that_does_not_match_its_sidecar_is_built_again(tmp_path: Path, damage: str):
    cache = tmp_path / "cache"
    built_file("g.onnx", Builder(), [cache])
    if damage == "truncated":
        (cache / "g.onnx").write_bytes(b"graph")
    elif damage == "sidecar_gone":
        (cache / "g.onnx.sha256").unlink()
    else:
        (cache / "g.onnx.sha256").write_text("0" * 64)
    again = Builder()
    assert built_file("g.onnx", again, [cache]) == b"graph bytes"
    assert again.calls == 1
    assert built_file("g.onnx", again, [cache]) == b"graph bytes" and again.calls == 1


def test_a_build_that_fails_leaves_nothing_under_the_name(tmp_path: Path):
    def half_then_fail(path: Path) -> None:
        path.write_bytes(b"half a gra")
        raise RuntimeError("killed mid-build")

    with pytest.raises(RuntimeError, match="mid-build"):
        built_file("g.onnx", half_then_fail, [tmp_path])
    assert list(tmp_path.iterdir()) == []  # no file, no sidecar, no partial left behind
    assert built_file("g.onnx", Builder(), [tmp_path]) == b"graph bytes"


def test_an_older_location_is_read_and_the_cache_wins_over_it(tmp_path: Path):
    cache, home_models = tmp_path / "cache", tmp_path / "home" / "models"
    home_models.mkdir(parents=True)
    (home_models / "g.onnx").write_bytes(b"built by an older mediasift")  # no sidecar then
    build = Builder()
    assert built_file("g.onnx", build, [cache, home_models]) == b"built by an older mediasift"
    assert build.calls == 0 and not cache.exists()
    built_file("g.onnx", build, [cache])
    assert built_file("g.onnx", build, [cache, home_models]) == b"graph bytes"


def test_a_cache_that_cannot_be_written_builds_for_this_load(tmp_path: Path):
    (tmp_path / "file").write_text("not a directory")
    build = Builder()
    assert built_file("g.onnx", build, [tmp_path / "file" / "cache"]) == b"graph bytes"
    assert built_file("g.onnx", build, [tmp_path / "file" / "cache"]) == b"graph bytes"
    assert build.calls == 2


def test_the_cache_is_the_setting_then_xdg_then_the_users_home(tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MEDIASIFT_MODEL_CACHE", str(tmp_path / "set"))
    assert Settings(_env_file=None).resolved_model_cache == tmp_path / "set"  # type: ignore[call-arg]
    monkeypatch.delenv("MEDIASIFT_MODEL_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert Settings(_env_file=None).resolved_model_cache == tmp_path / "xdg" / "mediasift"  # type: ignore[call-arg]
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert Settings(_env_file=None).resolved_model_cache == tmp_path / "user" / ".cache" / "mediasift"  # type: ignore[call-arg]


def test_a_fresh_home_finds_the_image_graph_another_home_built(tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MEDIASIFT_MODEL_CACHE", str(tmp_path / "cache"))
    picture = Image.fromarray(np.random.default_rng(3).integers(0, 255, (240, 320, 3), dtype=np.uint8))
    first = get_image_embedder(ModelRegistry(), test_settings(tmp_path / "home-a"))
    vector = first.embed([picture])
    (graph,) = (tmp_path / "cache").glob("efficientnet-lite0-*.onnx")
    built = graph.stat().st_mtime_ns
    second = get_image_embedder(ModelRegistry(), test_settings(tmp_path / "home-b"))
    np.testing.assert_allclose(second.embed([picture]), vector, atol=1e-6)
    assert graph.stat().st_mtime_ns == built
    assert not (tmp_path / "home-a" / "models").exists() and not (tmp_path / "home-b" / "models").exists()
    in_memory = EfficientNetLite0Embedder(2, 8)  # no cache: the graph built at the load, as before
    np.testing.assert_allclose(in_memory.embed([picture]), vector, atol=1e-6)
