"""BalancingModel: Minsk, Moscow and Brussels in one ``mesa.Model``, many worlds at once.

One instance simulates ``replicates`` independent worlds: each agent holds its
state as numpy arrays over the replicate axis, and one ``step()`` advances all
worlds by one year. The schedule of a year (docs/ODD.md, section 3):

1. scenario events that change parameters from this year on;
2. the world's exogenous drivers (oil, Russia's growth, war, elections ...),
   then any jolts to them;
3. society: legitimacy and unrest from last year's economy and this year's
   election, then jolts to agent state;
4. all three agents decide on the same picture (Brussels also on Minsk's crackdown
   decided this year), then act;
5. the economy: trade shares, energy dependence, growth; regime security;
6. recording of every output in ``sim.variables.OUTPUTS``.

The model runs from the registry's base year (2015); a scenario starting later
is simulated from 2015 and recorded from its start year.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from typing import Any, Mapping

import mesa
import numpy as np
import pandas as pd

from sim.model.agents import Brussels, Minsk, Moscow
from sim.model.choice import Decision, LazyTerm
from sim.model.economy import TRADE_PARTNERS, Economy, Society, World
from sim.model.streams import PointStreams
from sim.inputs.errors import ScenarioError
from sim.inputs.runspec import DEFAULT_HORIZON_YEARS, DEFAULT_TRACE_REPLICATES, RunSpec  # noqa: F401 (re-exported)
from sim.inputs.timeline import Domain, parameter_changes, value_in_year
from sim.common.variables import OUTPUTS, STATE_VARIABLES

TRACE_KEYS = ["replicate", "year", "agent", "decision", "option"]  # the columns that name a row of the trace


class BalancingModel(mesa.Model):
    """Belarus between Moscow and Brussels, yearly, for an ensemble of worlds.

    Args:
        scenario: a :class:`sim.inputs.runspec.RunSpec` (then nothing else is given), or a validated
            ``sim.scenario.Scenario``; None runs the registry defaults from the base year with no events.
        replicates: number of worlds (default: the scenario's, else 1).
        seed: seed of the model's numpy generator (default: the scenario's,
            else fresh entropy, kept in ``self.seed`` so the run can be repeated).
        end_year: last simulated year (default: the scenario's, else base year + 15).
        parameters: registry overrides ``{dotted id: value}``, validated like a scenario's.
        trace_replicates: how many worlds keep a full decision trace.
        **overrides: further registry overrides by dotted id, so that
            ``mesa.batch_run(BalancingModel, parameters={"minsk.unrest_threshold": [...]})`` works.
    """

    def __init__(
        self,
        scenario=None,
        replicates: int | None = None,
        seed: int | None = None,
        end_year: int | None = None,
        parameters: Mapping[str, float] | None = None,
        trace_replicates: int = DEFAULT_TRACE_REPLICATES,
        **overrides: float,
    ):
        if isinstance(scenario, RunSpec):
            spec = scenario
            if (replicates, seed, end_year, parameters) != (None,) * 4 or overrides:
                raise ScenarioError("BalancingModel", "a RunSpec is complete; change it with spec.replace(...)",
                                    key="scenario")
        else:
            spec = RunSpec.resolve(scenario, replicates=replicates, seed=seed, end_year=end_year,
                                   parameters=parameters, trace_replicates=trace_replicates, **overrides)
        super().__init__(rng=spec.seed)
        self._build(spec)

    def _build(self, spec: RunSpec) -> None:
        """Lay out the worlds' state in the base year from a resolved run."""
        self.spec = spec
        self.seed = spec.seed
        # Not `self.scenario`: Mesa 3.5 models have a `scenario` property of their own.
        self.balancing_scenario = spec.scenario
        self.registry = spec.registry
        self.params: dict[str, Any] = dict(spec.params)
        self.base_year, self.start_year, self.end_year = spec.base_year, spec.start_year, spec.end_year
        self.replicates = spec.replicates
        # Where chance comes from: Mesa's generator, or one generator per group of worlds (sweep points).
        self.streams = PointStreams(spec.streams, spec.worlds_per_stream) if spec.streams else self.rng
        self.events_by_year: dict[int, list] = defaultdict(list)
        for event in spec.events:
            self.events_by_year[event.year].append(event)
        # Parameter changes by id, in the order sim.inputs.timeline applies them (the rule readers use too).
        self.parameter_changes = parameter_changes(spec.events, self.params)
        self._jolted: set[str] = set()  # state jolted this year, by output name (for the decision trace)
        self._seen: dict[str, np.ndarray] = {}  # what the traced worlds see when they decide this year
        self._floats: dict[int, tuple] = {}  # whole-number state converted to floats (as_float)

        self.year = self.base_year
        self._apply_parameter_events(self.year)
        self.world = World(self.params, self.replicates)
        self.economy = Economy(self.params, self.replicates)
        # Agents are created in the order they act within a phase.
        self.minsk = Minsk(self)
        self.moscow = Moscow(self)
        self.brussels = Brussels(self)
        self._apply_state_jolts(self.year, prefix="world.")
        self._apply_state_jolts(self.year, exclude_prefix="world.")
        self.regime_security = Society.regime_security(self.params, self.minsk)

        self.history = {name: np.empty((spec.years, self.replicates)) for name in OUTPUTS}
        self.trace_replicates = min(spec.trace_replicates, spec.worlds_per_stream)
        self.traced_worlds = _traced_worlds(self.trace_replicates, spec.trace_worlds, self.replicates)
        worlds = np.array(self.traced_worlds, dtype=np.int64)
        # The usual trace keeps the first worlds: a slice then takes them without an index array.
        self._traced_at = slice(0, len(worlds)) if len(worlds) and worlds[-1] == len(worlds) - 1 else worlds
        # What the traced decisions read (their SEES), the only outputs the trace keeps a copy of each year.
        self._seen_outputs = tuple(dict.fromkeys(name for agent in (Minsk, Moscow, Brussels)
                                                 for sees in agent.SEES.values() for name in sees if name in OUTPUTS))
        self.trace: list[dict[str, Any]] = []
        self.datacollector = (mesa.DataCollector(model_reporters={name: _ensemble_mean(name) for name in OUTPUTS})
                              if spec.ensemble_means else _NO_COLLECTION)
        self._whole_means = spec.ensemble_means and not spec.streams  # one mean over all worlds, from _record's sums
        self._record()
        self.running = self.year < self.end_year

    def release(self) -> None:
        """Drop Mesa's class-level record of this model (Mesa 3.3 keeps every model alive in
        ``Agent._ids``, mesa#3179) and the model's per-world state, so that a long sweep's memory stays flat.
        Call it when the model's tables have been taken."""
        ids = getattr(mesa.Agent, "_ids", None)
        if isinstance(ids, dict):
            ids.pop(self, None)
        # A Mesa model refers to itself (its wrapped step method), so it is freed only by a garbage collection,
        # which may come late: drop the per-world arrays now. What stays: the spec, seed, counts, years, the trace.
        for holder in (self.minsk, self.moscow, self.brussels):
            holder.decisions, holder._memos = [], {}
        for holder in (self.minsk, self.moscow, self.brussels, self.world, self.economy):
            for name, value in list(vars(holder).items()):
                if isinstance(value, (np.ndarray, list, Decision)):
                    setattr(holder, name, None)
        self.history, self.params, self._current, self._sums, self._floats = {}, {}, {}, {}, {}
        self.streams = None

    def resample(self, indices) -> None:
        """Keep the worlds ``indices`` (repeats allowed), in that order, for the particle filter of ``sim forecast``.

        Every per-world array travels with its world: the agents' and the world's state (their last
        decisions too), the economy, per-world parameters (in the model and in ``spec``), this year's outputs
        and the recorded history, so a kept world keeps its state, its parameters and its past. The decision
        trace so far is dropped: its worlds are no longer where they were.
        """
        n = self.replicates
        idx = np.asarray(indices)
        if idx.shape != (n,) or not np.issubdtype(idx.dtype, np.integer) or ((idx < 0) | (idx >= n)).any():
            raise ValueError(f"resample needs {n} world indices from 0 to {n - 1}")
        if self.spec.streams:
            raise ValueError("the worlds of a sweep chunk are tied to their points' random streams")
        for holder in (self.minsk, self.moscow, self.brussels, self.world, self.economy):
            for name, value in list(vars(holder).items()):
                if value is not self.params:  # the shared parameter table is reindexed once, below
                    setattr(holder, name, _reindexed(value, idx, n))
        self.params.update({pid: _reindexed(v, idx, n) for pid, v in self.params.items()})
        self.spec = self.spec.replace(params={pid: _reindexed(v, idx, n) for pid, v in self.spec.params.items()})
        self.regime_security = _reindexed(self.regime_security, idx, n)
        self._current = _reindexed(self._current, idx, n)
        self.history = {name: values[:, idx] for name, values in self.history.items()}
        self.trace = []
        self._floats = {}

    # ------------------------------------------------------------------ schedule
    def step(self) -> None:
        """Advance every world by one year."""
        try:
            # Overflow shows as inf or NaN in the state, which _record refuses in one line; no numpy warnings.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                self._step()
        except ValueError as err:  # numpy refusing a draw, e.g. a Poisson mean too large
            raise self._unsafe(f"numpy refused a value ({err})") from None

    def _unsafe(self, what: str) -> ScenarioError:
        """The one-line refusal when parameters outside the proven domains make the state unusable."""
        where = self.balancing_scenario.path if self.balancing_scenario is not None else "BalancingModel"
        return ScenarioError(where, f"the model cannot go on in {self.year}: {what}; the parameter values lie "
                                    "outside the domains the model is proven finite on (those of the shipped "
                                    "seeds/parameters.yaml); nothing was recorded")

    def _step(self) -> None:
        self.year += 1
        self._jolted = set()
        self._apply_parameter_events(self.year)
        self.world.update(self.year, self.streams)
        self._apply_state_jolts(self.year, prefix="world.")
        self.world.count_war_years()
        Society.update(self.params, self.minsk, self.world, self.economy, self.streams)
        self._apply_state_jolts(self.year, exclude_prefix="world.")

        self._seen = self._decision_inputs()
        # Minsk first: Brussels answers a crackdown in the year it happens (Brussels; docs/ODD.md section 3).
        for agent in (self.minsk, self.moscow, self.brussels):
            agent.decide()
        self._seen.update(self._decided_inputs())
        # The decisions' conversions are done with; the acts' (this year's moves) serve next year's decisions.
        self._floats = {}
        self.agents.do("act")

        self.economy.update(self.minsk, self.moscow, self.brussels, self.world, self.streams)
        self.regime_security = Society.regime_security(self.params, self.minsk)
        self._record()
        self.running = self.year < self.end_year

    def run(self) -> "BalancingModel":
        """Step to the end year; return self for chaining."""
        while self.running:
            self.step()
        return self

    def as_float(self, values: np.ndarray) -> np.ndarray:
        """``values`` (an array of whole numbers: the sanctions level, the war, a move) as float64, converted
        once however many terms read it. numpy converts it the same way inside every operation that mixes it
        with floats, so each product is the same bits. Held by the array's identity (the entry keeps the array
        alive, so its id is not reused): state is replaced, never changed in place, so a jolted or resampled
        array is converted anew."""
        hit = self._floats.get(id(values))
        if hit is None or hit[0] is not values:
            hit = self._floats[id(values)] = (values, values.astype(float))
        return hit[1]

    # ------------------------------------------------------------------ events
    def _apply_parameter_events(self, year: int) -> None:
        """Apply this year's parameter changes by the rule of ``sim.inputs.timeline.value_in_year``."""
        for pid, changes in self.parameter_changes.items():
            now = [change for change in changes if change["year"] == year]
            if now:
                self.params[pid] = value_in_year(self.params[pid], now, year, Domain.of(self.registry[pid]))

    def _apply_state_jolts(self, year: int, prefix: str = "", exclude_prefix: str | None = None) -> None:
        """Jolt agent or world state by id (``minsk.unrest``, ``world.oil_price`` ...) for this year only."""
        for event in self.events_by_year.get(year, ()):
            for operation in ("set", "add"):
                for sid, value in getattr(event, operation).items():
                    if sid not in STATE_VARIABLES or not sid.startswith(prefix):
                        continue
                    if exclude_prefix is not None and sid.startswith(exclude_prefix):
                        continue
                    self._jolt(sid, operation, float(value))

    def _jolt(self, state_id: str, operation: str, value: float) -> None:
        spec = STATE_VARIABLES[state_id]
        holder_name, attribute = state_id.split(".", 1)
        holder = getattr(self, holder_name)
        current = getattr(holder, attribute)
        new = np.full_like(current, value, dtype=float) if operation == "set" else current + value
        new = np.clip(new, spec.low, spec.high)
        if spec.integer:
            new = np.round(new)
        setattr(holder, attribute, new.astype(current.dtype))
        self._jolted.add(attribute)  # every jolted attribute is recorded under its own name (sim.common.variables)

    # ------------------------------------------------------------------ recording
    def observe(self) -> dict[str, np.ndarray]:
        """This year's value of every output, one entry per replicate."""
        m, mo, b, w, e = self.minsk, self.moscow, self.brussels, self.world, self.economy
        observed = {
            "alignment": m.alignment,
            "energy_dependence": e.energy_dependence,
            "subsidy_pct_gdp": mo.subsidy_pct_gdp,
            "integration_pressure": mo.integration_pressure,
            "sanctions_level": b.sanctions_level,
            "eu_engagement": b.eu_engagement,
            "repression": m.repression,
            "political_prisoners": m.political_prisoners,
            "prisoners_released": m.prisoners_released,
            "unrest": m.unrest,
            "unrest_faced": m.unrest_faced,
            "mobilization": m.mobilization,
            "regime_threat": m.regime_threat,
            "territory_access": m.territory_access,
            "legitimacy": m.legitimacy,
            "regime_security": self.regime_security,
            "crackdown": m.crackdown,
            "gdp_growth": e.gdp_growth,
            "output_gap": e.output_gap,
            "minsk_foreign_move": m.foreign_move,
            "minsk_domestic_move": m.domestic_move,
            "moscow_subsidy_move": mo.subsidy_move,
            "moscow_pressure_move": mo.pressure_move,
            "brussels_sanctions_move": b.sanctions_move,
            "brussels_engagement_move": b.engagement_move,
            "oil_price": w.oil_price,
            "russia_growth": w.russia_growth,
            "ukraine_war": w.ukraine_war,
            "war_years": w.war_years,
            "china_investment": w.china_investment,
            "election": w.election,
            "campaign": w.campaign,
            "maidan_effect": w.maidan_effect,
        }
        for partner in TRADE_PARTNERS:
            observed[f"{partner}_trade_share"] = e.share(partner)
        return observed

    def _record(self) -> None:
        row = self.year - self.base_year
        self._current = self.observe()
        # Each output's sum over worlds, taken once: the ensemble mean's numerator (``_mean``) and the finiteness
        # check (a sum of finite numbers that is not finite has overflowed: then every value is checked).
        self._sums = sums = {}
        for name, values in self._current.items():
            if values.dtype.kind == "f":
                total = sums[name] = float(np.add.reduce(values))
                # Never write NaN or infinity into a table (whole numbers are always finite).
                if not math.isfinite(total) and not np.isfinite(values).all():
                    raise self._unsafe(f"{name} is not a finite number (NaN or infinite)")
            elif self._whole_means:
                sums[name] = float(np.add.reduce(values, dtype=float))
            self.history[name][row] = values
        self.datacollector.collect(self)
        if self.year > self.base_year:
            self._record_trace()
        self._seen = {}  # only this year's decisions saw it; nothing per world lingers between steps (resample)

    def _decision_inputs(self) -> dict[str, np.ndarray]:
        """What the traced worlds see when they decide: every output a decision reads (its ``SEES``) as it
        stands before anyone acts (positions from the end of last year with this year's jolts, this year's
        drivers and unrest), and Russia's normal growth that the growth terms measure against."""
        if not self.traced_worlds:
            return {}
        worlds, observed = self._traced_at, self.observe()
        seen = {name: np.array(observed[name][worlds]) for name in self._seen_outputs}
        seen["russia_normal_growth"] = np.array(np.broadcast_to(self.world.russia_normal_growth(),
                                                                (self.replicates,))[worlds], dtype=float)
        return seen

    def _decided_inputs(self) -> dict[str, np.ndarray]:
        """What a decision saw that was decided earlier in the same year: Brussels's ``crackdown`` is the one Minsk
        decided this year (the same as this year's recorded crackdown), not the state it entered the year with."""
        if not self.traced_worlds:
            return {}
        return {"crackdown": np.array(self.minsk.crackdown_decided[self._traced_at])}

    def _record_trace(self) -> None:
        if not self.traced_worlds:
            return
        worlds, kept = self.traced_worlds, self._traced_at  # the worlds by index, as a tuple (not per-world state)
        for agent in (self.minsk, self.moscow, self.brussels):
            for decision in agent.decisions:
                sees = agent.SEES[decision.name]
                # The traced worlds' columns only; decision_trace builds the tables when the trace is read.
                self.trace.append({
                    "worlds": worlds,
                    "year": self.year,
                    "decision": decision.kept(kept),
                    "seen": {name: self._seen[name] for name in sees},
                    "jolted": " ".join(name for name in sees if name in self._jolted),
                })

    # ------------------------------------------------------------------ tables
    def recorded_years(self) -> np.ndarray:
        return np.arange(self.start_year, self.year + 1)

    def timeseries(self) -> pd.DataFrame:
        """Tidy table: one row per replicate and year from the start year, one column per output."""
        first = self.start_year - self.base_year
        last = self.year - self.base_year + 1
        years = self.recorded_years()
        columns: dict[str, np.ndarray] = {
            "replicate": np.tile(np.arange(self.replicates), len(years)),
            "year": np.repeat(years, self.replicates),
        }
        for name in OUTPUTS:
            values = self.history[name][first:last]
            columns[name] = values.reshape(-1)
        table = pd.DataFrame(columns)
        return table.sort_values(["replicate", "year"], kind="stable").reset_index(drop=True)

    def yearly_tables(self):
        """Yield (year, table of that year's worlds), one year at a time: for summaries of huge ensembles."""
        for year in self.recorded_years():
            row = year - self.base_year
            table = pd.DataFrame({name: self.history[name][row] for name in OUTPUTS})
            table.insert(0, "year", year)
            table.insert(0, "replicate", np.arange(self.replicates))
            yield int(year), table

    def decision_trace(self) -> pd.DataFrame:
        """One row per traced replicate, year, decision and option: each utility term, the total
        utility, the choice probability, whether the option was taken and whether it could be; then
        what the decision saw (``seen.<output>``, the same on every option's row; empty for state the
        decision does not read) and which of those values a scenario jolt set that year (``jolted``)."""
        pieces = []  # one {column: values} per entry; built column by column (one DataFrame, not one per entry)
        for entry in self.trace:
            if entry["year"] < self.start_year:
                continue
            decision = entry["decision"]
            utility = decision.utility
            k, n_options = utility.shape
            rows = k * n_options
            position = np.repeat(np.arange(k), n_options)  # of the traced world in the entry
            option_index = np.tile(np.arange(n_options), k)
            piece = {
                "replicate": np.asarray(entry["worlds"])[position],
                "year": np.full(rows, entry["year"]),
                "agent": np.full(rows, decision.agent),
                "decision": np.full(rows, decision.name),
                "option": np.asarray(decision.options)[option_index],
            }
            for term, values in decision.terms.items():
                piece[f"term.{term}"] = values.reshape(-1)
            piece["utility"] = utility.reshape(-1)
            piece["probability"] = decision.probabilities.reshape(-1)
            piece["chosen"] = (decision.chosen[position] == option_index).astype(int)
            piece["feasible"] = (np.ones(rows, dtype=int) if decision.feasible is None
                                 else decision.feasible.reshape(-1).astype(int))
            for name, values in entry["seen"].items():
                piece[f"seen.{name}"] = values[position]
            piece["jolted"] = np.full(rows, entry["jolted"])
            pieces.append((rows, piece))
        if not pieces:
            return pd.DataFrame(columns=[*TRACE_KEYS, "utility", "probability", "chosen", "feasible", "jolted"])
        names = list(dict.fromkeys(name for _, piece in pieces for name in piece))
        columns = {}
        for name in names:
            if all(name in piece for _, piece in pieces):
                columns[name] = np.concatenate([piece[name] for _, piece in pieces])
            else:  # a term or a value only some decisions have: empty (NaN) on the others' rows
                columns[name] = np.concatenate([piece[name].astype(float) if name in piece else np.full(rows, np.nan)
                                                for rows, piece in pieces])
        terms = [c for c in names if c.startswith("term.")]
        seen = [c for c in names if c.startswith("seen.")]
        order = [*TRACE_KEYS, *terms, "utility", "probability", "chosen", "feasible", *seen, "jolted"]
        return pd.DataFrame({name: columns[name] for name in order})


def _traced_worlds(first: int, further, n: int) -> tuple[int, ...]:
    """The worlds a trace keeps, in order: the first ``first`` and the ``further`` ones asked for by index
    (a tuple, not an array: it names worlds, it is not a per-world value that resample would reorder)."""
    further = [int(w) for w in further]
    if any(w < 0 or w >= n for w in further):
        raise ScenarioError("BalancingModel", f"must be world indices from 0 to {n - 1}, got {further}",
                            key="trace_worlds")
    return tuple(sorted({*range(first), *further}))


def _reindexed(value, idx: np.ndarray, n: int):
    """``value`` with its worlds (first axis of length ``n``) taken at ``idx``; inside dicts, lists and
    decisions too; anything else unchanged."""
    if isinstance(value, np.ndarray):
        return value[idx] if value.ndim and value.shape[0] == n else value
    if isinstance(value, dict):
        return {key: _reindexed(v, idx, n) for key, v in value.items()}
    if isinstance(value, list):
        return [_reindexed(v, idx, n) for v in value]
    if isinstance(value, tuple):  # a decision's per-option columns
        return tuple(_reindexed(v, idx, n) for v in value)
    if isinstance(value, LazyTerm):
        return value.take(idx) if np.ndim(value.strength) and np.shape(value.strength)[0] == n else value
    if isinstance(value, Decision):
        return dataclasses.replace(value, **{f.name: _reindexed(getattr(value, f.name), idx, n)
                                             for f in dataclasses.fields(value)})
    return value


def _mean(values: np.ndarray) -> float:
    """``float(np.mean(values))`` bit for bit (the same float64 sum, then one division), without its
    per-call overhead: 38 outputs a year."""
    return float(np.add.reduce(values, dtype=float)) / len(values)


class _NoCollection:
    """Stands in for ``mesa.DataCollector`` when nothing reads the ensemble means (``RunSpec.ensemble_means``)."""

    def collect(self, model) -> None:
        return None


_NO_COLLECTION = _NoCollection()


def _ensemble_mean(name: str):
    """A DataCollector reporter: the ensemble mean of one output (its value when replicates == 1); for a
    model holding several sweep points, one mean per point, so that points are never mixed."""

    def report(model: BalancingModel):
        if model.spec.streams:
            return [_mean(part) for part in np.split(model._current[name], len(model.spec.streams))]
        return model._sums[name] / model.replicates  # _mean(values), from the sum _record took

    report.__name__ = f"mean_{name}"
    return report
