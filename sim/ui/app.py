"""The ``sim ui`` page: Mesa's SolaraViz over an ensemble of Belarus worlds.

Run it with ``sim ui [SCENARIO.yaml] [--port P]`` (or ``solara run sim.ui.app``). The
left panel is Mesa's: Reset / Play / Step, then the model parameters: a scenario
chosen from a fixed list (the project's ``scenarios/`` folder, or the one file given
on the command line; the browser never sends a path) and sliders for the main
registry parameters, each labelled with its source or ``ASSUMPTION``. The main area
shows this year's headline numbers, Minsk's decision trace in one sample world, fan
charts of alignment, trade shares, sanctions and unrest over the years, the scenario
text and the evidence behind every slider.

The helpers above the components are plain functions of a model or the registry,
tested in ``tests/ui/test_ui.py``; the components only lay their results out.
"""

from __future__ import annotations

import html
import math
import os
import warnings
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd
import solara
from matplotlib.figure import Figure

with warnings.catch_warnings():  # Mesa 3.3's ComponentsView trips Solara's hook check (fixed in Mesa 3.5)
    warnings.filterwarnings("ignore", message=r".*found despite early return", category=UserWarning)
    from mesa.visualization import Slider, SolaraViz

from sim.common.formats import number, percent
from sim.common.names import excerpt
from sim.common.variables import SANCTIONS_LEVELS, TRADE_PARTNER_NAMES
from sim.explain.terms import DECISIONS
from sim.figures import live
from sim.inputs.errors import ScenarioError, did_you_mean
from sim.model.model import BalancingModel
from sim.inputs.registry import Parameter, Registry, Source, format_number, load_registry, load_sources
from sim.inputs.resources import SCENARIOS_DIR
from sim.inputs.scenario import Scenario, load_scenario
from sim.ui import REGISTRY_ENV, SCENARIO_ENV

PROJECT_SCENARIOS = SCENARIOS_DIR
UI_REPLICATES = 200  # a modest ensemble: a step takes milliseconds
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


def scenario_files(given: str | Path | None = None, folder: Path = PROJECT_SCENARIOS) -> dict[str, Path]:
    """The scenarios the page offers, by name (file stem): only ``given`` if set, else ``folder/*.yaml``
    with the baseline first."""
    if given:
        path = Path(given)
        return {path.stem: path}
    paths = sorted(folder.glob("*.yaml"), key=lambda p: (p.stem != "baseline", p.stem))
    return {p.stem: p for p in paths}


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


def make_sliders(registry: Registry, sources: Mapping[str, Source], starts: Mapping[str, float],
                 ids: Mapping[str, str] = SLIDERS) -> dict[str, Slider]:
    """One Mesa ``Slider`` per main parameter: range low..high from the registry, labelled with its evidence."""
    sliders = {}
    for pid, label in ids.items():
        p = registry[pid]
        step = slider_step(p.low, p.high, starts[pid], p.integer)
        unit = f" [{p.unit}]" if p.unit else ""
        kind = int if p.integer else float
        sliders[pid] = Slider(f"{label}{unit} — {caption(p, sources)}", value=kind(starts[pid]), min=kind(p.low),
                              max=kind(p.high), step=kind(step) if p.integer else step, dtype=kind)
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
SCENARIOS, SCENARIO_PROBLEMS = load_choices(scenario_files(os.environ.get(SCENARIO_ENV) or None), REGISTRY)
if not SCENARIOS:
    raise ScenarioError(os.environ.get(SCENARIO_ENV) or str(PROJECT_SCENARIOS),
                        "no scenario loads: " + "; ".join(SCENARIO_PROBLEMS.values()))
DEFAULT_SCENARIO = next(iter(SCENARIOS))
STARTS = start_values(SCENARIOS[DEFAULT_SCENARIO], REGISTRY)


class BalancingAct(BalancingModel):
    """``BalancingModel`` as the page builds it: a scenario by name from the page's list, slider values by id.

    Mesa's Reset button calls ``BalancingAct(**model_parameters)``. ``scenario`` is ignored: Mesa 3.5's
    Reset passes its own experimental Scenario object, while this page picks scenarios by name.
    """

    def __init__(self, scenario_name: str = DEFAULT_SCENARIO, replicates: int = UI_REPLICATES,
                 scenario: Any = None, **kwargs: float):
        if scenario_name not in SCENARIOS:
            raise ScenarioError("sim ui", f"unknown scenario{did_you_mean(scenario_name, SCENARIOS)}; choose one of "
                                          f"{', '.join(SCENARIOS)}", key="scenario")
        chosen = SCENARIOS[scenario_name]
        self.ui_scenario_name = scenario_name
        self.ui_overrides = slider_overrides(kwargs, REGISTRY, STARTS)
        super().__init__(chosen, replicates=int(replicates), parameters=self.ui_overrides,
                         trace_replicates=TRACE_WORLD + 1)


def model_params() -> dict[str, Any]:
    """Mesa's ``model_params``: the scenario dropdown, the fixed ensemble size and the sliders."""
    return {
        "scenario_name": {"type": "Select", "value": DEFAULT_SCENARIO, "values": list(SCENARIOS),
                          "label": "Scenario"},
        "replicates": UI_REPLICATES,
        **make_sliders(REGISTRY, SOURCES, STARTS),
    }


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


def headline(model: BalancingModel) -> dict[str, Any]:
    """This year's numbers: median and 90% band of the key outputs, sanctions and crackdown shares."""
    now = model.year - model.base_year
    out: dict[str, Any] = {"year": model.year, "worlds": model.replicates}
    for name in ("alignment", "russia_trade_share", "eu_trade_share", "china_trade_share", "unrest"):
        values = model.history[name][now]
        out[name] = tuple(float(x) for x in np.percentile(values, [50, 5, 95]))
    level = np.round(model.history["sanctions_level"][now])
    out["sanctions"] = {lvl: float((level == lvl).mean()) for lvl in SANCTIONS_LEVELS}
    out["crackdown"] = float(model.history["crackdown"][now].mean())
    return out


def minsk_decisions(model: BalancingModel, world: int = TRACE_WORLD) -> list[dict[str, Any]]:
    """Minsk's decisions this year in one world: per decision the utility terms of each option, the
    total, the choice probabilities, the option taken, and how all worlds chose."""
    trace = model.decision_trace()
    if trace.empty:
        return []
    now = trace[(trace.year == model.year) & (trace.agent == "minsk") & (trace.replicate == world)]
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
            moves = model.history[output][model.year - model.base_year]
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


def headline_html(model: BalancingModel) -> str:
    """The 'this year' panel: the year, the key outputs' medians and bands, the slider settings in force."""
    h = headline(model)
    scenario = model.balancing_scenario
    body = []
    for label, key, fmt in HEADLINE_ROWS:
        med, lo, hi = h[key]
        show = percent if fmt == "pct" else fmt.format
        body.append([_e(label), f'<b class="ba-value" data-output="{key}">{_e(show(med))}</b>',
                     _e(f"{show(lo)} to {show(hi)}")])
    s = h["sanctions"]
    parts = [f'<h3 class="ba-year">Year {h["year"]}</h3>',
             f"<p><b>{_e(scenario.title)}</b><br>{h['worlds']} worlds, from {model.start_year} to {model.end_year}.</p>",
             _table(["this year", "median", "90% of worlds"], body),
             f"<p>EU sanctions: none in {percent(s[0])} of worlds, targeted in {percent(s[1])}, broad in {percent(s[2])}. "
             f"Minsk cracked down this year in {percent(h['crackdown'])} of worlds.</p>"]
    moved = getattr(model, "ui_overrides", None)
    if moved:
        items = "".join(f"<li>{_e(SLIDERS.get(pid, pid))}: <b>{_e(format_number(v))}</b></li>" for pid, v in moved.items())
        parts.append(f"<p>Sliders moved for this run:</p><ul>{items}</ul>")
    else:
        parts.append("<p>Sliders moved for this run: none (the scenario's own values).</p>")
    parts.append("<p class='ba-help'><b>How to use:</b> pick a scenario and set the sliders on the left, then press "
                 "<b>RESET</b> to start new worlds with them. <b>STEP</b> moves one year on; <b>▶</b> plays to the "
                 "end.</p>")
    return "".join(parts)


def decisions_html(model: BalancingModel) -> str:
    """The decision-trace panel: Minsk's options, utility terms, probabilities and choice in the sample world."""
    decisions = minsk_decisions(model)
    if not decisions:
        first = max(model.base_year + 1, model.start_year)
        return (f"<h3>Minsk's choices</h3><p>No decisions shown yet in {model.year}: the first are those of "
                f"{first}. Press <b>STEP</b>.</p>")
    parts = [f"<h3>Minsk's choices in {model.year}</h3>",
             f"<p>In world {TRACE_WORLD + 1} of {model.replicates}. Each option's total utility is the sum of the "
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
        parts.append(f"<p class='ba-decision'><b>{_e(d['label'])}: {_e(OPTION_TEXT.get(d['chosen'], d['chosen']))}"
                     f"</b>{everyone}</p>")
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


def scenario_html(model: BalancingModel) -> str:
    """The chosen scenario: title, description, events and discussion questions."""
    s = model.balancing_scenario
    parts = [f"<h3>{_e(s.title)}</h3>", f"<p>{_e(' '.join(s.description.split()))}</p>"]
    if s.events:
        items = []
        for e in s.events:
            changes = ", ".join([f"{k} = {format_number(v)}" for k, v in e.set.items()]
                                + [f"{k} {'+' if v >= 0 else '−'}{format_number(abs(v))}" for k, v in e.add.items()])
            items.append(f"<li><b>{e.year}</b>: {_e(e.note or '')} <small>({_e(changes)})</small></li>")
        parts.append(f"<p><b>Events</b> (dotted lines on the charts)</p><ul>{''.join(items)}</ul>")
    if s.questions:
        parts.append("<p><b>Questions</b></p><ul>" + "".join(f"<li>{_e(q)}</li>" for q in s.questions) + "</ul>")
    if SCENARIO_PROBLEMS:
        parts.append("<p><small>Not in the list because they do not load: "
                     + "; ".join(_e(problem) for problem in SCENARIO_PROBLEMS.values()) + "</small></p>")
    return "".join(parts)


# --------------------------------------------------------------------------- charts


def live_view(model: BalancingModel) -> live.LiveView:
    """The tables the charts draw, from the model's years so far (the figures never see the model)."""
    fans = {output: fan(model, output) for output in ("alignment", "unrest", *TRADE_PARTNER_NAMES)}
    return live.LiveView(model.start_year, model.end_year, model.year, events_by_year(model), fans,
                         level_shares(model), model.params["minsk.unrest_threshold"])


def alignment_figure(model: BalancingModel) -> Figure:
    return live.alignment_figure(live_view(model))


def trade_figure(model: BalancingModel) -> Figure:
    return live.trade_figure(live_view(model))


def sanctions_figure(model: BalancingModel) -> Figure:
    return live.sanctions_figure(live_view(model))


def unrest_figure(model: BalancingModel) -> Figure:
    return live.unrest_figure(live_view(model))


_png = live.png


# --------------------------------------------------------------------------- components (functions of the model)

def _chart(figure_of):
    def component(model):
        return solara.Image(_png(figure_of(model)), format="png", classes=["ba-chart"])

    component.__name__ = figure_of.__name__.replace("_figure", "_chart")
    return component


def _panel(text: str):
    return solara.HTML(tag="div", unsafe_innerHTML=text, classes=["ba-panel"])


def ThisYear(model):
    """This year's headline numbers and how to use the page."""
    return _panel(headline_html(model))


def DecisionTrace(model):
    """Minsk's decisions this year in the sample world."""
    return _panel(decisions_html(model))


def ScenarioText(model):
    """The chosen scenario's description, events and questions."""
    return _panel(scenario_html(model))


def SliderSources(model):
    """The evidence behind each slider, with the values of this run."""
    return _panel(sources_html({pid: model.params[pid] for pid in SLIDERS}))


COMPONENTS = [ThisYear, DecisionTrace, _chart(alignment_figure), _chart(trade_figure),
              _chart(sanctions_figure), _chart(unrest_figure), ScenarioText, SliderSources]

CSS = """
.v-input__slider .v-input__slot { flex-wrap: wrap; }
.v-input__slider .v-input__slot > .v-label { flex: 1 0 100%; max-width: 100%; white-space: normal; height: auto;
  line-height: 1.3; font-size: 13px; margin: 0 0 30px 0; }
.v-input__slider .v-slider__thumb-label-container { display: block !important; }
.ba-panel { max-height: 370px; overflow-y: auto; padding: 0 10px; font-size: 14px; line-height: 1.4; }
.ba-panel h3 { margin: 4px 0 6px 0; font-size: 18px; }
.ba-panel p { margin: 6px 0; }
.ba-panel ul { margin: 2px 0 8px 0; }
.ba-table { border-collapse: collapse; margin: 6px 0; font-size: 13px; }
.ba-table th, .ba-table td { padding: 2px 8px; border-bottom: 1px solid #e0e0e0; text-align: right; }
.ba-table th:first-child, .ba-table td:first-child { text-align: left; }
.ba-help { color: #555; font-size: 13px; }
.ba-chart, .ba-chart img { max-width: 100%; height: auto; }
"""


@solara.component
def Page():
    """The page: Mesa's SolaraViz with this app's model, parameters and panels (one model per browser tab)."""
    model = solara.use_memo(lambda: BalancingAct(scenario_name=DEFAULT_SCENARIO), [])
    solara.Style(CSS)
    solara.Title(TITLE)
    SolaraViz(model, components=COMPONENTS, model_params=model_params(), name=TITLE, play_interval=300)
