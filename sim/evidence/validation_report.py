"""docs/validation.md: the hindcast, the pattern checks, calibration and sensitivity, and the model's limits.

``sim hindcast --report`` regenerates the file; nothing in it is written by hand.
:func:`pattern_checks` (from :mod:`sim.evidence.patterns`, where the criteria are declared)
runs the ensembles behind the six patterns of docs/ODD.md (section 1) and measures them;
:func:`build_report` gathers the data once (:class:`ReportData`) and each section function words it; it turns a :class:`sim.hindcast.Hindcast`, the checks, the
newest calibration report (``results/calibration/*/report.json``), the ABC-SMC fit
(``abc.json`` beside the posterior given with ``--posterior``, else the newest ``results/calibration/*/abc.json``)
and the newest sensitivity table (``results/sensitivity/**/*.csv``), when they exist, into
Markdown. A failed check or a missed observation is listed as such.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

import pandas as pd

from sim.inputs.errors import ScenarioError
from sim.evidence import patterns
from sim.outputs import paths
from sim.outputs.atomic import write_text
from sim.evidence.hindcast import Hindcast, display_path, format_scores, model_text, observed_text, where_text
from sim.inputs.registry import format_number, load_registry, load_sources

DEFAULT_REPORT = paths.VALIDATION_REPORT
CALIBRATION_DIR = paths.CALIBRATIONS
SENSITIVITY_DIR = paths.SENSITIVITY
PATTERN_REPLICATES = patterns.REPLICATES
PATTERN_SEED = patterns.SEED
ID_COLUMNS = ("parameter", "id", "param", "name", "names")
INDEX_COLUMNS = ("ST", "mu_star", "S1", "importance", "sensitivity", "index")


# --------------------------------------------------------------------------- pattern checks


# The patterns and their measurement are declared in sim.evidence.patterns (read by the tests too).
Check = patterns.Check
pattern_checks = patterns.pattern_checks


# --------------------------------------------------------------------------- calibration and sensitivity


def newest(paths: Sequence[Path]) -> Path | None:
    paths = [p for p in paths if p.is_file()]
    return max(paths, key=lambda p: p.stat().st_mtime) if paths else None


CALIBRATION_KEYS = ("parameters", "loss_registry", "loss_proposed", "check_registry", "check_proposed")


def load_calibration(path: str | Path | None = None) -> tuple[dict[str, Any] | None, str]:
    """The calibration report (given, or the newest under results/calibration/) and where it came from."""
    if path is not None:
        path = Path(path)
        if path.is_dir():
            path = path / "report.json"
    else:
        path = newest(sorted(CALIBRATION_DIR.glob("*/report.json")))
        if path is None:
            return None, f"no calibration report found under {CALIBRATION_DIR}/"
    return _read_json(path, CALIBRATION_KEYS, "the calibration report", "a calibration report of `sim calibrate`",
                      "its report.json or folder"), display_path(path)


def _read_json(path: Path, keys: tuple[str, ...], what: str, kind: str, hint: str) -> dict[str, Any]:
    """A JSON file written by `sim calibrate`, refused in one line when unreadable or missing one of ``keys``."""
    try:
        content = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ScenarioError(str(path), f"cannot read {what}: {err}") from None
    missing = [key for key in keys if not isinstance(content, dict) or key not in content]
    if missing:
        raise ScenarioError(str(path), f"not {kind} (missing {', '.join(missing[:4])}); give {hint}")
    return content


ABC_KEYS = ("origin", "parameters", "distance_registry", "distance_posterior", "statistics")


def load_abc(path: str | Path | None = None) -> tuple[dict[str, Any] | None, str]:
    """The ABC-SMC fit of ``sim calibrate --method abc`` (``abc.json`` in ``path``'s folder, or beside the
    posterior table ``path``; else the newest under results/calibration/) and where it came from."""
    if path is not None:
        path = Path(path)
        path = path / "abc.json" if path.is_dir() else path.parent / "abc.json" if path.name != "abc.json" else path
    else:
        path = newest(sorted(CALIBRATION_DIR.glob("*/abc.json")))
        if path is None:
            return None, f"no ABC fit found under {CALIBRATION_DIR}/"
    return _read_json(path, ABC_KEYS, "the ABC fit", "the abc.json of `sim calibrate --method abc`",
                      "its posterior.csv or folder"), display_path(path)


def load_sensitivity(path: str | Path | None = None, top: int = 10) -> tuple[pd.DataFrame | None, str]:
    """The most influential parameters from a sensitivity table (given, or the newest CSV under
    results/sensitivity/ with a parameter column and an index column); largest index first."""
    candidates = [Path(path)] if path is not None else \
        paths.sweep_sensitivity_tables()
    if path is None:
        candidates = sorted(candidates, key=lambda p: p.stat().st_mtime, reverse=True)
    for candidate in candidates:
        try:
            table = pd.read_csv(candidate)
        except (OSError, pd.errors.ParserError, UnicodeDecodeError) as err:
            if path is not None:
                raise ScenarioError(str(candidate), f"cannot read the sensitivity table: {err}") from None
            continue
        id_col = next((c for c in ID_COLUMNS if c in table.columns), None)
        index_col = next((c for c in INDEX_COLUMNS if c in table.columns), None)
        if id_col is None or index_col is None:
            if path is not None:
                raise ScenarioError(str(candidate), f"a sensitivity table needs a parameter column "
                                                    f"({', '.join(ID_COLUMNS)}) and an index column "
                                                    f"({', '.join(INDEX_COLUMNS)})")
            continue
        grouped = table.groupby(id_col)[index_col].max().sort_values(ascending=False).head(top)
        out = grouped.reset_index().rename(columns={id_col: "parameter", index_col: "index"})
        out["measure"] = index_col
        label = next((c for c in ("label", "outcome", "output") if c in table.columns), None)
        outputs = ", ".join(sorted(map(str, table[label].dropna().unique()))) if label else ""
        if len(outputs) > 300:
            outputs = outputs[:297] + "..."
        return out, display_path(candidate) + (f" (largest over outcome columns: {outputs})" if outputs else "")
    return None, (f"no sensitivity analysis result found (looked for results/*/sweep-*/indices.csv and CSV files "
                  f"under {SENSITIVITY_DIR}/)")


# --------------------------------------------------------------------------- Markdown


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    return out


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 42nd ..."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass
class ReportData:
    """Everything docs/validation.md says, gathered once; the section functions below only word it."""

    hindcast: Hindcast
    checks: Sequence[Check]
    calibration: tuple[dict | None, str]
    sensitivity: tuple[pd.DataFrame | None, str]
    command: str
    pattern_replicates: int
    pattern_seed: int
    proposal: tuple[Hindcast, list[Check]] | None
    sources: dict
    registry: Any
    when: str
    abc: tuple[dict | None, str] = (None, "")  # the ABC-SMC fit (abc.json) and where it came from
    summary: Sequence[str] = ()  # further "In short" lines (section 6's, from sim.evidence.forecast_report)

    @property
    def r(self):
        return self.hindcast.result

    @property
    def s(self) -> dict:
        return self.hindcast.scores

    @property
    def table(self) -> pd.DataFrame:
        return self.hindcast.table

    @property
    def events(self) -> pd.DataFrame:
        scored = self.table[self.table["scored"]]
        return scored[scored["kind"] == "event"]

    @property
    def misses(self) -> pd.DataFrame:
        return self.events[self.events["verdict"] != "agrees"]

    @property
    def passed(self) -> list[Check]:
        return [c for c in self.checks if c.passed]

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    @property
    def n_happened(self) -> int:
        return int((self.events["observed"] == 1).sum())


def build_report(hindcast: Hindcast, checks: Sequence[Check], calibration: tuple[dict | None, str],
                 sensitivity: tuple[pd.DataFrame | None, str], command: str, pattern_replicates: int,
                 pattern_seed: int, proposal: tuple[Hindcast, list[Check]] | None = None,
                 abc: tuple[dict | None, str] = (None, ""), summary: Sequence[str] = ()) -> str:
    """The text of docs/validation.md; ``proposal`` is the hindcast and checks rerun at a calibration's proposal,
    ``abc`` the ABC-SMC fit, ``summary`` further lines for "In short"."""
    data = ReportData(hindcast, checks, calibration, sensitivity, command, pattern_replicates, pattern_seed, proposal,
                      load_sources(), load_registry(hindcast.result.scenario.get("registry")),
                      datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), abc, tuple(summary))
    return render(data)


def render(data: ReportData) -> str:
    """The document: every section in order, as Markdown."""
    lines: list[str] = []
    for section in SECTIONS:
        lines += section(data)
    return "\n".join(lines) + "\n"


def _header_section(d: ReportData) -> list[str]:
    """Title, the generated-by note and what the numbers come from."""
    command = d.command
    when = d.when
    r = d.r
    hindcast = d.hindcast
    pattern_replicates = d.pattern_replicates
    pattern_seed = d.pattern_seed
    L: list[str] = []
    w = L.append
    w("# Validation: how the model does on what already happened")
    w("")
    w(f"<!-- Generated by `{command}` on {when}. Do not edit by hand: rerun the command. -->")
    w("")
    w(f"Generated by `{command}` on {when}, from the hindcast ensemble ({r.replicates} worlds, seed {r.seed}), "
      f"the pattern checks ({pattern_replicates} worlds per scenario, seed {pattern_seed}), "
      f"`{display_path(hindcast.observed_path)}`, and the newest calibration and sensitivity results if any. "
      "Every number below comes from that run; rerun the command after changing the model, the registry or the "
      "observations.")
    fit, where = d.abc
    if fit is not None:
        folder = Path(where).parent.as_posix()
        w("")
        w(f"The ABC fit it reads (`{where}`, with `posterior.csv` beside it) is output, not part of the repository "
          f"(`results/` is git-ignored). To reproduce this file, write it first with `sim calibrate --method abc "
          f"--origin {fit['origin']} --seed {fit.get('seed')} --population {fit.get('population')} --generations "
          f"{len(fit.get('generations') or [])} --replicates {fit.get('worlds')} --out {folder}` (pyabc's single-core "
          "sampler: the same seed gives the same posterior), then run the command above.")
    w("")
    return L


def _summary_section(d: ReportData) -> list[str]:
    """In short: the scores, the misses, the patterns and calibration in one list."""
    s = d.s
    misses = d.misses
    hindcast = d.hindcast
    table = d.table
    checks = d.checks
    passed = d.passed
    failed = d.failed
    calibration = d.calibration
    proposal = d.proposal
    registry = d.registry
    events = d.events
    L: list[str] = []
    w = L.append
    w("## In short")
    w("")
    w(f"- **Hindcast 2015-2025.** Brier score of the model's event forecasts: **{s['brier_model']:.3f}** over "
      f"{s['events']} scored events, against {s['brier_naive']:.3f} for a naive 50% forecast and "
      f"{s['brier_base_rate']:.3f} for the 2015 base rate (\"nothing changes\"); skill "
      f"{s['skill_vs_naive']:+.2f} and {s['skill_vs_base_rate']:+.2f}. The model gives at least 50% to "
      f"{s['events_agree']} of the {s['events']} outcomes the seeds report.")
    if len(misses):
        w(f"- **Missed:** {'; '.join(_miss_text(hindcast, m) for m in misses.itertuples())}.")
    proj = table[(table["role"] == "outcome") & (table["evidence"] == "projection")]
    for row in proj.itertuples():
        w(f"- **Projection (not scored):** `{row.id}`: the seeds' projection {format_number(row.observed)} falls at "
          f"the {_ordinal(round(row.percentile))} percentile of the ensemble (median {row.model:.2f}, 90% band "
          f"{row.p05:.2f} to {row.p95:.2f}).")
    failing = ", ".join(f"{c.pattern} ({c.claim})" for c in failed)
    w(f"- **Patterns.** {len(passed)} of {len(checks)} pattern criteria hold"
      + (f"; failing: {failing}." if failed else "."))
    report_, _where = calibration
    if report_ is not None:
        line = (f"- **Calibration** (`sim calibrate`, {len(report_['parameters'])} parameters): in-sample loss "
                f"{report_['loss_registry']:.3f} -> {report_['loss_proposed']:.3f} "
                f"({report_['check_registry']:.3f} -> {report_['check_proposed']:.3f} with fresh random numbers)")
        if proposal is not None:
            lost_n = sum(c.passed and not p.passed for c, p in zip(checks, proposal[1]))
            line += (f"; at the proposal the hindcast Brier score is {proposal[0].scores['brier_model']:.3f} and "
                     f"{lost_n} pattern criteria are lost" + (" (section 3), so it should not be accepted as it is."
                                                              if lost_n else "."))
        accepted = [p["id"] for p in report_["parameters"]
                    if p["changed"] and p["id"] in registry and registry[p["id"]].value == p["proposed"]]
        w(line + (f" Accepted into the registry since: {', '.join(accepted)}." if accepted else
                  " The registry does not contain the proposal; it is a diff to review."))
    fit, _fit_where = d.abc
    if fit is not None:
        w(f"- **Calibration by ABC-SMC** (`sim calibrate --method abc --origin {fit['origin']}`, "
          f"{len(fit['parameters'])} parameters, fitted to the record's {fit['statistics']} figures up to "
          f"{fit['origin']} only): in-sample distance {fit['distance_registry']:.2f} at the registry values, "
          f"{fit['distance_posterior']:.2f} at the posterior medians (section 3); out of sample, section 6.")
    if report_ is None and fit is None:
        w("- **Calibration:** none run yet (`sim calibrate`).")
    L.extend(d.summary)
    n_implied = int((events["evidence"] == "implied").sum())
    n_happened = int((events["observed"] == 1).sum())
    one_sided = ("all of them *happened* (the seeds report what happened, not what did not), so a model that makes "
                 "things happen scores well" if n_happened == len(events) else
                 f"{n_happened} of them happened and {len(events) - n_happened} did not")
    w(f"- **How much this proves: little.** {len(events)} scored events, mostly qualitative; {one_sided}; "
      f"{n_implied} of them are readings of what a seed implies rather than states. The seeds say nothing about "
      "2017-2023 except through the 2024 newsletter. Most of the model's numbers are assumptions (section 5).")
    w("")
    return L


def _hindcast_section(d: ReportData) -> list[str]:
    """Section 1: the hindcast table, scores, definitions and observations."""
    hindcast = d.hindcast
    r = d.r
    table = d.table
    s = d.s
    sources = d.sources
    L: list[str] = []
    w = L.append
    w("## 1 Hindcast 2015-2025")
    w("")
    w(f"Scenario `{display_path(hindcast.scenario_path)}`: {' '.join(str(r.scenario.get('description', '')).split())}")
    w("")
    w(_events_text(r.scenario))
    w("")
    w("| observation | years | role | evidence | observed | model | where | verdict |")
    w("|---|---|---|---|---|---|---|---|")
    for _, row in table.iterrows():
        w("| " + " | ".join(_md(x) for x in (
            f"`{row['id']}`", row["years"], row["role"], row["evidence"], observed_text(row),
            model_text(row), where_text(row), row["verdict"])) + " |")
    w("")
    w("*model*: for an event, the share of worlds in which it happened in that year (or at least once in the "
      "window); for a quantity, the ensemble median and its 5-95% band. *where*: for an event, `base` is the "
      "\"nothing changes\" forecast; for a quantity, `pct` is the percentile of the observed value in the ensemble "
      "(0 or 100: every world on one side).")
    w("")
    w("```")
    w(format_scores(s))
    w("```")
    w("")
    w("**Definitions.**")
    w("")
    w("- *Scored* observations are the outcomes: not the 2015 starting picture (`initial`, set by the registry, "
      "so it only checks that the model starts where the seeds say), not the imposed drivers (`input`: the war, "
      "elections), and not projections (forecasts quoted by the seeds, shown for comparison).")
    w("- *Brier score*: the mean of (p - o)^2 over the scored events, o = 1 if the event happened, 0 if not. "
      "0 is perfect, 0.25 is what a 50% forecast always scores, 1 is certain and wrong.")
    w("- *Base rate (\"nothing changes\")*: the forecast that the 2015 state persists: p = the share of worlds in "
      "which the event's indicator holds in the ensemble's 2015 row (the registry's starting picture, identical "
      "in every world, so 0 or 1), for every year of the observation's window. In 2015 Minsk's foreign move is "
      "+1 (the six releases), every other move is 0, EU sanctions are in force and there is no war; so this "
      "forecast says: sanctions stay, Minsk keeps taking steps West, Moscow never cuts, Brussels never eases.")
    w("- *Skill* = 1 - Brier(model) / Brier(reference): 1 perfect, 0 no better than the reference, below 0 worse.")
    w("- *Percentile*: mid-rank, 100 x (worlds below + half the worlds equal) / worlds.")
    w("")
    w("**Observations and their sources** (`seeds/observed.yaml`; every quote verbatim, checked by the tests):")
    w("")
    for obs in hindcast.observations:
        cites = "; ".join(f"{sources[c.doc].short if c.doc in sources else c.doc}: \"{_md(c.quote)}\""
                          for c in obs.citations)
        note = f" *Reading:* {_md(obs.note)}" if obs.note else ""
        w(f"- `{obs.id}` ({obs.years_text}, {obs.evidence}): {_md(obs.meaning)}. {cites}.{note}")
    w("")
    w("**Not in the observed list, on purpose.** The seeds do not report the 2020 election, protests or crackdown "
      "(the 2024 newsletter says only that the East-West oscillation worked \"before 2020\"), the year the war "
      "began (the hindcast imposes 2022 as a marked external shock), any number for 2017-2023, the threefold rise "
      "of exports to China (a 2015 projection of exports, not of the trade share), or the IMF loan (only under "
      "negotiation). Nor do they give political prisoners, alignment or subsidy numbers for 2024, so the "
      "newsletter's picture enters only as the events above.")
    w("")
    return L


def _patterns_section(d: ReportData) -> list[str]:
    """Section 2: the pattern criteria (sim.evidence.patterns) and what fails."""
    pattern_replicates = d.pattern_replicates
    pattern_seed = d.pattern_seed
    checks = d.checks
    failed = d.failed
    L: list[str] = []
    w = L.append
    w("## 2 Patterns the model reproduces, and the ones it does not")
    w("")
    w(f"Each pattern of docs/ODD.md (section 1) measured on a fresh ensemble ({pattern_replicates} worlds per "
      f"scenario, seed {pattern_seed}), with the criteria declared in `sim/evidence/patterns.py` (the pattern tests "
      "check the same criteria on the same worlds). The criteria test direction and timing, not size.")
    w("")
    L += _table(("pattern", "claim", "scenario", "measure", "value", "criterion", "result"),
                [(c.pattern, c.claim, c.scenario, c.measure, c.value, c.criterion,
                  "reproduced" if c.passed else "**NOT reproduced**") for c in checks])
    w("")
    if failed:
        items = [f"{c.pattern}: {c.claim} ({c.scenario}: {c.measure} = {c.value}, criterion {c.criterion})"
                 for c in failed]
        w(f"**Not reproduced:** {'; '.join(items)}.")
    else:
        w("Every pattern criterion holds.")
    p6 = [c for c in checks if c.pattern == "P6" and c.scenario == "hindcast_2015" and not c.expected]
    if p6 and not p6[0].passed:
        w("")
        w(f"P6 is the newsletter's \"return to the balancing act\". In the hindcast, with only the war imposed, the "
          f"model's Minsk keeps drifting East (mean alignment 2025 vs 2023: {p6[0].value}): in the model the war "
          "adds a pull East (Minsk's war-loyalty term), Moscow's war-ally term favours more integration pressure and "
          "Brussels's war-complicity term favours sanctions; at the registry values the pulls back toward the "
          "centre (the balance preference, sanctions relief) do not outweigh them. "
          "`scenarios/return_to_balance.yaml` gets a turn only by imposing the 2024 changes (a subsidy cut, more "
          "weight on balance, less on war loyalty). The newsletter describes a wish and a plan, not an accomplished "
          "return, so this is not a failed hindcast of a fact; it is a pattern the model does not produce "
          "without being told.")
    w("")
    return L


def _calibration_section(d: ReportData) -> list[str]:
    """Section 3: the newest calibration, and the proposal rerun through this report."""
    calibration = d.calibration
    registry = d.registry
    proposal = d.proposal
    checks = d.checks
    s = d.s
    passed = d.passed
    L: list[str] = []
    w = L.append
    w("## 3 Calibration")
    w("")
    report, where = calibration
    fit, fit_where = d.abc
    if fit is not None:
        L += _abc_lines(fit, fit_where, registry)
    if report is None and fit is None:
        w(f"No calibration has been run ({where}). Run `sim calibrate` (default: five ASSUMPTION parameters, "
          "about a minute) or `sim calibrate --method abc --origin 2019` and regenerate this file.")
    elif report is None:
        w(f"No fit of the other methods (`sim calibrate`, to `seeds/observed.yaml`): {where}.")
    else:
        w(f"From `{where}` ({report.get('created', '?')}): `sim calibrate` fitted {len(report['parameters'])} "
          f"ASSUMPTION parameter(s) by {report['method']} ({report['evaluations']} evaluations of "
          f"{report['replicates']} worlds with common random numbers, seed {report['seed']}) to the scored "
          "observations, the 2016 growth projection (half weight) and pattern P1. The proposal is a diff of "
          "`seeds/parameters.yaml` next to the report; it is not applied.")
        w("")
        rows = []
        for p in report["parameters"]:
            now = registry[p["id"]].value if p["id"] in registry else float("nan")
            status = "in the registry now" if now == p["proposed"] and p["changed"] else \
                "unchanged" if not p["changed"] else "proposed, not accepted"
            edge = " (edge of range)" if p.get("edge") and p["changed"] else ""
            rows.append((f"`{p['id']}`", format_number(p["registry"]),
                         f"{format_number(p['low'])} to {format_number(p['high'])}",
                         format_number(p["proposed"]) + edge, status))
        L += _table(("parameter", "registry value at the fit", "range", "proposed", "status"), rows)
        w("")
        w(f"Loss (0 perfect): {report['loss_registry']:.4f} at the registry values, {report['loss_proposed']:.4f} "
          f"at the proposal (same random numbers); with fresh random numbers ({report['check_replicates']} worlds, "
          f"seed {report['check_seed']}): {report['check_registry']:.4f} and {report['check_proposed']:.4f}.")
        w("")
        L += _table(("term", "weight", "registry", "proposed"),
                    [(k, f"{report['weights'][k]:.2g}", f"{v:.4f}", f"{report['terms_proposed'][k]:.4f}")
                     for k, v in report["terms_registry"].items()])
        w("")
        if proposal is not None:
            ph, pchecks = proposal
            ps = ph.scores
            lost = [c for c, p in zip(checks, pchecks) if c.passed and not p.passed]
            gained = [c for c, p in zip(checks, pchecks) if not c.passed and p.passed]
            w(f"**The proposal, rerun through this report** (same worlds and seeds as above): hindcast Brier score "
              f"{ps['brier_model']:.3f} (registry {s['brier_model']:.3f}), {ps['events_agree']} of {ps['events']} "
              f"events agree (registry {s['events_agree']}); pattern criteria holding: "
              f"{sum(p.passed for p in pchecks)} of {len(pchecks)} (registry {len(passed)})."
              + (f" Lost: {'; '.join(f'{c.pattern} ({c.claim}; {c.measure}: {p.value}, criterion {c.criterion})' for c, p in zip(checks, pchecks) if c in lost)}."
                 if lost else " No pattern criterion is lost.")
              + (f" Gained: {'; '.join(f'{c.pattern} ({c.claim})' for c in gained)}." if gained else "")
              + (" The proposal buys the hindcast with patterns the seeds also report: do not accept it as it is."
                 if lost else ""))
            w("")
        edges = [p["id"] for p in report["parameters"] if p.get("edge") and p["changed"]]
        w("How to read it: the fit is in-sample (the same handful of observations the hindcast scores), the "
          "targets are few and mostly 0/1, the one number among them (2016 growth) is a projection, not an "
          "outturn, and each parameter was fitted only within its registry range. "
          + (f"Parameters pushed to the edge of their range ({', '.join(f'`{e}`' for e in edges)}) say that the "
             "targets want more than the registry finds plausible: a sign of a missing mechanism, not a value to "
             "accept. " if edges else "")
          + "Accepting the diff is a modelling decision for a person, to be recorded with an assumption text.")
    w("")
    return L


def _abc_lines(fit: dict, where: str, registry) -> list[str]:
    """Section 3's part on the ABC-SMC fit: what was fitted to what, the posterior, the in-sample distance."""
    origin = fit["origin"]
    L: list[str] = []
    w = L.append
    generations = fit.get("generations") or []
    w(f"From `{where}` ({fit.get('created', '?')}): `sim calibrate --method abc --origin {origin}` fitted "
      f"{len(fit['parameters'])} ASSUMPTION parameter(s) by pyabc's ABC-SMC ({fit.get('population', '?')} particles, "
      f"{len(generations)} generations, {fit.get('simulations', '?')} simulations of {fit.get('worlds', '?')} worlds, "
      f"seed {fit.get('seed', '?')}) to the public record's {fit['statistics']} figures after the base year and up "
      f"to {origin} only (`{fit.get('record_path', 'seeds/record.yaml')}`; distance: docs/ODD.md 6.1). Each "
      "parameter's prior is the registry's over its plausible range. The posterior table (`posterior.csv`) is "
      "what `--parameter-uncertainty posterior:PATH` draws from; the posterior medians are a diff of "
      "`seeds/parameters.yaml` beside it (`registry.diff`), not applied.")
    w("")
    rows = []
    for p in fit["parameters"]:
        now = registry[p["id"]].value if p["id"] in registry else float("nan")
        status = "in the registry now" if p.get("changed") and now == p.get("proposed") else \
            "unchanged" if not p.get("changed") else "proposed, not accepted"
        rows.append((f"`{p['id']}`", format_number(p["registry"]), f"{format_number(p['low'])} to "
                     f"{format_number(p['high'])}", f"{p['p50']:.3g}", f"{p['p05']:.3g} to {p['p95']:.3g}",
                     format_number(p.get("proposed", p["p50"])), status))
    L += _table(("parameter", "registry value at the fit", "range", "posterior median", "posterior 5% to 95%",
                 "proposed", "status"), rows)
    w("")
    w(f"Distance to the record's figures up to {origin} (in-sample; fresh random numbers, seed "
      f"{fit.get('check_seed', '?')}): {fit['distance_registry']:.3f} at the registry values, "
      f"{fit['distance_posterior']:.3f} at the posterior medians"
      + (" (tolerance by generation: " + ", ".join(f"{g['epsilon']:.3g}" for g in generations) + ")"
         if generations else "") + ". A smaller in-sample distance is not evidence: section 6 scores the "
      f"forecast made at {origin} with the posterior on the record after {origin}, beside the prior and the "
      "registry values.")
    w("")
    return L


def _sensitivity_section(d: ReportData) -> list[str]:
    """Section 4: the most influential parameters of a sensitivity sweep."""
    sensitivity = d.sensitivity
    registry = d.registry
    L: list[str] = []
    w = L.append
    w("## 4 Most influential parameters")
    w("")
    sens, where = sensitivity
    if sens is None:
        w(f"Not available: {where}. When a sensitivity sweep (Sobol or Morris with SALib over each parameter's "
          "`low`/`high`) has written its `indices.csv` (a parameter column and an index column, `ST`, `mu_star` or "
          "`S1`), found under `results/` or given with `--sensitivity PATH`, its top parameters appear here. "
          "Until then, which parameters drive the hindcast is not known; section 8 of docs/ODD.md warns that the "
          "magnitudes should not be read without it.")
    else:
        w(f"From `{where}`, the largest `{sens['measure'].iloc[0]}` per parameter:")
        w("")
        L += _table(("parameter", sens["measure"].iloc[0], "source"),
                    [(f"`{row.parameter}`", f"{row.index:.3g}",
                      ("ASSUMPTION" if registry[row.parameter].assumption else "cited")
                      if row.parameter in registry else "?") for row in sens.itertuples()])
    w("")
    return L


def _limits_section(d: ReportData) -> list[str]:
    """Section 5: the known limits of the hindcast and of the model."""
    registry = d.registry
    table = d.table
    s = d.s
    n_happened = d.n_happened
    L: list[str] = []
    w = L.append
    n_assumed = sum(1 for p in registry.values() if p.assumption)
    w("## 5 Known limits")
    w("")
    w("Of the hindcast:")
    w("")
    n_q = int(((table["kind"] == "quantity") & (table["role"] == "outcome")).sum())
    w(f"- **Few, one-sided observations.** {s['events']} scored events, {n_happened} of which happened; "
      f"{n_q} outcome quantity value(s), of which {s['projections']} projection(s). With {s['events']} events, one "
      f"event moving from P = 0.4 to 0.9 changes the Brier score by {0.35 / max(s['events'], 1):.2f}.")
    w("- **Readings, not facts.** The pre-2020 oscillation and the 2024 confrontation are what the newsletter "
      "implies, encoded as the model's events (moves both ways in 2016-2019; sanctions in force in 2024). Another "
      "reading would give other numbers.")
    w("- **Hindsight in the inputs.** The war from 2022 is imposed, and in the model it switches on Minsk's "
      "war loyalty, Moscow's war-ally pressure and wartime support, Russia's war demand, the territory access that "
      "Brussels's war-complicity terms read, and the years-of-war fades: most of what the model does after 2021 "
      "follows from that one input.")
    later_year = re.compile(r"(?<!2015-)\b(201[6-9]|202[0-9])\b")  # not the documents' "2015-2016"
    hindsight = [p.id for p in registry.values() if later_year.search(" ".join(filter(None, (p.assumption, p.note))))]
    w("- **Partly in-sample.** The 2015 picture and the 2016 observations come from the same four documents, and "
      "the EU's 2016 easing is pattern P2, one of the patterns the model was designed to reproduce (docs/ODD.md, "
      "section 1, works the 2016 decision through at the registry values). Only the 2024 newsletter is "
      "independent of the registry, and it is qualitative."
      + (f" Registry texts that mention years after 2015, so the registry is not blind to the hindcast period: "
         f"{', '.join(f'`{h}`' for h in hindsight)}." if hindsight else ""))
    w("")
    w("Of the model (docs/ODD.md, section 8):")
    w("")
    w(f"- {n_assumed} of the {len(registry)} registry parameters are ASSUMPTIONS; the seeds support their signs and "
      "rough order, not their values.")
    w("- The war, Chinese investment, oil and elections are exogenous; the regime cannot fall; elections follow a "
      "fixed calendar; there is no fraud, no opposition, no elites.")
    w("- One step per year and a one-year lag for every reaction: a sequence within one year (an election, "
      "protests, a crackdown and sanctions within months) is spread over two model years.")
    w("- Three sanctions levels and a unitary EU; no US, IMF or NATO as actors; a reduced-form economy without "
      "prices, sectors or the ruble.")
    w("- Energy dependence is an output only; Moscow has no energy-price lever apart from the subsidy.")
    return L


# The document's sections, in order; each is a function of the gathered data.
SECTIONS: list[Callable[[ReportData], list[str]]] = [_header_section, _summary_section, _hindcast_section, _patterns_section, _calibration_section,
                                                     _sensitivity_section, _limits_section]


def _miss_text(hindcast: Hindcast, row) -> str:
    """A missed event with the model's probability in each year of its window."""
    from sim.evidence.hindcast import event_happened

    obs = next(o for o in hindcast.observations if o.id == row.id)
    ts = hindcast.result.timeseries
    yearly = ", ".join(f"{y}: {event_happened(ts, obs.output, y, y).mean():.2f}"
                       for y in range(obs.first_year, obs.year + 1))
    side = "happened" if obs.value == 1 else "did not happen"
    text = f"`{row.id}` ({obs.meaning}; {side}): P = {row.model:.2f}"
    text += f" (per year {yearly})" if obs.first_year != obs.year else ""
    window = ts[(ts["year"] >= obs.first_year) & (ts["year"] <= obs.year)]
    if obs.output == "subsidy_cut" and (window["ukraine_war"] == 1).any():
        text += (". In war years the model's Moscow pays a wartime ally (`war_ally_support`, fading each war year) "
                 "and, with sanctions in force, keeps an isolated ally afloat (`isolation_leverage`, docs/ODD.md 7.7); "
                 "here these outweigh the cost of support, the opposite of what the newsletter reports")
    return text


def _events_text(scenario: dict[str, Any]) -> str:
    events = scenario.get("events", [])
    if not events:
        return "Scenario events: none."
    parts = []
    for e in events:
        ops = ", ".join([f"set {k} = {format_number(v)}" for k, v in e.get("set", {}).items()]
                        + [f"add {format_number(v)} to {k}" for k, v in e.get("add", {}).items()])
        parts.append(f"{e['year']}: {ops} ({' '.join(e.get('note', '').split())})")
    return "Scenario events: " + "; ".join(parts) + ". No other event; nothing on Minsk, Moscow, Brussels or trade."


def write_report(hindcast: Hindcast, path: str | Path | None = None, *, calibration: str | Path | None = None,
                 sensitivity: str | Path | None = None, pattern_replicates: int = PATTERN_REPLICATES,
                 pattern_seed: int = PATTERN_SEED, command: str = "sim hindcast --report",
                 progress: Callable[[str], None] | None = None, extra_sections: Sequence[str] = (),
                 abc: str | Path | None = None, summary: Sequence[str] = ()) -> Path:
    """Run the pattern checks and write the report (default docs/validation.md); return its path.
    ``extra_sections`` (Markdown) follow the report's own sections, ``summary`` lines join "In short";
    ``abc`` is the ABC fit's posterior table or folder (default: the newest abc.json under results/calibration/)."""
    path = Path(path) if path is not None else DEFAULT_REPORT
    if progress:
        progress("running the pattern checks ...")
    # One registry for the whole document: the one the hindcast ran with (`sim --registry` included).
    registry = load_registry(hindcast.result.scenario.get("registry"))
    fit = load_calibration(calibration)  # bad inputs fail before the slow pattern checks
    abc_fit = load_abc(abc)
    sensitivity_table = load_sensitivity(sensitivity)
    checks = pattern_checks(pattern_replicates, pattern_seed, registry=registry)
    proposal = None
    changes = {p["id"]: p["proposed"] for p in (fit[0] or {}).get("parameters", []) if p["changed"]}
    if changes:
        from sim.evidence.hindcast import run_hindcast

        if progress:
            progress("rerunning the hindcast and the pattern checks at the calibration's proposal ...")
        try:
            rerun = run_hindcast(hindcast.scenario_path, hindcast.observed_path, replicates=hindcast.result.replicates,
                                 seed=hindcast.result.seed, overrides=changes, registry=registry)
        except ScenarioError as err:  # a proposal from an older registry may no longer fit it
            raise ScenarioError(fit[1], f"cannot rerun the proposal: {err}") from None
        proposal = (rerun, pattern_checks(pattern_replicates, pattern_seed, overrides=changes, registry=registry))
    text = build_report(hindcast, checks, fit, sensitivity_table, command, pattern_replicates, pattern_seed,
                        proposal, abc=abc_fit, summary=summary) + "".join(extra_sections)
    return write_text(path, text, key="--report-path")
