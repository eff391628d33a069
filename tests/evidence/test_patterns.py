"""Pattern-oriented tests: the qualitative patterns the seed documents describe.

Each test runs an ensemble and asserts a share of replicates (or an ensemble
mean against the baseline), and names the seed passage it checks. The bounds
are deliberately loose: they test the direction and timing of a pattern, not a
calibration.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.model.model import BalancingModel
from sim.inputs.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
REPLICATES = 1500


def run(name: str, replicates: int = REPLICATES, seed: int = 7, **kwargs) -> BalancingModel:
    return BalancingModel(load_scenario(SCENARIOS / f"{name}.yaml"), replicates=replicates, seed=seed, **kwargs).run()


def series(model: BalancingModel, output: str, year: int) -> np.ndarray:
    return model.history[output][year - model.base_year]


def scenario_with_events(tmp_path: Path, name: str, events_yaml: str) -> BalancingModel:
    """A scenario that extends the baseline with the given events block."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        f"name: {name}\nbase: {SCENARIOS / 'baseline.yaml'}\nevents:\n{events_yaml}", encoding="utf-8")
    return BalancingModel(load_scenario(path), replicates=REPLICATES, seed=11).run()


@pytest.fixture(scope="module")
def baseline() -> BalancingModel:
    return run("baseline")


def test_baseline_stays_east_leaning_for_five_years(baseline):
    """'In the whole post-Soviet space today there no country more loyal to Russia than Belarus'
    and 'the tried-and tested approach ... will continue over the next five years' (RussiaDirect-2015)."""
    for year in range(2016, 2021):
        alignment = series(baseline, "alignment", year)
        assert np.mean(alignment < 0) >= 0.8, year
    assert np.mean(series(baseline, "russia_trade_share", 2020) > series(baseline, "eu_trade_share", 2020)) >= 0.8


def test_prisoner_releases_lead_brussels_to_ease_within_a_year(baseline):
    """'Both the EU and the US began to consider lifting sanctions in fall 2015, shortly after the release
    of six political prisoners'; 'On February 15, the European Union lifted long standing sanctions' (Leksika-2016)."""
    # The 2015 releases are in the initial picture: sanctions come off in 2016 in most worlds.
    assert np.mean(series(baseline, "sanctions_level", 2016) < 1) >= 0.6

    # And in general: a release while sanctioned is followed by easing far more often than otherwise.
    released = baseline.history["prisoners_released"][:-1] > 0
    sanctioned = baseline.history["sanctions_level"][:-1] > 0
    eased_next_year = baseline.history["brussels_sanctions_move"][1:] == -1
    after_release = eased_next_year[released & sanctioned]
    without_release = eased_next_year[~released & sanctioned]
    assert after_release.size > 100 and without_release.size > 100
    assert after_release.mean() >= 0.5
    assert after_release.mean() >= 2 * without_release.mean()


def test_unrest_shock_leads_to_crackdown_sanctions_and_dependence(baseline):
    """'In 2010, as soon as several thousand protesters took to the streets, the kid gloves came off and there
    were mass arrests. That led to Western sanctions, isolation--and complete dependence on Moscow.' (Carnegie-2015)"""
    shock = run("unrest_shock")
    assert np.mean(series(shock, "crackdown", 2020)) >= 0.9
    sanctions_up = np.maximum(series(shock, "sanctions_level", 2021), series(shock, "sanctions_level", 2022)) \
        > series(shock, "sanctions_level", 2019)
    assert np.mean(sanctions_up) >= 0.7
    for output in ("russia_trade_share", "subsidy_pct_gdp"):
        shocked, calm = series(shock, output, 2023), series(baseline, output, 2023)
        assert shocked.mean() > calm.mean(), output
        assert np.mean(series(shock, output, 2023) > series(shock, output, 2019)) >= 0.6, output


def test_moscow_tolerates_western_flirting_but_not_liberalization(tmp_path, baseline):
    """'Moscow has been extremely tolerant of all these maneuvers' while Dubcek, 'instituting liberal domestic
    reforms--but was brutally deposed by Moscow in 1968' (Carnegie-2015)."""
    flirt = scenario_with_events(tmp_path, "flirt", """
  - year: 2017
    set: {minsk.alignment: 0.3}
    note: Minsk flirts West but stays repressive
""")
    liberalize = scenario_with_events(tmp_path, "liberalize", """
  - year: 2017
    set: {minsk.repression: 0.1}
    note: Minsk liberalizes at home
""")
    calm_subsidy = series(baseline, "subsidy_pct_gdp", 2019).mean()
    # Flirting West: support is kept (within one subsidy step of the baseline).
    assert series(flirt, "subsidy_pct_gdp", 2019).mean() >= calm_subsidy - baseline.params["moscow.subsidy_step"]
    # Liberalizing: support is cut and pressure rises, in most worlds.
    assert series(liberalize, "subsidy_pct_gdp", 2019).mean() <= calm_subsidy - 2 * baseline.params["moscow.subsidy_step"]
    assert np.mean(series(liberalize, "moscow_subsidy_move", 2017) == -1) >= 0.7
    assert np.mean(series(liberalize, "integration_pressure", 2019)
                   > series(baseline, "integration_pressure", 2019).mean()) >= 0.7


def test_russian_recession_with_subsidy_cuts_pushes_diversification(baseline):
    """'As Russia is in recession due to the combined effect of sanctions and low oil prices, Belarus has been
    forced to diversify its trade linkages' (HuffPost-2016); 'If the Russian economy continues to perform poorly,
    Belarus may find itself at a crossroad' (Leksika-2016)."""
    cut = run("subsidy_cut")
    for output in ("china_trade_share", "eu_trade_share", "alignment"):
        assert series(cut, output, 2020).mean() > series(baseline, output, 2020).mean(), output
    assert series(cut, "russia_trade_share", 2020).mean() < series(baseline, "russia_trade_share", 2020).mean()


def test_war_binds_minsk_to_moscow_and_brings_sanctions(baseline):
    """'he will stand with them in the war against Ukraine and the confrontation with the West until the very end'
    (Newsletter-2024)."""
    war = run("war_2022")
    assert np.mean(series(war, "sanctions_level", 2024) >= 1) >= 0.7
    assert series(war, "alignment", 2025).mean() < series(baseline, "alignment", 2025).mean()
    assert series(war, "ukraine_trade_share", 2025).mean() < 0.5 * series(baseline, "ukraine_trade_share", 2025).mean()
