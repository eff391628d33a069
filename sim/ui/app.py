"""The ``sim ui`` page: live sliders over an ensemble of Belarus worlds, built with Solara around ``BalancingModel``.

Run it with ``sim ui [SCENARIO.yaml] [--port P]`` (or ``solara run sim.ui.app``). The left column holds a
scenario chosen from a fixed list (the project's ``scenarios/`` folder, or the one file given on the command
line; the browser sends a name, never a path), sliders for the main registry parameters, each labelled with
its source or ``ASSUMPTION``, the year whose numbers are shown, and the A/B buttons. Every change reruns the
whole ensemble (:data:`UI_REPLICATES` worlds, the scenario's seed, to its end year) in a worker thread and
redraws: headline numbers, Minsk's decision trace in one sample world, fan charts of alignment, trade
shares, sanctions and unrest with the record's observed values, the scenario's text (what it leaves out,
its questions) and the evidence behind every slider. "Keep as A" freezes the current settings; the charts
then show A beside the settings being moved (B), with a line saying which sliders differ.

Why not Mesa's SolaraViz: its sliders only take effect when Reset rebuilds the model, and making them live
would mean reaching into its internals, which differ between Mesa 3.3 and 3.5. The model is still the Mesa
model ``BalancingModel``, built and run through ``mesa.Model``'s API only.

The helpers above the components are plain functions of a model, the registry or the record, tested in
``tests/ui/test_ui.py``; the components only lay their results out.
"""

from __future__ import annotations

import html
import math
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd
import solara

from sim.common.formats import number, percent
from sim.common.names import excerpt
from sim.common.variables import SANCTIONS_LEVELS, TRADE_PARTNER_NAMES
from sim.explain.terms import DECISIONS
from sim.explain.views import AGAINST_THE_ODDS
from sim.explain.wording import against_the_odds
from sim.figures import live
from sim.figures.record import observed_tables
from sim.inputs.record import Record, load_record
from sim.inputs.errors import ScenarioError, did_you_mean
from sim.model.model import BalancingModel
from sim.inputs.registry import Parameter, Registry, Source, format_number, load_registry, load_sources
from sim.inputs.resources import SCENARIOS_DIR, shipped_scenarios
from sim.inputs.scenario import Scenario, load_scenario
from sim.ui import REGISTRY_ENV, SCENARIO_ENV

PROJECT_SCENARIOS = SCENARIOS_DIR
UI_REPLICATES = 1000  # worlds rerun on every change: about 0.2 s to 2030 on one core (benchmarks/ui_rerun.py)
CACHE_RUNS = 8  # ensembles kept, so that A, B and a slider moved back cost nothing
TRACE_WORLD = 0  # the sample world whose decisions are shown in full
TITLE = "Balancing Act: Belarus between Moscow and Brussels"

# The main parameters, with a short label each: registry id -> label.
SLIDERS: dict[str, str] = {
    "minsk.unrest_threshold": "Unrest that makes Minsk crack down",
    "minsk.balance_preference": "Minsk's dislike of leaning too far either way",
    "moscow.subsidy_pct_gdp_2015": "Russian subsidy and loans in 2015",
    "moscow.subsidy_max": "Most Russia will pay in subsidies",
    "moscow.liberalization_tolerance": "Repression below which Moscow sees liberalization",
    "trade.russia_share_2015": "Russia's share of Belarus's trade in 2015",
    "energy.dependence_2015": "Share of energy from Russia in 2015",
    "world.oil_price_long_run": "Long-run oil price",
    "world.china_investment_pct_gdp": "Chinese investment arriving each year",
    "brussels.prisoner_tolerance": "Political prisoners the EU tolerates",
}

# Minsk's options in words, as the explanations name them (sim.explain.terms).
OPTION_TEXT = {option: words.label for name in ("foreign", "domestic")
               for option, words in DECISIONS["minsk", name].options.items()}
DECISION_TEXT = {"foreign": ("Foreign policy", "minsk_foreign_move"),
                 "domestic": ("At home", "minsk_domestic_move")}


# --------------------------------------------------------------------------- pure helpers: choices and sliders


def scenario_files(given: str | Path | None = None) -> dict[str, Path]:
    """The scenarios the page offers, by name (file stem): only ``given`` if set, else the shipped library
    with the baseline first (:func:`sim.inputs.resources.shipped_scenarios`)."""
    if given:
        path = Path(given)
        return {path.stem: path}
    return shipped_scenarios()


def load_choices(files: Mapping[str, Path], registry: Registry) -> tuple[dict[str, Scenario], dict[str, str]]:
    """Valid scenarios by name, and the one-line error of each file that does not load."""
    scenarios, problems = {}, {}
    for name, path in files.items():
        try:
            scenarios[name] = load_scenario(path, registry=registry)
        except ScenarioError as err:
            problems[name] = str(err)
    return scenarios, problems


def caption(param: Parameter, sources: Mapping[str, Source], limit: int = 70) -> str:
    """What a slider's number rests on: ``"ASSUMPTION: <rationale>"`` or ``"<source>: “<quote>”"``."""
    if param.assumption:
        return f"ASSUMPTION: {excerpt(param.assumption, limit)}"
    citation = param.citations[0]
    source = sources.get(citation.doc)
    short = source.short if source else citation.doc
    return f"{short}: “{excerpt(citation.quote, limit)}”"


def slider_step(low: float, high: float, value: float, integer: bool = False) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving at least 20 positions from ``low`` to ``high``,
    on which ``value`` and ``high`` both lie (at least 1 for an integer parameter)."""
    span = high - low
    if span <= 0:
        return 1.0
    exponent = math.floor(math.log10(span / 20))
    for power in range(exponent, exponent - 4, -1):
        for mantissa in (5, 2, 1):
            step = round(mantissa * 10.0 ** power, 12)
            if span / step < 20 - 1e-9 or (integer and step < 1):
                continue
            if _on_grid(value - low, step) and _on_grid(span, step):
                return step
    return 1.0 if integer else round(10.0 ** (exponent - 3), 12)


def _on_grid(distance: float, step: float) -> bool:
    k = distance / step
    return abs(k - round(k)) < 1e-6


def start_values(scenario: Scenario, registry: Registry, ids=SLIDERS) -> dict[str, float]:
    """Where the sliders start: the values ``scenario`` uses (its own overrides, else the registry's)."""
    values = scenario.parameter_values(registry)
    return {pid: values[pid] for pid in ids}


@dataclass(frozen=True)
class SliderSpec:
    """One slider of the page: a registry parameter, its range and step, and its label with the evidence."""

    pid: str
    label: str
    value: float
    min: float
    max: float
    step: float
    integer: bool = False


def make_sliders(registry: Registry, sources: Mapping[str, Source], starts: Mapping[str, float],
                 ids: Mapping[str, str] = SLIDERS) -> dict[str, SliderSpec]:
    """One slider per main parameter: range low..high from the registry, labelled with its evidence."""
    sliders = {}
    for pid, label in ids.items():
        p = registry[pid]
        step = slider_step(p.low, p.high, starts[pid], p.integer)
        unit = f" [{p.unit}]" if p.unit else ""
        kind = int if p.integer else float
        sliders[pid] = SliderSpec(pid, f"{label}{unit} — {caption(p, sources)}", kind(starts[pid]), kind(p.low),
                                  kind(p.high), kind(step) if p.integer else step, bool(p.integer))
    return sliders


def slider_overrides(values: Mapping[str, Any], registry: Registry, starts: Mapping[str, float]) -> dict[str, float]:
    """The slider values that were moved from their start, kept inside the registry's range.

    A slider left where it started leaves the chosen scenario's own value in place.
    """
    moved = {}
    for pid, value in values.items():
        if pid not in starts:
            raise ScenarioError("sim ui", "not a slider of this page", key=pid)
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ScenarioError("sim ui", f"expected a number, got {type(value).__name__}", key=pid)
        p = registry[pid]
        value = min(max(float(value), p.low), p.high)
        if p.integer:
            value = float(round(value))
        if not math.isclose(value, starts[pid], rel_tol=0, abs_tol=1e-9):
            moved[pid] = value
    return moved


# --------------------------------------------------------------------------- the page's scenarios and sliders

REGISTRY = load_registry(os.environ.get(REGISTRY_ENV) or None)
SOURCES = load_sources()
RECORD = load_record(registry=REGISTRY)
SCENARIOS, SCENARIO_PROBLEMS = load_choices(scenario_files(os.environ.get(SCENARIO_ENV) or None), REGISTRY)
if not SCENARIOS:
    raise ScenarioError(os.environ.get(SCENARIO_ENV) or str(PROJECT_SCENARIOS),
                        "no scenario loads: " + "; ".join(SCENARIO_PROBLEMS.values()))
DEFAULT_SCENARIO = next(iter(SCENARIOS))
STARTS = start_values(SCENARIOS[DEFAULT_SCENARIO], REGISTRY)


def chosen_scenario(name: str) -> Scenario:
    """The scenario of the page's list called ``name``; anything else (a path, a typo) is refused in one line."""
    if name not in SCENARIOS:
        raise ScenarioError("sim ui", f"unknown scenario{did_you_mean(name, SCENARIOS)}; choose one of "
                                      f"{', '.join(SCENARIOS)}", key="scenario")
    return SCENARIOS[name]


class BalancingAct(BalancingModel):
    """``BalancingModel`` as the page builds it: a scenario by name from the page's list, slider values by id.

    Slider values equal to the scenario's own leave its value in place (:func:`slider_overrides`). The
    ensemble has the scenario's seed, so the same settings give the same worlds, and A and B differ only
    by their settings.
    """

    def __init__(self, scenario_name: str = DEFAULT_SCENARIO, replicates: int = UI_REPLICATES, **kwargs: float):
        chosen = chosen_scenario(scenario_name)
        self.ui_scenario_name = scenario_name
        self.ui_overrides = slider_overrides(kwargs, REGISTRY, start_values(chosen, REGISTRY))
        super().__init__(chosen, replicates=int(replicates), parameters=self.ui_overrides,
                         trace_replicates=TRACE_WORLD + 1)


@dataclass(frozen=True)
class Setting:
    """What the page runs: a scenario of the list by name and the sliders moved from its values."""

    scenario_name: str = DEFAULT_SCENARIO
    moved: tuple[tuple[str, float], ...] = ()

    @classmethod
    def of(cls, scenario_name: str, values: Mapping[str, Any]) -> "Setting":
        """The setting of the sliders ``values`` on scenario ``scenario_name`` (values kept in range)."""
        starts = start_values(chosen_scenario(scenario_name), REGISTRY)
        return cls(scenario_name, tuple(sorted(slider_overrides(values, REGISTRY, starts).items())))

    def values(self) -> dict[str, float]:
        """Every slider's value in this setting."""
        return {**start_values(chosen_scenario(self.scenario_name), REGISTRY), **dict(self.moved)}


_runs: "OrderedDict[Setting, tuple[BalancingAct, float]]" = OrderedDict()
_runs_lock = threading.Lock()


def run_setting(setting: Setting, replicates: int = UI_REPLICATES) -> tuple[BalancingAct, float]:
    """The ensemble of ``setting`` run to its end year, and the seconds the run took (0 if it was kept).

    The last :data:`CACHE_RUNS` ensembles are kept; one run at a time (two cores are shared)."""
    with _runs_lock:
        if setting in _runs and _runs[setting][0].replicates == replicates:
            _runs.move_to_end(setting)
            return _runs[setting][0], 0.0
        start = time.perf_counter()
        model = BalancingAct(setting.scenario_name, replicates, **dict(setting.moved)).run()
        seconds = time.perf_counter() - start
        _runs[setting] = (model, seconds)
        while len(_runs) > CACHE_RUNS:
            old, _ = _runs.popitem(last=False)[1]
            old.release()
        return model, seconds


def differences(a: Setting, b: Setting) -> list[str]:
    """What differs between settings A and B, one short phrase each (scenario first, then the sliders)."""
    out = []
    if a.scenario_name != b.scenario_name:
        out.append(f"scenario {a.scenario_name} → {b.scenario_name}")
    va, vb = a.values(), b.values()
    for pid, label in SLIDERS.items():
        if not math.isclose(va[pid], vb[pid], rel_tol=0, abs_tol=1e-9):
            out.append(f"{label}: {format_number(va[pid])} → {format_number(vb[pid])}")
    return out


def differences_text(a: Setting, b: Setting) -> str:
    """The line under the A/B buttons: ``"A → B: <differences>"`` or that they are the same."""
    found = differences(a, b)
    return "A → B: " + "; ".join(found) if found else "A and B are the same settings: move a slider."


# --------------------------------------------------------------------------- pure helpers: what the model shows


def shown_years(model: BalancingModel) -> np.ndarray:
    """The years simulated so far that the scenario records (from its start year to now)."""
    return np.arange(model.start_year, model.year + 1)


def rows(model: BalancingModel, output: str) -> np.ndarray:
    """``(years, replicates)`` values of one output over :func:`shown_years`."""
    first = model.start_year - model.base_year
    return model.history[output][first: model.year - model.base_year + 1]


def fan(model: BalancingModel, output: str) -> pd.DataFrame:
    """Per shown year: mean and the 5th, 25th, 50th, 75th and 95th percentiles across worlds."""
    values = rows(model, output)
    table = pd.DataFrame({"year": shown_years(model)})
    if len(values) == 0:
        return table.assign(**{k: [] for k in ("mean", "p05", "p25", "p50", "p75", "p95")})
    table["mean"] = values.mean(axis=1)
    for q in (5, 25, 50, 75, 95):
        table[f"p{q:02d}"] = np.percentile(values, q, axis=1)
    return table


def level_shares(model: BalancingModel, output: str = "sanctions_level", levels=tuple(SANCTIONS_LEVELS)) -> pd.DataFrame:
    """Per shown year: the share of worlds at each level of ``output``."""
    values = rows(model, output)
    table = pd.DataFrame({"year": shown_years(model)})
    for level in levels:
        table[level] = (np.round(values) == level).mean(axis=1) if len(values) else []
    return table


def year_shown(model: BalancingModel, year: int | None = None) -> int:
    """The year whose numbers the page shows: ``year`` kept within the years run, else the last one."""
    if year is None:
        return int(model.year)
    return int(min(max(int(year), model.start_year), model.year))


def headline(model: BalancingModel, year: int | None = None) -> dict[str, Any]:
    """The numbers of ``year`` (default: the last run): median and 90% band of the key outputs, sanctions
    and crackdown shares."""
    year = year_shown(model, year)
    now = year - model.base_year
    out: dict[str, Any] = {"year": year, "worlds": model.replicates}
    for name in ("alignment", "russia_trade_share", "eu_trade_share", "china_trade_share", "unrest"):
        values = model.history[name][now]
        out[name] = tuple(float(x) for x in np.percentile(values, [50, 5, 95]))
    level = np.round(model.history["sanctions_level"][now])
    out["sanctions"] = {lvl: float((level == lvl).mean()) for lvl in SANCTIONS_LEVELS}
    out["crackdown"] = float(model.history["crackdown"][now].mean())
    return out


def minsk_decisions(model: BalancingModel, year: int | None = None, world: int = TRACE_WORLD) -> list[dict[str, Any]]:
    """Minsk's decisions of ``year`` (default: the last run) in one world: per decision the utility terms of
    each option, the total, the choice probabilities, the option taken, and how all worlds chose."""
    year = year_shown(model, year)
    trace = model.decision_trace()
    if trace.empty:
        return []
    now = trace[(trace.year == year) & (trace.agent == "minsk") & (trace.replicate == world)]
    decisions = []
    for name, group in now.groupby("decision", sort=False):
        options = list(group.option)
        terms = [c for c in group.columns if c.startswith("term.") and group[c].notna().any()]
        table = pd.DataFrame({o: group[terms].iloc[i].to_numpy(dtype=float) for i, o in enumerate(options)},
                             index=[term_text(t.removeprefix("term.")) for t in terms])
        table = table.loc[(table.abs() > 1e-12).any(axis=1)]
        totals = pd.DataFrame([group.probability.to_numpy(dtype=float), group.utility.to_numpy(dtype=float)],
                              index=["probability", "total utility"], columns=options)
        table = pd.concat([totals, table])  # what was chosen first, then what it was made of
        chosen = options[int(np.argmax(group.chosen.to_numpy()))]
        label, output = DECISION_TEXT.get(name, (name, None))
        shares = {}
        if output is not None:
            moves = model.history[output][year - model.base_year]
            shares = {o: float((moves == move).mean()) for o, move in zip(options, (-1, 0, 1))}
        decisions.append({"decision": name, "label": label, "options": options, "table": table,
                          "chosen": chosen, "shares": shares})
    return decisions


_PROPER = {"russia": "Russia", "eu": "EU", "ukraine": "Ukraine", "china": "China", "minsk": "Minsk",
           "moscow": "Moscow", "brussels": "Brussels", "west": "West", "east": "East"}


def term_text(name: str) -> str:
    """A utility term's name for people: ``"eu_offer"`` -> ``"EU offer"``."""
    words = [_PROPER.get(w, w) for w in name.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def events_by_year(model: BalancingModel) -> dict[int, str]:
    """The scenario's events: year -> note (for the dotted lines on the charts)."""
    scenario = model.balancing_scenario
    if scenario is None:
        return {}
    out: dict[int, str] = {}
    for event in scenario.events:
        out[event.year] = "; ".join(x for x in (out.get(event.year), event.note) if x)
    return out


def _num(x: float) -> str:
    return number(x, 2 if abs(x) < 10 else 1, sign=True)


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _table(header: list[str], body: list[list[str]], classes: str = "ba-table") -> str:
    """An HTML table; cells are HTML already (escape text with :func:`_e`)."""
    head = "".join(f"<th>{h}</th>" for h in header)
    rows_ = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in body)
    return f'<table class="{classes}"><thead><tr>{head}</tr></thead><tbody>{rows_}</tbody></table>'


HEADLINE_ROWS = (("alignment (−1 Russia … +1 West)", "alignment", "{:+.2f}"),
                 ("Russia's share of trade", "russia_trade_share", "pct"),
                 ("EU's share of trade", "eu_trade_share", "pct"),
                 ("China's share of trade", "china_trade_share", "pct"),
                 ("unrest (0–1)", "unrest", "{:.2f}"))


def headline_html(model: BalancingModel, year: int | None = None, kept: BalancingModel | None = None,
                  seconds: float | None = None) -> str:
    """The headline panel: the year shown, the key outputs' medians and bands (and A's medians when
    ``kept``), the sliders moved, and how long the rerun took."""
    h = headline(model, year)
    scenario = model.balancing_scenario
    a = headline(kept, h["year"]) if kept is not None and kept.start_year <= h["year"] <= kept.year else None
    body = []
    for label, key, fmt in HEADLINE_ROWS:
        med, lo, hi = h[key]
        show = percent if fmt == "pct" else fmt.format
        row = [_e(label), f'<b class="ba-value" data-output="{key}">{_e(show(med))}</b>', _e(f"{show(lo)} to {show(hi)}")]
        if kept is not None:
            row.append(f'<span class="ba-kept" data-output="{key}">{_e(show(a[key][0])) if a else "–"}</span>')
        body.append(row)
    s = h["sanctions"]
    header = ["in " + str(h["year"]), "median" + (" (B)" if kept is not None else ""), "90% of worlds"]
    if kept is not None:
        header.append("median (A)")
    ran = "" if seconds is None else (f" Rerun in {seconds:.2f} s." if seconds > 0 else " (kept from before)")
    parts = [f'<h3 class="ba-year">Year {h["year"]}</h3>',
             f"<p><b>{_e(scenario.title)}</b><br>{h['worlds']:,} worlds from {model.start_year} to {model.end_year}, "
             f"seed {model.seed}.{_e(ran)}</p>",
             _table(header, body),
             f"<p>EU sanctions: none in {percent(s[0])} of worlds, targeted in {percent(s[1])}, broad in {percent(s[2])}. "
             f"Minsk cracked down in {h['year']} in {percent(h['crackdown'])} of worlds.</p>"]
    moved = getattr(model, "ui_overrides", None)
    if moved:
        items = "".join(f"<li>{_e(SLIDERS.get(pid, pid))}: <b>{_e(format_number(v))}</b></li>" for pid, v in moved.items())
        parts.append(f"<p>Sliders moved for this run:</p><ul>{items}</ul>")
    else:
        parts.append("<p>Sliders moved for this run: none (the scenario's own values).</p>")
    parts.append("<p class='ba-help'><b>How to use:</b> pick a scenario and move the sliders on the left: every change "
                 "reruns all the worlds at once. <b>Keep as A</b> freezes these settings; then move sliders (B) and "
                 "each chart shows A (black, dashed) beside B. The year slider picks the year of these numbers "
                 "and of Minsk's choices.</p>")
    return "".join(parts)


def decisions_html(model: BalancingModel, year: int | None = None) -> str:
    """The decision-trace panel: Minsk's options, utility terms, probabilities and choice in the sample world."""
    year = year_shown(model, year)
    decisions = minsk_decisions(model, year)
    if not decisions:
        first = max(model.base_year + 1, model.start_year)
        return (f"<h3>Minsk's choices</h3><p>No decisions in {year}: the first are those of {first}. "
                "Move the year slider.</p>")
    parts = [f"<h3>Minsk's choices in {year}</h3>",
             f"<p>In world {TRACE_WORLD + 1} of {model.replicates:,}. Each option's total utility is the sum of the "
             "terms below it; the option is drawn with the logit probability (✔ marks the one taken).</p>"]
    for d in decisions:
        options = d["options"]
        header = ["utility term"] + [_e(OPTION_TEXT.get(o, o)) + (" ✔" if o == d["chosen"] else "") for o in options]
        body = []
        for term, row in d["table"].iterrows():
            if term == "probability":
                body.append(["<b>probability</b>"] + [f"<b>{percent(x)}</b>" for x in row])
            elif term == "total utility":
                body.append(["<b>total utility</b>"] + [f"<b>{_num(x)}</b>" for x in row])
            else:
                body.append([_e(term)] + [_num(x) if abs(x) > 1e-12 else "0" for x in row])
        everyone = ""
        if d["shares"]:
            everyone = " — in all worlds: " + ", ".join(f"{_e(OPTION_TEXT.get(o, o))} {percent(x)}"
                                                        for o, x in d["shares"].items())
        taken = float(d["table"].loc["probability", d["chosen"]])
        dice = f" <i>{_e(against_the_odds(taken))}</i>" if taken < AGAINST_THE_ODDS else ""
        parts.append(f"<p class='ba-decision'><b>{_e(d['label'])}: {_e(OPTION_TEXT.get(d['chosen'], d['chosen']))}"
                     f"</b>{dice}{everyone}</p>")
        parts.append(_table(header, body, "ba-table ba-trace"))
    return "".join(parts)


def sources_html(values: Mapping[str, float] | None = None, registry: Registry | None = None,
                 sources: Mapping[str, Source] | None = None) -> str:
    """The evidence behind each slider: meaning, range, value now (``values``), and the quotes or the assumption."""
    registry = registry or REGISTRY
    sources = sources or SOURCES
    parts = ["<h3>What the sliders rest on</h3>"]
    for pid, label in SLIDERS.items():
        p = registry[pid]
        now = f"; now <b>{_e(format_number(values[pid]))}</b>" if values and pid in values else ""
        items = []
        if p.assumption:
            items.append(f"<li><b>ASSUMPTION:</b> {_e(p.assumption)}</li>")
        for c in p.citations:
            short = sources[c.doc].short if c.doc in sources else c.doc
            items.append(f"<li>{_e(short)}: “{_e(c.quote)}”</li>")
        parts.append(f"<p><b>{_e(label)}</b> (<code>{_e(pid)}</code>, {_e(p.unit)}): {_e(p.meaning)}. "
                     f"Range {_e(p.range_text())}, registry value {_e(p.value_text())}{now}.</p><ul>{''.join(items)}</ul>")
    return "".join(parts)


def scenario_html(model: BalancingModel | Scenario) -> str:
    """The chosen scenario: title, description, events, what it leaves out and discussion questions."""
    s = model if isinstance(model, Scenario) else model.balancing_scenario
    parts = [f"<h3>{_e(s.title)}</h3>", f"<p>{_e(' '.join(s.description.split()))}</p>"]
    if s.events:
        items = []
        for e in s.events:
            changes = ", ".join([f"{k} = {format_number(v)}" for k, v in e.set.items()]
                                + [f"{k} {'+' if v >= 0 else '−'}{format_number(abs(v))}" for k, v in e.add.items()])
            items.append(f"<li><b>{e.year}</b>: {_e(e.note or '')} <small>({_e(changes)})</small></li>")
        parts.append(f"<p><b>Events</b> (dotted lines on the charts)</p><ul>{''.join(items)}</ul>")
    if s.leaves_out:
        parts.append("<p><b>What this scenario leaves out</b></p><ul class='ba-leaves-out'>"
                     + "".join(f"<li>{_e(x)}</li>" for x in s.leaves_out) + "</ul>")
    if s.questions:
        parts.append("<p><b>Questions</b></p><ul class='ba-questions'>"
                     + "".join(f"<li>{_e(q)}</li>" for q in s.questions) + "</ul>")
    parts.append("<p><small>Diamonds on the charts: the values observed 2015-2025 (seeds/record.yaml), with "
                 "error bars where the record flags a figure as uncertain; squares above the sanctions chart: "
                 "the observed level; triangles on the unrest chart: years the record codes a crackdown.</small></p>")
    if SCENARIO_PROBLEMS:
        parts.append("<p><small>Not in the list because they do not load: "
                     + "; ".join(_e(problem) for problem in SCENARIO_PROBLEMS.values()) + "</small></p>")
    return "".join(parts)


# --------------------------------------------------------------------------- charts

OBSERVED_OUTPUTS = ("sanctions_level", "crackdown", *TRADE_PARTNER_NAMES)


def live_view(model: BalancingModel, year: int | None = None, label: str = "",
              record: Record | None = None) -> live.LiveView:
    """The tables the charts draw, from the model's years run and the record (the figures never see the model)."""
    fans = {output: fan(model, output) for output in ("alignment", "unrest", "unrest_faced", *TRADE_PARTNER_NAMES)}
    seen = observed_tables(record if record is not None else RECORD, OBSERVED_OUTPUTS)
    return live.LiveView(model.start_year, model.end_year, year_shown(model, year), events_by_year(model), fans,
                         level_shares(model), model.params["minsk.unrest_threshold"], seen, label)


_png = live.png


@dataclass
class Shown:
    """Everything the page shows for one setting (and the kept one): HTML panels and chart PNGs."""

    setting: Setting
    kept: Setting | None
    year: int
    years: tuple[int, int]
    seconds: float
    headline: str
    decisions: str
    scenario: str
    sources: str
    differences: str = ""
    charts: dict[str, bytes] = field(default_factory=dict)
    captions: dict[str, str] = field(default_factory=dict)
    error: str = ""


def compute(setting: Setting, kept: Setting | None = None, year: int | None = None,
            cancel: threading.Event | None = None) -> Shown | None:
    """Run (or reuse) the ensembles of ``setting`` and ``kept`` and draw everything the page shows;
    None if ``cancel`` was set on the way (a newer change is coming). Bad settings give ``error``."""
    try:
        model, seconds = run_setting(setting)
        other = run_setting(kept)[0] if kept is not None else None
    except ScenarioError as err:
        text = scenario_html(chosen_scenario(setting.scenario_name)) if setting.scenario_name in SCENARIOS else ""
        return Shown(setting, kept, 0, (0, 0), 0.0, "", "", text, "", error=str(err))
    if cancel is not None and cancel.is_set():
        return None
    year = year_shown(model, year)
    view = live_view(model, year, "B" if other is not None else "")
    kept_view = live_view(other, year, "A") if other is not None else None
    shown = Shown(setting, kept, year, (model.start_year, model.year), seconds,
                  headline_html(model, year, other, seconds), decisions_html(model, year), scenario_html(model),
                  sources_html(setting.values()), differences_text(kept, setting) if kept is not None else "")
    for name, figure_of in live.FIGURES.items():
        if cancel is not None and cancel.is_set():
            return None
        shown.charts[name] = _png(figure_of(view, kept_view))
        shown.captions[name] = live.caption(name, view, kept_view)
    return shown


# --------------------------------------------------------------------------- components

CSS = """
.v-input__slider .v-input__slot { flex-wrap: wrap; }
.v-input__slider .v-input__slot > .v-label { flex: 1 0 100%; max-width: 100%; white-space: normal; height: auto;
  line-height: 1.3; font-size: 13px; margin: 0 0 30px 0; }
.v-input__slider .v-slider__thumb-label-container { display: block !important; }
.ba-controls { padding: 0 8px; }
.ba-panel { max-height: 420px; overflow-y: auto; padding: 0 10px; font-size: 14px; line-height: 1.4; }
.ba-panel h3 { margin: 4px 0 6px 0; font-size: 18px; }
.ba-panel p { margin: 6px 0; }
.ba-panel ul { margin: 2px 0 8px 0; }
.ba-table { border-collapse: collapse; margin: 6px 0; font-size: 13px; }
.ba-table th, .ba-table td { padding: 2px 8px; border-bottom: 1px solid #e0e0e0; text-align: right; }
.ba-table th:first-child, .ba-table td:first-child { text-align: left; }
.ba-help { color: #555; font-size: 13px; }
.ba-diff { font-size: 13px; margin: 4px 0 10px 0; }
.ba-problem { color: #B4420A; font-weight: bold; }
.ba-busy { color: #555; font-size: 13px; min-height: 1.4em; }
.ba-caption { color: #555; font-size: 12px; margin: 0 0 8px 4px; }
.ba-chart, .ba-chart img { max-width: 100%; height: auto; }
"""


def _panel(text: str, classes: str = "ba-panel"):
    return solara.HTML(tag="div", unsafe_innerHTML=text, classes=[classes])


@solara.component
def Controls(scenario_name: str, on_scenario, values: Mapping[str, float], on_slider, year: int | None,
             years: tuple[int, int] | None, on_year, kept: Setting | None, on_keep, on_clear):
    """The left column: scenario, sliders (each takes effect at once), the year shown, A/B."""
    with solara.Column(classes=["ba-controls"]):
        solara.Select("Scenario", values=list(SCENARIOS), value=scenario_name, on_value=on_scenario)
        for pid, spec in make_sliders(REGISTRY, SOURCES, values).items():
            kind = solara.SliderInt if spec.integer else solara.SliderFloat
            kind(spec.label, value=spec.value, min=spec.min, max=spec.max, step=spec.step,
                 on_value=lambda v, pid=pid: on_slider(pid, v))
        if years is not None and years[1] > years[0]:
            solara.SliderInt("Year shown (headline and Minsk's choices)", value=year if year is not None else years[1],
                             min=years[0], max=years[1], step=1, on_value=on_year)
        with solara.Row():
            solara.Button("Keep as A", on_click=on_keep, color="primary")
            if kept is not None:
                solara.Button("Clear A", on_click=on_clear)


@solara.component
def Page():
    """The page: the controls on the left; every change reruns the ensemble in a worker thread and redraws."""
    scenario_name, set_scenario_name = solara.use_state(DEFAULT_SCENARIO)
    values, set_values = solara.use_state(dict(STARTS))
    year, set_year = solara.use_state(None)
    kept, set_kept = solara.use_state(None)
    last = solara.use_ref(None)
    setting = Setting.of(scenario_name, values)

    def on_scenario(name):
        chosen_scenario(name)  # only the page's names: the browser never names a file
        set_scenario_name(name)
        set_values(start_values(SCENARIOS[name], REGISTRY))
        set_year(None)

    def on_slider(pid, value):
        set_values(lambda now: {**now, pid: value})

    def work(cancel: threading.Event):
        return compute(setting, kept, year, cancel)

    result = solara.use_thread(work, dependencies=[setting, kept, year], intrusive_cancel=False)
    if result.state == solara.ResultState.FINISHED and result.value is not None:
        last.current = result.value
    shown: Shown | None = last.current
    busy = result.state in (solara.ResultState.STARTING, solara.ResultState.RUNNING)

    solara.Style(CSS)
    solara.Title(TITLE)
    with solara.Columns([1, 3]):
        Controls(scenario_name, on_scenario, values, on_slider, year, shown.years if shown else None, set_year,
                 kept, lambda: set_kept(setting), lambda: set_kept(None))
        with solara.Column():
            solara.HTML(tag="h2", unsafe_innerHTML=_e(TITLE))
            solara.HTML(tag="div", unsafe_innerHTML=f"Running {UI_REPLICATES:,} worlds…" if busy else "",
                        classes=["ba-busy"])
            if result.state == solara.ResultState.ERROR:
                _panel(f"<p class='ba-problem'>{_e(result.error)}</p>")
            if shown is None:
                return
            if shown.error:
                _panel(f"<p class='ba-problem'>{_e(shown.error)}</p>")
                _panel(shown.scenario)
                return
            if shown.kept is not None:
                solara.HTML(tag="div", unsafe_innerHTML=_e(shown.differences), classes=["ba-diff"])
            with solara.Columns([1, 1]):
                _panel(shown.headline)
                _panel(shown.decisions)
            for pair in (("alignment", "trade"), ("sanctions", "unrest")):
                with solara.Columns([1, 1]):
                    for name in pair:
                        with solara.Column():
                            solara.Image(shown.charts[name], format="png", classes=["ba-chart"])
                            solara.HTML(tag="div", unsafe_innerHTML=_e(shown.captions[name]),
                                        classes=["ba-caption"])
            with solara.Columns([1, 1]):
                _panel(shown.scenario)
                _panel(shown.sources)
