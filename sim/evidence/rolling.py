"""Rolling-origin validation: the forecast made at an origin, scored on every record figure after it.

``sim hindcast --origin YEAR`` runs :func:`run_origin_hindcast`: the forecast of the hindcast scenario
(``scenarios/hindcast_2015.yaml``: the registry's model with the war from 2022 as an external shock, the one
driver after an origin that the forecast is told) conditioned on the record up to the origin, the same
forecast with all three actors choosing at random, and the scores of both against persistence and
climatology (:mod:`sim.evidence.skill`). The random-actor null runs in the same parameter mode: the three
rationalities are scenario overrides, so under ``prior`` or ``posterior:PATH`` they stay at 0 while every other
drawn value is the model's, world by world (the draws' streams depend on the seed and the world alone). Oil and Russia's growth after the origin are the model's own draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.evidence.forecast import DEFAULT_REPLICATES, RANDOM_ACTORS, conditioning_text, forecast
from sim.evidence.skill import Scores, question_table, reliability, scores_text, summarize_scores
from sim.inputs.record import Record, load_record
from sim.inputs.registry import load_registry
from sim.inputs.resources import SCENARIOS_DIR

DEFAULT_SCENARIO = SCENARIOS_DIR / "hindcast_2015.yaml"
DEFAULT_SEED = 20151011  # the hindcast scenario's own seed
REPORT_ORIGINS = (2015, 2019, 2025)  # 2025: the present, as far as the filter gets
# The report's seeds: the first is the hindcast scenario's own (its tables and per-question lines); all of them
# give the spread of the scores over chance (how far one run's score is from another's).
REPORT_SEEDS = (DEFAULT_SEED, 1, 2)


@dataclass
class OriginHindcast:
    origin: int
    result: Any  # the forecast's Result
    null: Any  # the random-actor forecast's Result
    table: pd.DataFrame
    scores: dict[str, Scores]
    scenario_path: Path

    def reliability(self) -> pd.DataFrame:
        return reliability(self.table)

    def text(self) -> str:
        r = self.result
        head = (f"Forecast made at {self.origin}, scored on the record {self.origin + 1}-{r.years[-1]} "
                f"({len(self.table)} questions)\nscenario {self.scenario_path.name}; {r.replicates} worlds, seed "
                f"{r.seed}; random-actor null: {', '.join(f'{p}=0' for p in RANDOM_ACTORS)}")
        lines = [head, conditioning_text(r), scores_text(self.scores), questions_text(self.table)]
        return "\n\n".join(lines)


def questions_text(table: pd.DataFrame) -> str:
    """One line per question: what happened, the model's forecast and the score of model and references."""
    header = ("question", "observed", "model forecast", "model", "persist", "climate", "random")
    lines = [header]
    for _, row in table.iterrows():
        if row["kind"] == "event":
            observed = "yes" if row["observed"] == 1 else "no"
            given = f"P = {row['model']:.2f}"
        else:
            observed = f"{row['observed']:.3g}"
            given = f"median {row['median']:.3g}"
        lines.append((row["id"], observed, given, *(_score(row[f"{n}_score"]) for n in
                                                    ("model", "persistence", "climatology", "random_actors"))))
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    out = ["  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip() for line in lines]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "scores per question (events: Brier; quantities: CRPS on the series' scale; lower is better)\n" + \
        "\n".join(out)


def _score(x: float) -> str:
    return "-" if pd.isna(x) else f"{x:.3f}"


def run_origin_hindcast(origin: int, scenario: str | Path | None = None, replicates: int | None = None,
                        seed: int | None = None, record: Record | str | Path | None = None, registry=None,
                        overrides: dict[str, float] | None = None,
                        parameter_uncertainty: str = "chance") -> OriginHindcast:
    """The forecast at ``origin`` and its random-actor twin, scored on every record figure after ``origin``;
    both with ``parameter_uncertainty`` (chance, prior or posterior:PATH: the filter then keeps the draws that
    fit the record up to the origin)."""
    registry = registry or load_registry()
    if not isinstance(record, Record):
        record = load_record(record, registry=registry)
    scenario_path = Path(scenario) if scenario is not None else DEFAULT_SCENARIO
    replicates = replicates if replicates is not None else DEFAULT_REPLICATES
    seed = seed if seed is not None else DEFAULT_SEED
    end_year = max(record.last_year(), origin)
    common = dict(end_year=end_year, replicates=replicates, seed=seed, record=record, registry=registry,
                  parameter_uncertainty=parameter_uncertainty)
    result = forecast(origin, scenario_path, overrides=overrides, **common)
    null = forecast(origin, scenario_path, overrides={**(overrides or {}), **{p: 0.0 for p in RANDOM_ACTORS}},
                    **common)
    table = question_table(result.timeseries, null.timeseries, record, origin)
    return OriginHindcast(origin, result, null, table, summarize_scores(table), scenario_path)
