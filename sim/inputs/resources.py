"""Where the shipped data lives: the seed documents, the registry and the scenario library.

In a wheel they are package data (``sim/data/seeds``, ``sim/data/scenarios``, mapped from the
repository's top-level ``seeds/`` and ``scenarios/`` by ``pyproject.toml``); in a source checkout
(``pip install -e .``) they are those top-level folders themselves. Nothing else in the package
decides where they are.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from sim.inputs.errors import ScenarioError, did_you_mean

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


def is_bare_name(text: str | Path) -> bool:
    """A name like ``sanctions_lifted``: no folder, no ``.yaml``/``.yml`` ending."""
    text = str(text)
    return bool(text) and "/" not in text and "\\" not in text and Path(text).suffix not in (".yaml", ".yml") \
        and text not in (".", "..")


def scenario_path(text: str | Path) -> Path:
    """Where the scenario ``text`` is: a path means that file; a bare name means the shipped scenario.

    A bare name that is also a file in the working directory is that file (a path never changes meaning).
    A bare name that names no shipped scenario is refused with the shipped names and a did-you-mean.
    """
    path = Path(text)
    if not is_bare_name(text) or path.is_file():
        return path
    shipped = shipped_scenarios()
    if str(text) in shipped:
        return shipped[str(text)]
    raise ScenarioError(str(text), "no such scenario file, and no shipped scenario of that name"
                        + did_you_mean(str(text), shipped)
                        + f" (shipped: {', '.join(shipped)}; see sim scenarios)")
