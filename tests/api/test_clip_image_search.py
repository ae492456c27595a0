"""The ``clip`` image slot end to end: a user-supplied ONNX tower whose vectors are 512-d, not the
packaged EfficientNet's 1280, is what the index is built for, so images ingest and are found.

No CLIP weights ship in any package reachable here, so the test exports a small tower itself (a
convolution, global pooling and a projection to 512 dimensions, random but fixed weights) with the
contract ``ClipDirectoryEmbedder`` documents: ``image_encoder.onnx`` taking a float32 NCHW batch and
``config.json``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from mediasift.config import Settings
from mediasift.embed.image.clip import clip_dim
from mediasift.models.registry import ModelRegistry
from mediasift.runtime import embedding_dims
from tests.conftest import test_settings, upload, wait_for_job
from tests.extract.imaging_samples import photo

TOWER_DIM = 512
TOWER_INPUT = 64  # pixels a side: small keeps the test fast, any size is the tower's own choice


def export_tower(directory: Path, *, dim_in_config: bool = True) -> Path:
    """A valid image tower: Conv 3→16 (3x3) → ReLU → GlobalAveragePool → Flatten → Gemm 16→512."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(7)
    weights = {
        "conv_w": rng.normal(0.0, 0.5, (16, 3, 3, 3)).astype(np.float32),
        "conv_b": rng.normal(0.0, 0.1, (16,)).astype(np.float32),
        "proj_w": rng.normal(0.0, 0.5, (16, TOWER_DIM)).astype(np.float32),
        "proj_b": np.zeros((TOWER_DIM,), dtype=np.float32),
    }
    nodes = [
        helper.make_node("Conv", ["pixel_values", "conv_w", "conv_b"], ["conv"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv"], ["relu"]),
        helper.make_node("GlobalAveragePool", ["relu"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["flat"]),
        helper.make_node("Gemm", ["flat", "proj_w", "proj_b"], ["image_embeds"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_image_tower",
        [
            helper.make_tensor_value_info(
                "pixel_values", TensorProto.FLOAT, ["batch", 3, TOWER_INPUT, TOWER_INPUT]
            )
        ],
        [helper.make_tensor_value_info("image_embeds", TensorProto.FLOAT, ["batch", TOWER_DIM])],
        initializer=[numpy_helper.from_array(array, name) for name, array in weights.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.checker.check_model(model)
    directory.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(directory / "image_encoder.onnx"))
    config = {"id": "tiny-tower-512", "input_size": TOWER_INPUT}
    if dim_in_config:
        config["dim"] = TOWER_DIM
    (directory / "config.json").write_text(json.dumps(config))
    return directory


def clip_settings(home: Path, tower: Path) -> Settings:
    return test_settings(home, image_embedder="clip", clip_model_dir=tower)


@pytest.fixture
def clip_api(tmp_path: Path, models: ModelRegistry) -> Iterator[TestClient]:
    from mediasift.api.app import create_app
    from mediasift.runtime import open_runtime
    from mediasift.worker.loop import start_worker_threads

    rt = open_runtime(clip_settings(tmp_path / "home", export_tower(tmp_path / "tower")))
    rt.models = models
    workers = start_worker_threads(rt, 1)
    with TestClient(create_app(rt)) as client:
        yield client
    for w in workers:
        w.stop()
    rt.close()


def jpeg(name: str) -> bytes:
    out = io.BytesIO()
    photo(name).save(out, format="JPEG", quality=92)
    return out.getvalue()


def test_images_embedded_by_a_512_d_clip_tower_are_found_by_image(
    clip_api: TestClient, tmp_path: Path
) -> None:
    media = {}
    for name in ("coffee", "rocket"):
        path = tmp_path / f"{name}.jpg"
        path.write_bytes(jpeg(name))
        created = upload(clip_api, path)
        job = wait_for_job(clip_api, created["job"]["id"])
        assert job["status"] == "succeeded", job
        media[name] = created["media"]["id"]

    for name, other in (("coffee", "rocket"), ("rocket", "coffee")):
        response = clip_api.post("/v1/search", files={"image": ("query.jpg", jpeg(name))})
        assert response.status_code == 200, response.text
        images = [h for h in response.json()["hits"] if h["modality"] == "image"]
        assert [h["media_id"] for h in images] == [media[name], media[other]]
        assert images[0]["score"] == pytest.approx(1.0, abs=1e-3)  # the same picture: cosine 1


def test_the_index_is_built_for_the_configured_towers_dimension(tmp_path: Path) -> None:
    with_dim = export_tower(tmp_path / "with-dim")
    from_graph = export_tower(tmp_path / "from-graph", dim_in_config=False)

    assert clip_dim(from_graph) == clip_dim(with_dim) == TOWER_DIM
    assert embedding_dims(clip_settings(tmp_path / "home", from_graph)) == {"text": 384, "image": TOWER_DIM}
    assert embedding_dims(test_settings(tmp_path / "home")) == {"text": 384, "image": 1280}
