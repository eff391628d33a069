"""seeds/record.yaml: the public record loads, and every kind of bad input is one line naming file, line and key."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from sim.common.variables import OUTPUTS
from sim.inputs.errors import ScenarioError
from sim.inputs.record import DEFAULT_RECORD, SCALES, load_record
from sim.inputs.resources import SEEDS_DIR

# The shared record lies beside the checkout (or beside the folder of worktrees).
SHARED_RECORD = next((folder / "shared" / "record" / "belarus-2015-2025.yaml" for folder in SEEDS_DIR.parents
                      if (folder / "shared" / "record" / "belarus-2015-2025.yaml").is_file()),
                     SEEDS_DIR.parent / "shared" / "record" / "belarus-2015-2025.yaml")


def test_the_shipped_record_loads_with_every_outcome_declared():
    record = load_record()
    assert record.version == 1
    assert {"brent_usd_per_barrel", "russia_gdp_growth_pct", "ukraine_full_scale_war", "elections"} <= set(record.exogenous)
    assert record.exogenous["brent_usd_per_barrel"].on(2020) == 42.0
    assert record.exogenous["ukraine_full_scale_war"].on(2021) == 0.0
    assert record.exogenous["ukraine_full_scale_war"].on(2022) == 1.0
    assert [y for y in range(2015, 2026) if record.exogenous["elections"].on(y)] == [2015, 2020, 2025]
    assert record.annual["political_prisoners_end_of_year"].values[2022] == 1450
    assert 2023 in record.annual["political_prisoners_end_of_year"].uncertain_years
    for name, series in record.annual.items():
        # every outcome says how the model measures it, or why it cannot
        assert (series.observation is None) != (series.unmodelled is None), name
        if series.observation is not None:
            assert series.observation.output in OUTPUTS
            assert series.observation.scale in SCALES
            assert series.observation.assumption
    assert record.annual["eu_sanctions_level"].observation.scale == "exact"
    assert record.annual["largest_protest"].unmodelled
    assert record.events[0].date == dt.date(2015, 8, 22)


@pytest.mark.skipif(not SHARED_RECORD.is_file(), reason="the shared record is not beside this checkout")
def test_the_copy_keeps_every_figure_of_the_shared_record():
    import yaml

    shared = yaml.safe_load(SHARED_RECORD.read_text(encoding="utf-8"))
    ours = yaml.safe_load(DEFAULT_RECORD.read_text(encoding="utf-8"))
    assert ours["sources"] == shared["sources"]
    assert ours["events"] == shared["events"]
    for section in ("annual", "exogenous"):
        assert set(ours[section]) == set(shared[section])
        for name, entry in shared[section].items():
            added = {"observation", "state", "unmodelled"}
            assert {k: v for k, v in ours[section][name].items() if k not in added} == entry, name


def _write(tmp_path, old: str, new: str, count: int = 1):
    text = DEFAULT_RECORD.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "record.yaml"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path, text.replace(old, new, count)


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize("old, new, key, words", [
    ("    state: world.oil_price", "    state: world.oil_prize", "exogenous.brent_usd_per_barrel.state",
     "unknown state 'world.oil_prize'; did you mean 'world.oil_price'?"),
    ("      output: gdp_growth", "      output: gdp_grwth", "annual.belarus_gdp_growth_pct.observation.output",
     "unknown output 'gdp_grwth'; did you mean 'gdp_growth'?"),
    ("      scale: log1p\n      error_sd: 0.2", "      scale: log\n      error_sd: 0.2",
     "annual.political_prisoners_end_of_year.observation.scale", "allowed: linear, log1p, exact, event"),
    ("      error_sd: 1.0\n", "      error_sd: -1.0\n", "annual.belarus_gdp_growth_pct.observation.error_sd",
     "allowed: a number > 0"),
    ("      coding_error: 0.05", "      coding_error: 0.7", "annual.crackdown.observation.coding_error",
     "from 0 up to (not including) 0.5"),
    ("    source: viasna\n", "    source: vyasna\n", "annual.political_prisoners_end_of_year.source",
     "unknown source 'vyasna'; did you mean 'viasna'?"),
    ("    uncertain_years: [2016, 2017, 2018, 2019, 2023, 2025]",
     "    uncertain_years: [2016, 2017, 2018, 2019, 2023, 2026]",
     "annual.political_prisoners_end_of_year.uncertain_years[5]", "2026 has no value"),
    ("2019: 0, 2020: 1, 2021: 1, 2022: 0", "2019: 0, 2020: 2, 2021: 1, 2022: 0", "annual.crackdown.values[2020]",
     "an event is coded 1 (happened) or 0 (did not)"),
    ("    values: {2010: 7, 2019: 10}", "    values: {2010: 7, 2019: ten}", "annual.russian_support_pct_gdp.values[2019]",
     "must be a number, got the text 'ten'"),
    ("      error_sd: 2.0\n      uncertain_error_sd: 4.0", "      error_sd: 2.0\n      uncertain_eror_sd: 4.0",
     "annual.russian_support_pct_gdp.observation.uncertain_eror_sd", "did you mean 'uncertain_error_sd'?"),
])
def test_a_bad_record_is_one_line_with_file_line_and_key(tmp_path, old, new, key, words):
    path, text = _write(tmp_path, old, new)
    # the line of the changed key: the first line of the replacement that differs from the original
    changed = next(n for o, n in zip(old.splitlines(), new.splitlines()) if o != n)
    with pytest.raises(ScenarioError) as caught:
        load_record(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:{_line_of(text, changed)}: {key}: "), message
    assert words in message, message


def test_the_cli_style_error_has_no_traceback(tmp_path):
    path, _ = _write(tmp_path, "      output: gdp_growth", "      output: gdp_grwth")
    code = ("import sys\nfrom sim.inputs.record import load_record\nfrom sim.inputs.errors import ScenarioError\n"
            f"try:\n    load_record({str(path)!r})\nexcept ScenarioError as e:\n    print(e); sys.exit(2)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout.count("\n") == 1 and not done.stderr


def test_missing_error_width_and_both_or_neither_observation(tmp_path):
    path, _ = _write(tmp_path, "      error_sd: 0.02\n      uncertain_error_sd: 0.05\n      assumption: \"as russia",
                     "      error_sd: 0.02\n      assumption: \"as russia")
    with pytest.raises(ScenarioError, match=r"annual.eu_trade_share.observation: a linear observation needs "
                                            r"uncertain_error_sd"):
        load_record(path)
    path, _ = _write(tmp_path, '    unmodelled: "the model\'s unrest', '    note2: x\n    unmodelled: "the model\'s unrest')
    with pytest.raises(ScenarioError, match=r"annual.largest_protest.note2: unknown key"):
        load_record(path)
    path, _ = _write(tmp_path, '    unmodelled: "the model\'s unrest is an index from 0 to 1; it counts no marchers, '
                               'so a head count has no model output"', "")
    with pytest.raises(ScenarioError, match=r"annual.largest_protest: give either observation"):
        load_record(path)


def test_missing_unreadable_and_non_mapping_files(tmp_path):
    with pytest.raises(ScenarioError, match="file not found"):
        load_record(tmp_path / "nope.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="the top level must be a mapping"):
        load_record(tmp_path / "list.yaml")
    (tmp_path / "dup.yaml").write_text("version: 1\nversion: 2\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"dup.yaml:2: version: duplicate key"):
        load_record(tmp_path / "dup.yaml")


def test_the_record_ships_with_the_package():
    text = (SEEDS_DIR.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert '"sim.data.seeds" = ["*.txt", "*.yaml"]' in text  # seeds/record.yaml is package data
