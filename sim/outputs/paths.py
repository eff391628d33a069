"""Where outputs go by default: the one place that names result folders and report files.

Every default is relative to the working directory (never to the installed package), so a wheel
writes next to the user, as a checkout does; ``--out`` (or ``out=``/``folder=``) replaces it::

    results/<scenario>/<run id>/                    sim run
    results/<scenario>/forecast-<origin>-<run id>/  sim forecast
    results/compare/<a>-vs-<b>-<time>/              sim compare
    <run folder>/report.html                        sim report RUN_FOLDER, sim run --report
    results/reports/<a>-vs-<b>-<time>.html          sim report RUN_FOLDER RUN_FOLDER ...
    results/<scenario>/sweep-<kind>-<time>/         sim sweep
    <sweep folder>/discovery-<time>/                sim discover SWEEP_FOLDER
    results/calibration/<time>/                     sim calibrate
    docs/validation.md                              sim hindcast --report
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Sequence

RESULTS = Path("results")
CALIBRATIONS = RESULTS / "calibration"
SENSITIVITY = RESULTS / "sensitivity"  # where the validation report looks for sensitivity tables
VALIDATION_REPORT = Path("docs") / "validation.md"  # in a checkout: the project's own docs/
REPORT_FILE = "report.html"


def _stamp(when: datetime | None) -> str:
    return f"{when or datetime.now():%Y%m%d-%H%M%S}"


def run_folder(scenario_name: str, run_id: str) -> Path:
    """``results/<scenario>/<run id>``."""
    return RESULTS / scenario_name / run_id


def forecast_folder(scenario_name: str, origin: int, run_id: str) -> Path:
    """``results/<scenario>/forecast-<origin>-<run id>``."""
    return RESULTS / scenario_name / f"forecast-{origin}-{run_id}"


def scenario_results(scenario_name: str) -> Path:
    """``results/<scenario>``: the runs and sweeps of one scenario."""
    return RESULTS / scenario_name


def compare_folder(names: Sequence[str], when: datetime | None = None) -> Path:
    """``results/compare/<a>-vs-<b>-<time>``."""
    return RESULTS / "compare" / f"{'-vs-'.join(names)}-{_stamp(when)}"


def report_file(names: Sequence[str], folders: Sequence[Path], when: datetime | None = None) -> Path:
    """``<run folder>/report.html`` for one run; ``results/reports/<a>-vs-<b>-<time>.html`` for several."""
    if len(folders) == 1:
        return Path(folders[0]) / REPORT_FILE
    return RESULTS / "reports" / f"{'-vs-'.join(names)}-{_stamp(when)}.html"


def sweep_folder(scenario_name: str, kind: str, when: datetime | None = None) -> Path:
    """``results/<scenario>/sweep-<kind>-<time>``."""
    return scenario_results(scenario_name) / f"sweep-{kind}-{_stamp(when)}"


def sweep_sensitivity_tables() -> list[Path]:
    """Sensitivity tables the validation report may use: under ``results/sensitivity/`` and every sweep's."""
    return [*SENSITIVITY.glob("**/*.csv"), *RESULTS.glob("*/sweep-*/indices.csv")]


def discovery_folder(sweep: Path, when: datetime | None = None) -> Path:
    """``<sweep folder>/discovery-<time>``: next to the points it reads."""
    return Path(sweep) / f"discovery-{_stamp(when)}"


def calibration_folder(when: datetime | None = None) -> Path:
    """``results/calibration/<time>``."""
    return CALIBRATIONS / _stamp(when)
