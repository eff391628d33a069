"""Sweep points evaluated as one ensemble (issue 12): every point keeps its own random stream, so its
numbers are those of evaluating it alone, whatever the grouping; Mesa's per-model registry is released."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import sweep as sw
from sim.inputs.registry import load_registry
from sim.inputs.runspec import RunSpec
from sim.inputs.scenario import load_scenario
from sim.model.model import BalancingModel
from sim.sweep.outcomes import parse_outcomes
from sim.sweep.runner import evaluate_points

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
OUTCOMES = ["alignment@2016:2021", "P(sanctions_level>=1)@2021", "unrest@2021", "political_prisoners@2021",
            "russia_trade_share@2021", "P(election>=1)@2016:2021"]


@pytest.fixture(scope="module")
def registry():
    return load_registry()


@pytest.fixture(scope="module")
def war(registry):
    return load_scenario(SCENARIOS / "war_2022.yaml", registry=registry)


def test_every_parameter_varied_at_once_gives_each_point_its_own_numbers_whatever_the_grouping(war, registry):
    design = sw.make_design(registry, "lhs", params="*", n=12, seed=3)
    assert len(design.names) > 100  # every sweepable parameter, the calendar and the integer ones included
    outcomes = parse_outcomes(OUTCOMES, 2015, 2030)
    values, points = design.values(), list(range(100, 112))
    alone = evaluate_points(war, design.names, values, points, outcomes, 9, 4, 2021, ensemble_points=1)
    for size in (12, 5, 2):
        grouped = evaluate_points(war, design.names, values, points, outcomes, 9, 4, 2021, ensemble_points=size)
        assert np.array_equal(alone, grouped), size
    assert len(np.unique(alone[:, 0])) == len(points)  # the points differ: a real test


def test_events_adding_to_a_varied_parameter_clip_world_by_world(tmp_path, registry):
    path = tmp_path / "adds.yaml"
    path.write_text(f"name: adds\nbase: {SCENARIOS / 'baseline.yaml'}\nevents:\n"
                    "  - {year: 2017, add: {minsk.unrest_threshold: 0.45, world.election_cycle_years: 3}}\n",
                    encoding="utf-8")
    scenario = load_scenario(path, registry=registry)
    names = ("minsk.unrest_threshold", "world.election_cycle_years")
    values = np.array([[0.3, 5.0], [0.7, 4.0], [0.5, 6.0]])  # 0.7 + 0.45 leaves the domain [0, 1]
    spec = RunSpec.for_points(scenario, registry, names, values, [np.random.SeedSequence(1, spawn_key=(i,))
                                                                  for i in range(3)], 4, 2020)
    model = BalancingModel(spec)
    model.run()
    assert np.array_equal(model.params["minsk.unrest_threshold"], np.repeat([0.75, 1.0, 0.95], 4))
    assert np.array_equal(model.params["world.election_cycle_years"], np.repeat([8.0, 7.0, 9.0], 4))
    outcomes = parse_outcomes(["unrest@2017:2020", "P(election>=1)@2016:2020"], 2015, 2030)
    alone = evaluate_points(scenario, names, values, [0, 1, 2], outcomes, 4, 1, 2020, ensemble_points=1)
    together = evaluate_points(scenario, names, values, [0, 1, 2], outcomes, 4, 1, 2020, ensemble_points=3)
    assert np.array_equal(alone, together)


def test_ensemble_means_of_a_multi_point_model_are_per_point(war, registry):
    names = ("minsk.unrest_threshold",)
    seeds = [np.random.SeedSequence(2, spawn_key=(i,)) for i in range(2)]
    model = BalancingModel(RunSpec.for_points(war, registry, names, np.array([[0.3], [0.6]]), seeds, 5, 2018))
    model.run()
    frame = model.datacollector.get_model_vars_dataframe()
    last = frame["alignment"].iloc[-1]
    assert len(last) == 2
    assert last == pytest.approx([model.history["alignment"][-1, :5].mean(), model.history["alignment"][-1, 5:].mean()])


def _rss_mib() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


@pytest.mark.slow
def test_memory_stays_flat_over_two_thousand_points(war):
    """Mesa 3.3.1 keeps every model alive in ``Agent._ids`` (mesa#3179): about 0.1 MiB per point of this
    size, 200 MiB over these 2,000 points, unless the sweep releases each model."""
    pytest.importorskip("resource")
    outcomes = parse_outcomes(["alignment@2020"], 2015, 2030)
    names = ("minsk.unrest_threshold",)
    warm = np.full((200, 1), 0.4)
    evaluate_points(war, names, warm, list(range(200)), outcomes, 20, 1, 2020, ensemble_points=1)
    before = _rss_mib()
    many = np.linspace(0.3, 0.7, 2000)[:, None]
    evaluate_points(war, names, many[:1000], list(range(1000)), outcomes, 20, 1, 2020, ensemble_points=1)
    evaluate_points(war, names, many[1000:], list(range(1000, 2000)), outcomes, 20, 1, 2020, ensemble_points=50)
    assert _rss_mib() - before < 40


def test_statistics_of_a_chunk_are_bit_for_bit_those_of_each_point_alone():
    """The sweep measures a chunk's points in one pass (sim.sweep.outcomes.point_statistics); every row
    must equal measuring that point's own worlds alone, means, percentiles and probabilities alike."""
    from sim.sweep.outcomes import point_statistics, statistics

    rng = np.random.default_rng(5)
    points, worlds, years = 7, 13, 8
    history = {"alignment": rng.normal(size=(years, points * worlds)),
               "sanctions_level": rng.integers(0, 3, size=(years, points * worlds)).astype(float)}
    outcomes = parse_outcomes(["alignment@2016:2022", "P(sanctions_level>=1)@2017:2019"], 2015, 2022)
    together = point_statistics(history, 2015, outcomes, points)
    for i in range(points):
        alone = {name: np.ascontiguousarray(values[:, i * worlds:(i + 1) * worlds]) for name, values in history.items()}
        assert together[i].tobytes() == statistics(alone, 2015, outcomes).tobytes()


def test_a_chunk_model_without_ensemble_means_has_the_same_history(war, registry):
    names = ("minsk.unrest_threshold",)
    seeds = [np.random.SeedSequence(2, spawn_key=(i,)) for i in range(3)]
    values = np.array([[0.3], [0.6], [0.9]])
    with_means = BalancingModel(RunSpec.for_points(war, registry, names, values, seeds, 4, 2019)).run()
    without = BalancingModel(RunSpec.for_points(war, registry, names, values, seeds, 4, 2019,
                                                ensemble_means=False)).run()
    assert len(with_means.datacollector.get_model_vars_dataframe()) == 5
    assert not hasattr(without.datacollector, "get_model_vars_dataframe")
    for name, history in with_means.history.items():
        assert history.tobytes() == without.history[name].tobytes(), name
