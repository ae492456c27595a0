"""Read a PyTorch state dict (``.pth``, the legacy pre-1.6 format) into numpy arrays, without torch.

The legacy format is five pickles in a row (a magic number, the protocol version, the writer's
system info, the state dict, the storage keys) followed by each storage's raw bytes, in the order
of the keys: an int64 element count, then the elements, little-endian. The state dict pickle names
its tensors as ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)`` calls whose
storages are persistent ids.

Unpickling runs code, so the unpickler here resolves only the few globals a state dict needs, each
to a harmless stand-in; any other global (``os.system``, a class) fails the read with
``BackendUnavailable`` before anything is called.
"""

from __future__ import annotations

import collections
import pickle
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from mediasift.errors import BackendUnavailable

_MAGIC = 0x1950A86A20F9469CFC6C
_PROTOCOL_VERSION = 1001
_STORAGE_DTYPES = {
    "FloatStorage": np.dtype("<f4"),
    "DoubleStorage": np.dtype("<f8"),
    "HalfStorage": np.dtype("<f2"),
    "LongStorage": np.dtype("<i8"),
    "IntStorage": np.dtype("<i4"),
}


@dataclass(frozen=True)
class _StorageRef:
    key: str
    dtype: np.dtype
    count: int


@dataclass(frozen=True)
class _TensorRef:
    storage: _StorageRef
    offset: int
    shape: tuple[int, ...]
    strides: tuple[int, ...]


def _rebuild_tensor_v2(
    storage: _StorageRef, offset: int, shape: tuple[int, ...], strides: tuple[int, ...], *_: object
) -> _TensorRef:
    # The storages' bytes come after the pickle, so a tensor is only a reference until then.
    return _TensorRef(storage, offset, tuple(shape), tuple(strides))


class _StateDictUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor_v2
        if module == "torch" and name in _STORAGE_DTYPES:
            return _STORAGE_DTYPES[name]
        raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in a state dict")

    def persistent_load(self, pid: Any) -> _StorageRef:
        match pid:
            case ("storage", np.dtype() as dtype, str(key), str(_location), int(count), None):
                return _StorageRef(key, dtype, count)
        raise pickle.UnpicklingError(f"unsupported persistent id {pid!r}")


def read_state_dict(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of the state dict at ``path``, by name, as a C-contiguous numpy array.

    Raises ``BackendUnavailable`` when the file is not a legacy-format state dict of plain tensors.
    """
    try:
        with path.open("rb") as file:
            return _read(file)
    except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError, struct.error) as exc:
        raise BackendUnavailable(f"cannot read the weights in {path}: {exc}") from exc


def _read(file: IO[bytes]) -> dict[str, np.ndarray]:
    if _load(file) != _MAGIC:
        raise ValueError("not a legacy PyTorch file (the zip format is not supported)")
    if _load(file) != _PROTOCOL_VERSION:
        raise ValueError("unknown PyTorch serialization protocol")
    if not _load(file).get("little_endian"):
        raise ValueError("written on a big-endian machine")
    tensors = _load(file)
    storages = _read_storages(file, tensors, keys=_load(file))
    return {name: _materialise(ref, storages) for name, ref in tensors.items()}


def _load(file: IO[bytes]) -> Any:
    return _StateDictUnpickler(file).load()


def _read_storages(file: IO[bytes], tensors: dict[str, Any], keys: list[str]) -> dict[str, np.ndarray]:
    refs = {ref.storage.key: ref.storage for ref in tensors.values() if isinstance(ref, _TensorRef)}
    if len(refs) != len(tensors):
        raise ValueError("the state dict holds something other than tensors")
    storages = {}
    for key in keys:
        storage = refs[key]
        (count,) = struct.unpack("<q", file.read(8))
        data = file.read(count * storage.dtype.itemsize)
        if count != storage.count or len(data) != count * storage.dtype.itemsize:
            raise ValueError(f"storage {key} is truncated")
        storages[key] = np.frombuffer(data, dtype=storage.dtype)
    return storages


def _materialise(ref: _TensorRef, storages: dict[str, np.ndarray]) -> np.ndarray:
    flat = storages[ref.storage.key]
    extent = ref.offset + sum((n - 1) * s for n, s in zip(ref.shape, ref.strides, strict=True)) + 1
    if 0 not in ref.shape and extent > flat.size:
        raise ValueError(f"a tensor of shape {ref.shape} reaches past its storage")
    view = np.lib.stride_tricks.as_strided(
        flat[ref.offset :],
        shape=ref.shape,
        strides=[s * flat.itemsize for s in ref.strides],
        writeable=False,
    )
    # np.ascontiguousarray would turn a 0-d tensor (BatchNorm's step count) into shape (1,).
    return view.astype(flat.dtype.newbyteorder("="), order="C", copy=True)
