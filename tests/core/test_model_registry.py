"""The model registry loads each model once and takes what was alive then out of the cyclic
garbage collector's reach, so no full collection walks a loaded model (and stalls every thread)."""

from __future__ import annotations

import gc

from mediasift.models.registry import ModelRegistry


class _Model:
    def __init__(self) -> None:
        self.weights = {"layer": [0.5] * 8}


def test_a_model_loads_once_and_is_frozen_out_of_the_collectors_generations():
    registry, loads = ModelRegistry(), []

    def load() -> _Model:
        loads.append(1)
        return _Model()

    model = registry.get("toy", load)
    assert registry.get("toy", load) is model and loads == [1]
    assert registry.loaded() == ["toy"] and registry.load_seconds["toy"] >= 0
    tracked = {id(o) for o in gc.get_objects()}  # generations 0-2; frozen objects are in none
    assert id(model) not in tracked and id(model.weights) not in tracked
    assert gc.get_freeze_count() > 0
