"""The house's import rules: every import runs one way, down the layers, with no circles.

The layers, bottom first (a package may import only packages of a lower rank, and itself):
common < inputs < model, figures < outputs < explain, runs < report, sweep < evidence < ui, api < commands < cli.
Imports inside functions count too: a lazy import is still an arrow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parent.parent / "sim"
RANK = {"common": 0, "inputs": 1, "model": 2, "figures": 2, "outputs": 3, "explain": 4, "runs": 4,
        "report": 5, "sweep": 5, "evidence": 6, "ui": 7, "api": 7, "commands": 8, "cli": 9}
NO_MESA = ("common", "inputs", "outputs", "figures", "explain", "report")


def layer(module: str) -> str | None:
    """The layer of a dotted module name inside ``sim`` (``sim.model.agents`` -> ``model``)."""
    parts = module.split(".")
    if parts[0] != "sim" or len(parts) < 2:
        return None
    return parts[1]


def modules() -> dict[str, Path]:
    found = {}
    for path in SIM.rglob("*.py"):
        rel = path.relative_to(SIM.parent).with_suffix("")
        name = ".".join(rel.parts)
        found[name.removesuffix(".__init__")] = path
    return found


def imports(path: Path, name: str) -> set[str]:
    """Every module ``path`` imports, absolute and dotted (``from sim.x import y`` gives ``sim.x`` and ``sim.x.y``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


MODULES = modules()
GRAPH = {name: {m for m in imports(path, name) if m in MODULES and m != name} for name, path in MODULES.items()}


def test_every_package_of_the_house_has_a_rank_and_a_docstring():
    for child in SIM.iterdir():
        if child.is_dir() and (child / "__init__.py").exists():
            assert child.name in RANK, f"sim/{child.name}/ has no layer in tests/test_layers.py"
            assert ast.get_docstring(ast.parse((child / "__init__.py").read_text())), f"sim/{child.name}/__init__.py: no docstring"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if layer(n)))
def test_imports_run_down_the_layers(name):
    own = layer(name)
    for target in GRAPH[name]:
        other = layer(target)
        if other is None or other == own:
            continue
        assert RANK[other] < RANK[own], f"{name} imports {target}: {own} (rank {RANK[own]}) may not use {other} (rank {RANK[other]})"


def test_no_circles_between_modules():
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(GRAPH[node]):
            if nxt.startswith(node + "."):  # a package importing its own submodule to re-export it
                continue
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt] if nxt in stack else [node, nxt]
                raise AssertionError("import circle: " + " -> ".join(cycle))
            if not state.get(nxt):
                visit(nxt, stack + [nxt])
        state[node] = 2

    for name in sorted(GRAPH):
        if not state.get(name):
            visit(name, [name])


@pytest.mark.parametrize("package", NO_MESA)
def test_inputs_and_readers_never_import_mesa_or_the_model(package):
    for name, path in MODULES.items():
        if layer(name) != package:
            continue
        found = imports(path, name)
        assert not any(m == "mesa" or m.startswith("mesa.") for m in found), f"{name} imports Mesa"
        assert not any(m.startswith("sim.model") for m in found), f"{name} imports the model"


# Readers describe a run from its folder (the manifest records every parameter value with its source, domain,
# quotes and the sentences around them; the trace what each decision saw), never from today's registry or seeds.
READERS = ("explain", "report", "figures")
LOADING_MODULES = ("sim.inputs.scenario", "sim.inputs.resources")
LOADING_NAMES = {"sim.inputs.registry": {"load_registry", "load_sources", "quote_context", "find_quote",
                                          "verify_quotes", "Registry", "DEFAULT_REGISTRY", "DEFAULT_SOURCES",
                                          "SEEDS_DIR"},
                 "sim.inputs.runspec": {"RunSpec"}}  # a run's resolution loads the registry; its labels do not


def reader_imports_of_loaders(path: Path, name: str) -> list[str]:
    """What a reader module takes from the loaders: a loading module, a loading name, or a whole module
    whose loaders it could then reach (``import sim.inputs.registry``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith(LOADING_MODULES) or a.name in LOADING_NAMES]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if (base.startswith(LOADING_MODULES) or full.startswith(LOADING_MODULES) or full in LOADING_NAMES
                        or alias.name in LOADING_NAMES.get(base, ())):
                    found.append(full)
    return found


@pytest.mark.parametrize("package", READERS)
def test_readers_never_import_the_registry_or_scenario_loaders_to_reinterpret_a_run(package):
    for name, path in MODULES.items():
        if layer(name) == package:
            assert not reader_imports_of_loaders(path, name), \
                f"{name} imports {reader_imports_of_loaders(path, name)}: read the run folder instead"


def test_the_loader_rule_catches_each_way_of_reaching_a_loader(tmp_path):
    cases = {"from sim.inputs.registry import load_registry": True,
             "from sim.inputs.registry import format_number, load_sources": True,
             "from sim.inputs import registry": True,
             "import sim.inputs.registry": True,
             "from sim.inputs.scenario import load_scenario": True,
             "from sim.inputs.runspec import RunSpec": True,
             "import sim.inputs.runspec": True,
             "from sim.inputs.runspec import UNCERTAINTY_LABELS": False,
             "from ..inputs.registry import quote_context": True,
             "from sim.inputs.registry import format_number, split_at_quote": False,
             "from sim.inputs.timeline import value_in_year": False,
             "from sim.inputs.errors import ScenarioError": False}
    path = tmp_path / "probe.py"
    for source, caught in cases.items():
        path.write_text(source + "\n")
        assert bool(reader_imports_of_loaders(path, "sim.report.probe")) is caught, source


def test_every_module_is_under_700_lines():
    long = {name: n for name, path in MODULES.items() if (n := len(path.read_text(encoding="utf-8").splitlines())) > 700}
    assert not long, f"modules over 700 lines: {long}"
