"""docs/validation.md, section 6: forecasts made at an origin, scored on the record after it.

:func:`forecast_sections` runs :func:`sim.evidence.rolling.run_origin_hindcast` for each of the report's
origins and seeds and returns the Markdown of the section (tables of scores against persistence, climatology
and random actors for the first seed, one line per question, the effective worlds of the filter, and the
spread of the scores over the seeds) and writes one reliability diagram per origin beside the report
(``validation/reliability-<origin>.png``). Given a posterior of ``sim calibrate --method abc`` (its
``abc.json`` beside it names the origin it was fitted up to), it also scores the forecast from that origin
with chance alone, with the prior and with the posterior, over the same seeds. ``sim hindcast --report``
appends it to the report's own sections.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from sim.evidence.forecast import MIN_EFFECTIVE_WORLDS, RANDOM_ACTORS
from sim.evidence.rolling import REPORT_ORIGINS, REPORT_SEEDS, OriginHindcast, run_origin_hindcast
from sim.evidence.skill import REFERENCES, reliability
from sim.inputs.errors import ScenarioError

FIGURE_FOLDER = "validation"  # beside the report
# From the present (the record's last year): the hindcast scenario (the war goes on) and these variants, each
# applied after the origin, over the next PRESENT_YEARS years. Report settings, not model coefficients.
PRESENT_VARIANTS = ("ceasefire_2026.yaml", "eu_easing_after_releases.yaml")
PRESENT_YEARS = 5
PRESENT_OUTPUTS = ("alignment", "russia_trade_share", "eu_trade_share", "sanctions_level", "political_prisoners",
                   "subsidy_pct_gdp", "gdp_growth")
PRESENT_EVENTS = (("crackdown", "a crackdown", lambda ts: ts["crackdown"] >= 1),
                  ("prisoner_release", "a release of political prisoners", lambda ts: ts["prisoners_released"] > 0),
                  ("sanctions_eased", "the EU eases its sanctions", lambda ts: ts["brussels_sanctions_move"] == -1),
                  ("step_west", "Minsk steps West", lambda ts: ts["minsk_foreign_move"] == 1))


def posterior_origin(path: str | Path) -> int:
    """The origin a posterior table was fitted up to: ``abc.json`` beside it (``sim calibrate --method abc``)."""
    beside = Path(path).parent / "abc.json"
    try:
        origin = json.loads(beside.read_text(encoding="utf-8"))["origin"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
        raise ScenarioError(str(path), f"no readable {beside.name} beside it naming the origin it was fitted up to; "
                                       "give the posterior.csv of a sim calibrate --method abc folder") from None
    if isinstance(origin, bool) or not isinstance(origin, int):
        raise ScenarioError(str(beside), f"origin {origin!r} is not a year", key="origin")
    return origin


def forecast_sections(report_path: str | Path, origins: Sequence[int] = REPORT_ORIGINS, record=None,
                      registry=None, replicates: int | None = None, seed: int | None = None,
                      seeds: Sequence[int] | None = None, posterior: str | Path | None = None,
                      summary: list[str] | None = None) -> list[str]:
    """The Markdown of section 6 (one string), after running and scoring each origin's forecast with each seed
    (default :data:`REPORT_SEEDS`; ``seed`` alone: that one), and, given ``posterior``, the forecast from its
    fitting origin with chance, prior and posterior side by side. Given ``summary``, the section's "In short"
    lines are appended to it."""
    report_path = Path(report_path)
    seeds = tuple(seeds) if seeds else ((seed,) if seed is not None else REPORT_SEEDS)
    fitted = posterior_origin(posterior) if posterior is not None else None
    scored: list[OriginHindcast] = []
    spread: dict[int, list[OriginHindcast]] = {}
    failed: list[tuple[int, str]] = []
    for origin in origins:
        runs = []
        for s in seeds:
            try:
                runs.append(run_origin_hindcast(origin, replicates=replicates, seed=s, record=record,
                                                registry=registry))
            except ScenarioError as err:  # a collapsed filter is a result to report, not a reason to stop
                failed.append((origin, f"(seed {s}) {err}"))
                break
        if len(runs) == len(seeds):
            scored.append(runs[0])
            spread[origin] = runs
    modes: dict[str, list[OriginHindcast]] = {}
    if fitted is not None:
        for label, mode in (("chance only", "chance"), ("prior", "prior"), ("ABC posterior", f"posterior:{posterior}")):
            if mode == "chance" and fitted in spread:
                modes[label] = spread[fitted]
                continue
            try:
                modes[label] = [run_origin_hindcast(fitted, replicates=replicates, seed=s, record=record,
                                                    registry=registry, parameter_uncertainty=mode) for s in seeds]
            except ScenarioError as err:
                failed.append((fitted, f"({label}) {err}"))
    figures = {}
    if scored:
        from sim.figures.evidence import plot_reliability

        for h in scored:
            if h.table.empty:  # the present: nothing after it to score
                continue
            path = report_path.parent / FIGURE_FOLDER / f"reliability-{h.origin}.png"
            null = h.table.assign(model=h.table["random_actors"])
            plot_reliability({"model": h.reliability(), "random actors": reliability(null)}, path,
                             f"Event forecasts made at {h.origin}: reliability")
            figures[h.origin] = path.relative_to(report_path.parent).as_posix()
    present = ""
    from sim.inputs.record import Record, load_record

    loaded = record if isinstance(record, Record) else load_record(record, registry=registry)
    if loaded.last_year() in spread:
        present = _present_section(loaded, registry, replicates, seeds[0], spread[loaded.last_year()][0])
    if summary is not None:
        summary.extend(_summary_lines(spread, modes, fitted))
    return [_section(scored, failed, figures, spread, seeds) + present
            + _posterior_section(modes, fitted, posterior, seeds)]


EVENTS = "events (Brier)"


def _summary_lines(spread: dict[int, list[OriginHindcast]], modes: dict[str, list[OriginHindcast]],
                   fitted: int | None) -> list[str]:
    """Section 6 in a few "In short" lines: each scored origin's event Brier (mean over the seeds) beside its
    three references, and the fitted origin's with the prior and the posterior."""
    def mean(runs, pick) -> float:
        return float(np.mean([pick(h.scores[EVENTS]) for h in runs]))

    lines = []
    for origin, runs in spread.items():
        if runs[0].table.empty or EVENTS not in runs[0].scores:
            continue
        model, null = mean(runs, lambda s: s.model), mean(runs, lambda s: s.references["random_actors"])
        refs = ", ".join(f"{x} {mean(runs, lambda s, x=x: s.references[x]):.3f}" for x in REFERENCES
                         if x != "random_actors")
        lines.append(f"- **Forecast made at {origin}** (section 6; {runs[0].scores[EVENTS].questions} event questions "
                     f"on the record after {origin}, mean over {len(runs)} seeds): Brier **{model:.3f}** against "
                     f"{null:.3f} for the random-actor null ({refs}); it "
                     + ("beats" if model < null else "does **not** beat") + " the null.")
    if fitted is not None and modes:
        parts = [f"{label} {mean(runs, lambda s: s.model):.3f}" for label, runs in modes.items()
                 if all(EVENTS in h.scores for h in runs)]
        if parts:
            lines.append(f"- **Origin {fitted}, registry values, prior and ABC posterior** (out of sample for the "
                         f"fit): event Brier {', '.join(parts)}.")
    return lines


def _g(x: float) -> str:
    """Three significant figures, whole numbers with thousands separators from 100 up (no e-notation)."""
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def _recorded(record, output: str, year: int) -> str:
    """The record's latest figure of ``output`` at or before ``year``, with its year if earlier."""
    for series in record.annual.values():
        if series.observation is not None and series.observation.output == output:
            years = [y for y in series.values if y <= year]
            if years:
                last = max(years)
                return _g(series.values[last]) + ("" if last == year else f" ({last})")
    return "-"


def _band(summary, output: str, year: int) -> str:
    row = summary[(summary["output"] == output) & (summary["year"] == year)]
    if row.empty:
        return "-"
    r = row.iloc[0]
    return f"{_g(r['p50'])} ({_g(r['p05'])} to {_g(r['p95'])})"


def _any_share(timeseries, test, first: int, last: int) -> float:
    """Share of worlds in which ``test`` holds in at least one year first..last (the world's own years)."""
    frame = timeseries.sort_values(["replicate", "year"])
    hits = frame.groupby("replicate", group_keys=False).apply(lambda w: test(w)[(w["year"] >= first)
                                                                                 & (w["year"] <= last)].any())
    return float(hits.mean())


def _present_section(record, registry, replicates, seed, scored: OriginHindcast) -> str:
    """From the present: the conditioned state beside the record, and each variant's next years."""
    from sim.evidence.forecast import forecast
    from sim.inputs.resources import SCENARIOS_DIR

    origin = scored.origin
    end = origin + PRESENT_YEARS
    runs = {"the war goes on (hindcast scenario)": forecast(origin, scored.scenario_path, end_year=end,
                                                             replicates=scored.result.replicates, seed=seed,
                                                             record=record, registry=registry)}
    for name in PRESENT_VARIANTS:
        runs[Path(name).stem] = forecast(origin, SCENARIOS_DIR / name, end_year=end,
                                         replicates=scored.result.replicates, seed=seed, record=record,
                                         registry=registry)
    first = next(iter(runs.values()))
    L: list[str] = []
    w = L.append
    w(f"### From the present: the forecast made at {origin} for {origin + 1}-{end}")
    w("")
    w(f"No figure after {origin} exists yet, so this forecast cannot be scored. The first column is the record; "
      f"the second the worlds conditioned on it up to {origin} (median and 5% to 95%): that they agree is what the "
      f"filter enforces, not evidence. The others are the worlds in {end} under the hindcast scenario (nothing "
      "imposed after the origin: the war goes on) and under two variants whose events the forecast applies after "
      f"{origin}: `scenarios/{PRESENT_VARIANTS[0]}` (the war stops in {origin + 1}) and "
      f"`scenarios/{PRESENT_VARIANTS[1]}` (a mass release in {origin + 1}, EU easing to targeted sanctions in "
      f"{origin + 2}); both are the scenarios' assumptions, not forecasts. The last rows are the shares of worlds "
      f"in which the agents themselves do something in {origin + 1}-{end} (an imposed event is not counted: the "
      f"variant's own EU easing is not an EU move). {first.replicates} worlds, seed {first.seed}, chance only.")
    w("")
    header = ["outcome", f"record {origin}", f"conditioned {origin}", *(f"{n}, {end}" for n in runs)]
    rows = [[o, _recorded(record, o, origin), _band(first.summary, o, origin),
             *(_band(r.summary, o, end) for r in runs.values())] for o in PRESENT_OUTPUTS]
    for _, label, test in PRESENT_EVENTS:
        rows.append([f"{label}, {origin + 1}-{end} (share of worlds)", "-", "-",
                     *(f"{_any_share(r.timeseries, test, origin + 1, end):.2f}" for r in runs.values())])
    L.extend(_table(header, rows))
    w("")
    return "\n".join(L) + "\n"


LOSSES_SHOWN = 5  # the event questions named where the model loses most to the null (a report setting)


def _where_lost(h: OriginHindcast, scored: Sequence[OriginHindcast]) -> list[str]:
    """Where the event score is lost: the questions on which the model trails the random-actor null most, the
    share of the model's summed Brier they make, the rest's scores; and, for a later origin, what an earlier
    origin's forecast scores on the very same questions (what conditioning on the years between did)."""
    events = h.table[h.table["kind"] == "event"]
    if events.empty:
        return []
    gap = (events["model_score"] - events["random_actors_score"]).sort_values(ascending=False)
    worst = events.loc[gap.index[:LOSSES_SHOWN]]
    worst = worst[gap.loc[worst.index] > 0]
    L: list[str] = []
    if len(worst):
        rest = events.drop(worst.index)
        share = worst["model_score"].sum() / max(events["model_score"].sum(), 1e-12)
        named = "; ".join(f"`{r.id}` ({'yes' if r.observed == 1 else 'no'}, P = {r.model:.2f}: {r.model_score:.3f} "
                          f"vs {r.random_actors_score:.3f})" for r in worst.itertuples())
        text = (f"*Where it loses to the null:* the {len(worst)} event questions with the largest model-minus-null "
                f"Brier are {named}; they make {share:.0%} of the model's summed Brier.")
        if len(rest):
            text += (f" On the other {len(rest)} event questions the model scores {rest['model_score'].mean():.3f} "
                     f"(random actors {rest['random_actors_score'].mean():.3f}, persistence "
                     f"{rest['persistence_score'].mean():.3f}, climatology {rest['climatology_score'].mean():.3f}).")
        L += [text, ""]
    earlier = [e for e in scored if e.origin < h.origin and not e.table.empty]
    if earlier:
        e = earlier[0]
        same = e.table[(e.table["kind"] == "event") & e.table["id"].isin(events["id"])]
        if len(same) == len(events):
            L += [f"*What conditioning on {e.origin + 1}-{h.origin} did:* the forecast made at {e.origin} scores "
                  f"{same['model_score'].mean():.3f} on the same {len(events)} event questions (random actors "
                  f"{same['random_actors_score'].mean():.3f}), the one made at {h.origin} "
                  f"{events['model_score'].mean():.3f}: the record of those years moved the forecast "
                  + ("toward" if events["model_score"].mean() < same["model_score"].mean() else "away from")
                  + " what happened after them.", ""]
    return L


def _range(values) -> str:
    values = [v for v in values if v is not None and np.isfinite(v)]
    if not values:
        return "-"
    return f"{np.mean(values):.3f} ({min(values):.3f} to {max(values):.3f})"


def _signed_range(values) -> str:
    values = [v for v in values if v is not None and np.isfinite(v)]
    if not values:
        return "-"
    return f"{np.mean(values):+.2f} ({min(values):+.2f} to {max(values):+.2f})"


def _spread_table(runs: list[OriginHindcast]) -> list[str]:
    """Mean (min to max) over the seeds of each kind's score, its random-actor null and the skills."""
    kinds = list(runs[0].scores)
    rows = []
    for kind in kinds:
        got = [h.scores[kind] for h in runs if kind in h.scores]
        rows.append([kind, got[0].questions, _range([s.model for s in got]),
                     _range([s.references["random_actors"] for s in got]),
                     *(_signed_range([s.skill(x) for s in got]) for x in REFERENCES)])
    return _table(["questions", "n", "model", "random_actors", *(f"skill vs {x}" for x in REFERENCES)], rows)


def _fit_summary(posterior) -> dict | None:
    """The fit's ``abc.json`` beside the posterior table, or None."""
    try:
        return json.loads((Path(posterior).parent / "abc.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None


def _posterior_section(modes: dict[str, list[OriginHindcast]], fitted: int | None, posterior, seeds) -> str:
    if fitted is None or not modes:
        return ""
    L: list[str] = []
    w = L.append
    w(f"### Origin {fitted}: chance only, the prior and the ABC posterior")
    w("")
    w(f"The forecast made at {fitted} with every world sharing the registry's values (chance only), with every "
      "world drawing each ASSUMPTION from its prior, and with every world drawing a row of the posterior of "
      f"`sim calibrate --method abc --origin {fitted}` (`{Path(str(posterior)).as_posix()}`), fitted to the "
      f"record's figures up to {fitted} only; under prior and posterior the filter then keeps the draws that fit "
      f"the record up to {fitted} as well. Scored on the record after {fitted} (out of sample for the fit); "
      f"mean (min to max) over seeds {', '.join(str(s) for s in seeds)}.")
    w("")
    rows = []
    for label, runs in modes.items():
        events = [h.scores["events (Brier)"] for h in runs if "events (Brier)" in h.scores]
        rows.append([label, events[0].questions if events else "-", _range([s.model for s in events]),
                     _range([s.references["random_actors"] for s in events]),
                     *(_signed_range([s.skill(x) for s in events]) for x in REFERENCES)])
    L.extend(_table(["parameters", "event questions", "Brier", "random_actors Brier",
                     *(f"skill vs {x}" for x in REFERENCES)], rows))
    w("")
    distinct = []
    for label, runs in modes.items():
        drawn = runs[0].result.world_parameters
        if drawn is not None and len(drawn.columns) > 1:
            distinct.append(f"{label} {len(drawn.drop(columns=['replicate']).drop_duplicates())}")
    if distinct:
        w(f"How many distinct parameter vectors the filter leaves among the {runs[0].result.replicates} worlds at "
          f"{fitted} (seed {seeds[0]}): {', '.join(distinct)}. The filter reweights and resamples whole worlds and "
          "never perturbs their parameters, so what the record up to the origin teaches about them rests on that "
          "many draws.")
        w("")
    fit = _fit_summary(posterior)
    if fit and fit.get("parameters"):
        w(f"The fit ({fit.get('population')} particles, {len(fit.get('generations') or [])} generations, "
          f"{fit.get('worlds')} worlds per simulation, seed {fit.get('seed')}; {fit.get('simulations')} "
          f"simulations; {fit.get('statistics')} record figures of 2016-{fitted}). Its distance to those figures "
          f"(in-sample): registry values {fit.get('distance_registry', float('nan')):.3f}, posterior medians "
          f"{fit.get('distance_posterior', float('nan')):.3f}.")
        w("")
        L.extend(_table(["parameter", "registry", "range", "posterior median", "posterior 5% to 95%"],
                        [[f"`{p['id']}`", f"{p['registry']:g}", f"{p['low']:g} to {p['high']:g}", f"{p['p50']:.3g}",
                          f"{p['p05']:.3g} to {p['p95']:.3g}"] for p in fit.get("parameters") or []]))
        w("")
    return "\n".join(L) + "\n"


def _table(header, rows) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(str(c) for c in row) + " |" for row in rows)]


def _num(x, digits=3) -> str:
    return f"{x:.{digits}f}" if x is not None and np.isfinite(x) else "-"


def _signed(x) -> str:
    return f"{x:+.2f}" if x is not None and np.isfinite(x) else "-"


def _section(scored: list[OriginHindcast], failed: list[tuple[int, str]], figures: dict[int, str],
             spread: dict[int, list[OriginHindcast]] | None = None, seeds: Sequence[int] = ()) -> str:
    L: list[str] = []
    w = L.append
    w("")
    w("## 6 Forecasts from an origin, scored on the public record")
    w("")
    w("The hindcast of section 1 scores a handful of events the seeds report, all of which happened. This section "
      "is the stricter test: the forecast made at an origin year (`sim hindcast --origin YEAR`; `sim.forecast`) "
      "is scored on **every** figure of the public record (`seeds/record.yaml`) dated after it, beside three "
      "reference forecasts measured in the same run. The forecast simulates from 2015 with the record's drivers "
      "imposed up to the origin (oil, Russia's growth, election years, the war), conditions the worlds on the "
      "record up to and including the origin (a particle filter over the observation models of docs/ODD.md "
      "6.1), and then runs on with the model's own oil and Russia draws and the hindcast scenario's one "
      "external shock, the war from 2022 (so from an origin before 2022 the forecast is *conditional on the "
      "war*). No figure dated after the origin is read (a test proves it).")
    w("")
    w("- *Events* (yes/no questions: crackdown, sanctions in force / broad / tightened / eased, a prisoner "
      "release) are scored with the Brier score; *quantities* (growth, trade shares, the sanctions level, "
      "political prisoners, releases) with the CRPS of the ensemble on the scale of their observation model "
      "(log(1 + count) for counts), one row per series as scales differ. Scores from `scoringrules`.")
    w("- *persistence*: the record's origin state stays; *climatology*: the base rate of the record up to the "
      "origin (a change the record cannot yet answer, at the first origin, counts as no change); *random actors*: the same forecast with " + ", ".join(f"`{p}`" for p in RANDOM_ACTORS)
      + " at 0 (all three choose at random), conditioned the same way; under the prior or a posterior its world "
      "*i* draws the same parameter values as the model's world *i*, the three rationalities apart.")
    w("- *Skill* = 1 - score / reference: above 0 the model beats the reference.")
    w("- **Not fully out of sample.** The registry was written with the 2015-2016 documents and, in places, with "
      "the later record in view (section 5 lists the registry texts that mention years after 2015), and the "
      "error widths of the observation models were set from the record's own notes before any score was "
      "computed. Nothing was tuned to these scores; read them as a lower bar than a true forecast would face. "
      "The 2016 questions of the origin-2015 forecast include the EU's 2016 easing, pattern P2, which the model "
      "was built to reproduce: they are in-sample. Each origin's tables and per-question lines are one run "
      f"(seed {seeds[0] if seeds else '-'}); below each, the spread of its scores over "
      f"{len(seeds)} seed(s) ({', '.join(str(s) for s in seeds)}).")
    w("")
    for origin, reason in failed:
        w(f"**Origin {origin}: no forecast.** {reason}")
        w("")
    for number, h in enumerate(scored, start=1):
        r = h.result
        scored_on = (f"scored on {h.origin + 1}-{r.years[-1]}" if not h.table.empty
                     else "the present: nothing after it to score")
        w(f"### 6.{number} Forecast made at {h.origin} ({r.replicates} worlds, seed {r.seed}; {scored_on})")
        w("")
        cond = r.forecast["conditioning"]
        w("Effective worlds after each year's measurements (the filter refuses below "
          f"{MIN_EFFECTIVE_WORLDS}): " + ", ".join(f"{c['year']}: {c['effective_worlds']:.0f}" for c in cond)
          + f" of {r.replicates}.")
        w("")
        header = ["questions", "n", "model", *REFERENCES, *(f"skill vs {x}" for x in REFERENCES)]
        rows = [[s.kind, s.questions, _num(s.model), *(_num(s.references[x]) for x in REFERENCES),
                 *(_signed(s.skill(x)) for x in REFERENCES)] for s in h.scores.values()]
        if h.table.empty:
            w(f"No figure of the record is dated after {h.origin}: nothing to score yet (see *From the present* "
              "below for what the model expects).")
            w("")
            continue
        L.extend(_table(header, rows))
        w("")
        events = h.scores.get("events (Brier)")
        if events is not None:
            verdict = ("beats" if events.skill("random_actors") > 0 else "does not beat")
            w(f"On the {events.questions} event questions the model's Brier score is **{events.model:.3f}**; it "
              f"{verdict} the random-actor null ({events.references['random_actors']:.3f}), and scores "
              f"{_signed(events.skill('persistence'))} against persistence and "
              f"{_signed(events.skill('climatology'))} against climatology.")
            w("")
            L.extend(_where_lost(h, scored))
        runs = (spread or {}).get(h.origin) or []
        if len(runs) > 1:
            w(f"Over {len(runs)} seeds ({', '.join(str(x.result.seed) for x in runs)}): mean (min to max).")
            w("")
            L.extend(_spread_table(runs))
            w("")
        if h.origin in figures:
            w(f"![Reliability of the event forecasts made at {h.origin}]({figures[h.origin]})")
            w("")
        w("<details><summary>Every question</summary>")
        w("")
        q_rows = []
        for _, row in h.table.iterrows():
            if row["kind"] == "event":
                observed, given = ("yes" if row["observed"] == 1 else "no"), f"P = {row['model']:.2f}"
            else:
                observed, given = f"{row['observed']:.3g}", f"median {row['median']:.3g}"
            q_rows.append([f"`{row['id']}`", observed, given,
                           *(_num(row[f"{n}_score"]) for n in ("model", *REFERENCES))])
        L.extend(_table(["question", "observed", "model", "model score", *REFERENCES], q_rows))
        w("")
        w("</details>")
        w("")
    return "\n".join(L) + "\n"
