"""Where the shipped data lives: the seed documents, the registry and the scenario library.

In a wheel they are package data (``sim/data/seeds``, ``sim/data/scenarios``, mapped from the
repository's top-level ``seeds/`` and ``scenarios/`` by ``pyproject.toml``); in a source checkout
(``pip install -e .``) they are those top-level folders themselves. Nothing else in the package
decides where they are.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_SOURCE_CHECKOUT = Path(__file__).resolve().parents[2]


def data_folder(name: str) -> Path:
    """The folder of shipped data called ``name`` (``"seeds"`` or ``"scenarios"``)."""
    shipped = Path(str(resources.files("sim"))) / "data" / name
    if shipped.is_dir():
        return shipped
    return _SOURCE_CHECKOUT / name


SEEDS_DIR = data_folder("seeds")
SCENARIOS_DIR = data_folder("scenarios")


def shipped_scenarios() -> dict[str, Path]:
    """The scenario library by name (file stem), the baseline first."""
    paths = sorted(SCENARIOS_DIR.glob("*.yaml"), key=lambda p: (p.stem != "baseline", p.stem))
    return {p.stem: p for p in paths}
