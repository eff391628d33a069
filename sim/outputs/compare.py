"""Compare scenarios: pure functions over the result tables (no plotting, no model).

    from sim.outputs.compare import difference_table, format_table, notes
    table = difference_table([baseline, war])   # one row per (output, year)
    print(format_table(table))
    for line in notes([baseline, war]):
        print("note:", line)

Every function takes :class:`sim.results.Result` objects (or anything with
``name``, ``seed``, ``replicates``, ``years`` and a ``summary`` table) and reads
only their tables. Differences are always against the FIRST result given.
"""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from sim.common.formats import compact, decimals_for, fixed
from sim.common.names import unique_names  # noqa: F401  (re-exported: compare's callers use it)
from sim.common.variables import HEADLINE, OUTPUTS, OVERVIEW  # noqa: F401  (HEADLINE re-exported: the table's rows)
from sim.inputs.runspec import UNCERTAINTY_MODES, uncertainty_kind

STATS = ("p50", "p05", "p95")


def _years(result) -> list[int]:
    return sorted(int(y) for y in result.summary["year"].unique())


def common_years(results: Sequence) -> list[int]:
    """The years present in every result, sorted."""
    if not results:
        return []
    common = set(_years(results[0]))
    for result in results[1:]:
        common &= set(_years(result))
    return sorted(common)


def default_years(results: Sequence) -> list[int]:
    """First, middle and last year common to all results (unique, sorted); [] when none is common."""
    common = common_years(results)
    if not common:
        return []
    return sorted({common[0], common[len(common) // 2], common[-1]})


def difference_table(results: Sequence, years: Sequence[int] | None = None,
                     outputs: Sequence[str] = HEADLINE) -> pd.DataFrame:
    """One row per (output, year): each scenario's median, 5th and 95th percentile, and differences of medians.

    Columns: ``output``, ``year``, then ``<name>:p50``, ``<name>:p05``, ``<name>:p95`` for every
    scenario, then ``diff:<name_k>-<name_1>`` (median of scenario k minus median of the first) for every
    later scenario. A year or output a scenario does not have gives NaN in its columns.
    """
    results = list(results)
    if not results:
        raise ValueError("difference_table needs at least one result")
    if years is None:
        years = default_years(results)
        if not years:
            spans = ", ".join(f"{n} {_span(r)}" for n, r in zip(unique_names(results), results))
            raise ValueError(f"the results share no year ({spans}); pass years= explicitly")
    years = [int(y) for y in years]
    outputs = list(outputs)
    names = unique_names(results)

    table = pd.DataFrame([(o, y) for o in outputs for y in years], columns=["output", "year"])
    index = pd.MultiIndex.from_frame(table)
    for name, result in zip(names, results):
        summary = result.summary.set_index(["output", "year"])
        summary = summary[~summary.index.duplicated()]
        picked = summary.reindex(index)
        for stat in STATS:
            table[f"{name}:{stat}"] = picked[stat].to_numpy(dtype=float)
    first = names[0]
    for name in names[1:]:
        table[f"diff:{name}-{first}"] = table[f"{name}:p50"] - table[f"{first}:p50"]
    return table


def _span(result) -> str:
    years = _years(result)
    return f"{years[0]}-{years[-1]}" if years else "(no years)"


def _join(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def notes(results: Sequence) -> list[str]:
    """Plain-language warnings and remarks about what the comparison can and cannot show."""
    results = list(results)
    names = unique_names(results)
    out: list[str] = []
    if len(results) < 2:
        return out

    raw = [str(r.name) for r in results]
    repeated = sorted({n for n in raw if raw.count(n) > 1})
    if repeated:
        out.append(f"{_join(repeated)} appears more than once; later copies are shown as "
                   f"{_join([n for n, r in zip(names, raw) if n != r])}")

    spans = [_span(r) for r in results]
    if len(set(spans)) > 1:
        common = common_years(results)
        runs = ", ".join(f"{n} runs {s}" for n, s in zip(names, spans))
        who = "both cover" if len(results) == 2 else "all cover"
        if common:
            out.append(f"{runs}; the table uses years {who} ({common[0]}-{common[-1]})")
        else:
            out.append(f"{runs}; no year is common to all of them")

    counts = [int(r.replicates) for r in results]
    if len(set(counts)) > 1:
        listed = ", ".join(f"{n} has {c}" for n, c in zip(names, counts))
        out.append(f"replicate counts differ ({listed}): the percentile bands of the smaller ensemble "
                   f"are less precise, so small differences may be noise")

    # Worlds share their random draws only when seed AND replicate count agree (ODD 4.9).
    by_seed: dict[tuple[int, int], list[int]] = {}
    for i, result in enumerate(results):
        by_seed.setdefault((int(result.seed), int(result.replicates)), []).append(i)
    for (seed, _replicates), members in by_seed.items():
        scenarios = {str(results[i].name) for i in members}
        if len(members) > 1 and len(scenarios) > 1:
            out.append(f"{_join([names[i] for i in members])} share seed {seed} (common random numbers): "
                       f"their worlds start from the same random draws, so differences between them come "
                       f"mostly from the scenarios rather than from chance")
        elif len(members) > 1:
            out.append(f"{_join([names[i] for i in members])} are the same scenario with the same seed "
                       f"{seed}: differences between them should be zero unless parameters differ")
    return out


# --------------------------------------------------------------------------- text table


def _parse_columns(table: pd.DataFrame) -> tuple[list[str], list[tuple[str, str]]]:
    names = [c[: -len(":p50")] for c in table.columns if c.endswith(":p50")]
    diffs = []
    for column in table.columns:
        if column.startswith("diff:"):
            body = column[len("diff:"):]
            for name in names:
                if body.endswith(f"-{name}") and body[: -len(name) - 1] in names:
                    diffs.append((column, body[: -len(name) - 1]))
                    break
    return names, diffs


def format_table(table: pd.DataFrame, width: int = 100) -> str:
    """A fixed-width text table: per output and year, ``median [p05, p95]`` per scenario and the differences.

    Scenarios that do not fit in ``width`` columns go into further blocks below; every block
    repeats the output and year columns, and shows each scenario's difference from the first.
    """
    names, diffs = _parse_columns(table)
    if not names:
        return ""
    first = names[0]
    diff_of = {later: column for column, later in diffs}
    lines: list[str] = []

    # Cell texts first, so that every column can be sized to its widest entry.
    cells: dict[str, list[str]] = {n: [] for n in names}
    dcells: dict[str, list[str]] = {n: [] for n in diff_of}
    row_output: list[str] = []
    row_year: list[str] = []
    for output, group in table.groupby("output", sort=False):
        numbers = [v for n in names for s in STATS for v in group[f"{n}:{s}"].tolist()]
        decimals = decimals_for(numbers)
        for _, row in group.iterrows():
            row_output.append(str(output))
            row_year.append(str(int(row["year"])))
            for n in names:
                cells[n].append(f"{fixed(row[f'{n}:p50'], decimals)} "
                                f"[{fixed(row[f'{n}:p05'], decimals)}, {fixed(row[f'{n}:p95'], decimals)}]")
            for n, column in diff_of.items():
                dcells[n].append(fixed(row[column], decimals, sign=True))

    year_w = max(4, *(len(y) for y in row_year))

    def col_width(header: str, entries: list[str]) -> int:
        return max([len(header), *(len(e) for e in entries)])

    # Each later scenario is followed by its difference from the first ("diff").
    groups: dict[str, list[tuple[str, list[str], str]]] = {}
    for n in names:
        groups[n] = [(n, cells[n], "<")]
        if n in diff_of:
            groups[n].append(("diff", dcells[n], ">"))

    def group_width(n: str) -> int:
        return sum(2 + col_width(h, e) for h, e, _ in groups[n])

    # Split scenarios into blocks that fit; the first scenario is in every block (differences refer to it).
    base = year_w + group_width(first)
    blocks: list[list[str]] = []
    current: list[str] = [first]
    used = base
    for n in names[1:]:
        if len(current) > 1 and used + group_width(n) > width:
            blocks.append(current)
            current, used = [first], base
        current.append(n)
        used += group_width(n)
    blocks.append(current)

    for b, block in enumerate(blocks):
        if b:
            lines.append("")
        cols = [c for n in block for c in groups[n]]
        widths = [col_width(h, e) for h, e, _ in cols]
        header = f"{'year':<{year_w}}  " + "  ".join(f"{h:{a}{w}}" for (h, _, a), w in zip(cols, widths))
        lines.append(header.rstrip())
        lines.append("-" * len(header.rstrip()))
        previous = None
        for i, output in enumerate(row_output):
            if output != previous:
                if previous is not None:
                    lines.append("")
                unit = OUTPUTS[output].unit if output in OUTPUTS else ""
                lines.append(f"{output} ({unit})" if unit else output)
                previous = output
            line = f"{row_year[i]:<{year_w}}  " + "  ".join(
                f"{e[i]:{a}{w}}" for (_, e, a), w in zip(cols, widths))
            lines.append(line.rstrip())
    lines.append("")
    lines.append("each cell: median [5th, 95th percentile] across replicates")
    if diff_of:
        lines.append(f"diff: that scenario's median minus the median of {first}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- one run, in the terminal


def run_summary_text(result, outputs=OVERVIEW) -> str:
    """What ``sim run`` prints: median [p05, p95] of ``outputs`` at the start, middle and end years."""
    years = result.years
    shown = sorted({years[0], years[len(years) // 2], years[-1]})
    summary = result.summary.set_index(["output", "year"])
    header = (f"{result.scenario['title']}\n{result.replicates} replicates, seed {result.seed}; median [5%, 95%]; "
              f"{UNCERTAINTY_MODES[uncertainty_kind(result.parameter_uncertainty)]}")
    rows = []
    for output in outputs:
        cells = []
        for year in shown:
            row = summary.loc[(output, year)]
            cells.append(f"{compact(row.p50)} [{compact(row.p05)}, {compact(row.p95)}]")
        rows.append((output, cells))
    # Columns as wide as their widest cell (two spaces apart at least), so that no two cells run together.
    name_w = max([22] + [len(name) + 2 for name, _ in rows])
    widths = [max([22, len(str(y))] + [len(cells[i]) for _, cells in rows]) + 2 for i, y in enumerate(shown)]
    lines = [header, f"{'output':<{name_w}}" + "".join(f"{y:>{w}}" for y, w in zip(shown, widths))]
    lines += [f"{name:<{name_w}}" + "".join(f"{c:>{w}}" for c, w in zip(cells, widths)) for name, cells in rows]
    return "\n".join(lines)
