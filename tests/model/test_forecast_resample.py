"""BalancingModel.resample: every per-world array travels with its world (the particle filter relies on it)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.inputs.scenario import load_scenario
from sim.inputs.resources import SCENARIOS_DIR
from sim.inputs.runspec import RunSpec
from sim.model.model import BalancingModel

N = 7
SKIP = {"model", "spec", "registry", "streams", "rng", "random", "datacollector", "balancing_scenario",
        "events_by_year", "_agents", "_all_agents", "_agents_by_type", "agents", "trace",
        "_floats"}  # a cache of whole-number state as floats, by the arrays' identity: resample empties it


def _arrays(obj, path="model", seen=None):
    """Every numpy array reachable from the model's own components, by path: an independent walk."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return {}
    seen.add(id(obj))
    found = {}
    if isinstance(obj, np.ndarray):
        return {path: obj}
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, (list, tuple)):
        items = enumerate(obj)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        items = ((f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj))
    elif hasattr(obj, "__dict__") and type(obj).__module__.startswith("sim."):
        items = vars(obj).items()
    else:
        return {}
    for key, value in items:
        if key in SKIP:
            continue
        found.update(_arrays(value, f"{path}.{key}", seen))
    return found


@pytest.fixture
def model():
    scenario = load_scenario(SCENARIOS_DIR / "war_2022.yaml")
    spec = RunSpec.resolve(scenario, replicates=N, seed=3).with_uncertainty("prior")
    model = BalancingModel(spec)
    for _ in range(3):
        model.step()
    return model


def test_resample_reindexes_every_per_world_array(model):
    assert model.spec.drawn, "the test needs per-world parameters"
    idx = np.array([6, 6, 0, 3, 2, 2, 5])
    before = {path: a.copy() for path, a in _arrays(model).items()}
    before.update({f"spec.params.{k}": np.asarray(v).copy() for k, v in model.spec.params.items() if np.ndim(v)})
    per_world = [p for p, a in before.items() if a.ndim and a.shape[0] == N and ".history." not in p]
    assert len(per_world) > 40  # state, decisions, parameters: the walk finds them
    model.resample(idx)
    after = _arrays(model)
    after.update({f"spec.params.{k}": np.asarray(v) for k, v in model.spec.params.items() if np.ndim(v)})
    for path in per_world:
        assert np.array_equal(after[path], before[path][idx]), path
    for name in model.history:
        path = f"model.history.{name}"
        assert np.array_equal(after[path], before[path][:, idx], equal_nan=True), path
    # shared, not per-world: the shared parameter dict is still the one the world and economy read
    assert model.world.p is model.params and model.economy.p is model.params
    assert model.trace == []
    assert model._floats == {}  # conversions of the old arrays: none may serve the reindexed ones
    # the kept worlds go on: a step runs and the spec's draws match the model's parameters
    model.step()
    for pid in model.spec.drawn:
        assert np.array_equal(model.spec.params[pid], model.params[pid]) or pid in model.spec.origin


def test_resample_refuses_bad_indices(model):
    for bad in (np.arange(N - 1), np.full(N, N), np.full(N, 0.5), -np.ones(N, dtype=int)):
        with pytest.raises(ValueError, match="world indices"):
            model.resample(bad)


def test_identity_resample_changes_no_number():
    scenario = load_scenario(SCENARIOS_DIR / "baseline.yaml")
    plain = BalancingModel(scenario, replicates=50, seed=5, end_year=2020).run()
    other = BalancingModel(scenario, replicates=50, seed=5, end_year=2020)
    while other.running:
        other.step()
        other.resample(np.arange(50))
    assert plain.timeseries().equals(other.timeseries())
