"""The model lifecycle: weights load once however many threads ask, at start when preloaded, and
unload when idle or over the bound, but never under a call that is using them. Toy models show
the rules exactly (with a clock the test moves); the real text embedder (0.02 s to load) shows
them on a model."""

from __future__ import annotations

import gc
import itertools
import random
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from mediasift.config import Settings
from mediasift.embed.text.e5_onnx_embedder import E5OnnxEmbedder
from mediasift.embed.text.factory import get_text_embedder
from mediasift.models import registry as registry_module
from mediasift.models.registry import InferenceModel, ModelRegistry
from mediasift.ops.readiness import preload
from tests.conftest import test_settings

TEXT = "text:e5-small"


class _Weights:
    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.layer = [0.5] * 8
        self.cycle = self  # frozen cycles are what an unload must still free


class Toy(InferenceModel[_Weights]):
    def __init__(self, name: str, loads: list[str]) -> None:
        self.id, self._loads = name, loads

    def load(self) -> _Weights:
        self._loads.append(self.id)
        return _Weights(self.id)


def toys(registry: ModelRegistry, *names: str) -> tuple[list[str], list[Toy]]:
    loads: list[str] = []
    return loads, [registry.model(name, partial(Toy, name, loads)) for name in names]


def use(model: Toy) -> None:
    with model.loaded() as weights:
        assert weights.owner == model.id


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def count_text_loads(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Each real load of the e5 text model (the default engine), as the time it happened."""
    loads: list[float] = []
    real_load = E5OnnxEmbedder.load

    def counted(self: E5OnnxEmbedder):  # type: ignore[no-untyped-def]
        loads.append(time.monotonic())
        return real_load(self)

    monkeypatch.setattr(E5OnnxEmbedder, "load", counted)
    return loads


def wait_until(condition: Callable[[], bool], timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


# -- loading ---------------------------------------------------------------------------------------


def test_a_model_loads_at_its_first_call_once_and_is_frozen_out_of_the_collectors_generations():
    registry = ModelRegistry()
    loads, (toy,) = toys(registry, "toy")
    assert registry.model("toy", lambda: Toy("other", loads)) is toy  # one model per key
    assert loads == [] and registry.loaded() == []  # building it loaded nothing
    with toy.loaded() as first, toy.loaded() as second:
        assert first is second
    assert loads == ["toy"] and registry.loaded() == ["toy"] and registry.load_seconds["toy"] >= 0
    tracked = {id(o) for o in gc.get_objects()}  # generations 0-2; frozen objects are in none
    assert id(first) not in tracked and id(first.layer) not in tracked
    assert gc.get_freeze_count() > 0


def test_an_object_kept_for_the_process_is_built_once_and_never_unloaded():
    registry, built = ModelRegistry(idle_s=0.01, max_loaded=1), []
    client = registry.get("answer:x", lambda: built.append(1) or object())
    _, (toy,) = toys(registry, "toy")
    use(toy)
    time.sleep(0.05)
    assert registry.get("answer:x", object) is client and built == [1]
    assert "answer:x" in registry.loaded()


def test_concurrent_first_calls_load_the_text_model_once(count_text_loads: list[float], settings: Settings):
    embedder = get_text_embedder(ModelRegistry(), settings)
    start = threading.Barrier(8)

    def first_call() -> np.ndarray:
        start.wait()
        return embedder.embed_query("pump pressure")

    with ThreadPoolExecutor(8) as pool:
        vectors = list(pool.map(lambda _: first_call(), range(8)))
    assert len(count_text_loads) == 1
    for vector in vectors[1:]:  # queries embedded together differ from one alone in float rounding only
        np.testing.assert_allclose(vector, vectors[0], atol=1e-6)


def test_a_preloaded_model_is_loaded_before_its_first_call(count_text_loads: list[float], settings: Settings):
    registry = ModelRegistry()
    model = preload(registry, settings, "text")
    assert registry.loaded() == [TEXT] and model.id == "multilingual-e5-small-q4"
    assert get_text_embedder(registry, settings).embed_query("pump").shape == (384,)
    assert len(count_text_loads) == 1  # the first call found it loaded
    with pytest.raises(KeyError):
        preload(registry, settings, "no-such-model")


def test_the_runtime_takes_its_limits_from_the_settings(tmp_path: Path):
    from mediasift.runtime import open_runtime

    rt = open_runtime(test_settings(tmp_path / "home", model_idle_s=300, max_loaded_models=2))
    try:
        assert (rt.models.idle_s, rt.models.max_loaded) == (300, 2)
    finally:
        rt.close()


# -- unloading when idle -----------------------------------------------------------------------------


def test_an_idle_model_unloads_after_idle_s_and_loads_again_at_its_next_call(
    count_text_loads: list[float], settings: Settings
):
    registry = ModelRegistry(idle_s=0.05)
    embedder = get_text_embedder(registry, settings)
    before = embedder.embed_query("pump pressure")
    assert registry.loaded() == [TEXT]
    assert wait_until(lambda: registry.loaded() == [])  # the background thread unloaded it
    np.testing.assert_array_equal(embedder.embed_query("pump pressure"), before)
    assert len(count_text_loads) == 2


def test_a_call_longer_than_idle_s_keeps_its_model_loaded(count_text_loads: list[float], settings: Settings):
    registry = ModelRegistry(idle_s=0.02)
    embedder = get_text_embedder(registry, settings)
    with embedder.loaded():
        time.sleep(0.2)  # ten idle periods, with the background thread checking meanwhile
        assert registry.loaded() == [TEXT]
        embedder.embed_query("pump")  # nested calls use the weights already held
    assert len(count_text_loads) == 1


def test_idle_means_no_call_in_flight_and_none_for_idle_s():
    clock = Clock()
    registry = ModelRegistry(idle_s=60, clock=clock)
    _, (busy, quiet) = toys(registry, "busy", "quiet")
    use(quiet)
    with busy.loaded():
        clock.now += 59
        assert registry.unload_idle() == []
        clock.now += 1
        assert registry.unload_idle() == ["quiet"]  # busy is in use however long ago it started
    assert registry.unload_idle() == []  # its call just ended
    clock.now += 60
    assert registry.unload_idle() == ["busy"] and registry.loaded() == []


def test_unloaded_weights_are_freed_though_frozen_and_in_a_cycle():
    clock = Clock()
    registry = ModelRegistry(idle_s=1, clock=clock)
    _, (toy,) = toys(registry, "toy")
    with toy.loaded() as weights:
        gone = weakref.ref(weights)
    del weights
    clock.now += 1
    registry.unload_idle()
    assert gone() is None


# -- the bound on loaded models ------------------------------------------------------------------------


def test_loading_over_the_bound_first_unloads_the_least_recently_used():
    registry = ModelRegistry(max_loaded=2, clock=itertools.count().__next__)
    loads, (a, b, c) = toys(registry, "a", "b", "c")
    for model in (a, b, a):
        use(model)
    assert registry.loaded() == ["a", "b"]
    use(c)
    assert registry.loaded() == ["a", "c"]  # b was used longest ago
    use(b)
    assert registry.loaded() == ["b", "c"] and loads == ["a", "b", "c", "b"]


def test_a_model_in_use_is_not_unloaded_to_make_room():
    registry = ModelRegistry(max_loaded=1, clock=itertools.count().__next__)
    _, (a, b) = toys(registry, "a", "b")
    with a.loaded() as held:
        with b.loaded():
            assert registry.loaded() == ["a", "b"]  # over the bound rather than take a's weights
        assert registry.loaded() == ["a"]  # the surplus went as soon as b's call ended
        assert held.owner == "a"
    assert registry.loaded() == ["a"]


def test_the_bound_unloads_the_real_text_model_for_another(count_text_loads: list[float], settings: Settings):
    registry = ModelRegistry(max_loaded=1)
    embedder = get_text_embedder(registry, settings)
    _, (toy,) = toys(registry, "toy")
    before = embedder.embed_query("valve")
    use(toy)
    assert registry.loaded() == ["toy"]
    np.testing.assert_array_equal(embedder.embed_query("valve"), before)
    assert registry.loaded() == [TEXT] and len(count_text_loads) == 2


def test_threads_calling_while_models_unload_always_get_their_own_loaded_weights(
    monkeypatch: pytest.MonkeyPatch,
):
    # Only the bookkeeping is under test: skip the full collections a load and an unload make.
    monkeypatch.setattr(registry_module, "_freeze_long_lived_objects", lambda: None)
    monkeypatch.setattr(registry_module, "_collect_unloaded", lambda: None)
    registry = ModelRegistry(idle_s=0.001, max_loaded=2)
    loads, models = toys(registry, "a", "b", "c")
    errors: list[BaseException] = []

    def calls(seed: int) -> None:
        pick = random.Random(seed)
        try:
            for _ in range(500):
                model = pick.choice(models)
                with model.loaded() as weights:
                    time.sleep(0)  # other threads load, unload and call meanwhile
                    assert weights.owner == model.id and model.key in registry.loaded()
        except BaseException as exc:  # reported below; a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=calls, args=(seed,)) for seed in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(loads) > 20  # the weights came and went many times
    assert len(registry.loaded()) <= 2
    assert wait_until(lambda: registry.loaded() == [])  # idle, each unloads in the end
