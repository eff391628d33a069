"""One place for every number: the registry, the code that reads it, and the ODD that explains it agree."""

from __future__ import annotations

import re
from pathlib import Path

from sim.inputs.registry import load_registry
from sim.common.variables import OUTPUTS, STATE_VARIABLES

ROOT = Path(__file__).resolve().parent.parent
MODEL_FILES = ["agents.py", "economy.py", "model.py", "choice.py"]
PARAMETER_LOOKUP = re.compile(r"""p(?:arams)?\[\s*f?["']([a-z0-9_.{}]+)["']\s*\]""")


def model_source() -> str:
    return "\n".join((ROOT / "sim" / "model" / name).read_text(encoding="utf-8") for name in MODEL_FILES)


def test_every_parameter_the_model_reads_is_in_the_registry():
    registry = load_registry()
    read = {m for m in PARAMETER_LOOKUP.findall(model_source()) if "{" not in m}
    assert read, "no parameter lookups found: the pattern no longer matches the code"
    assert sorted(read - set(registry)) == []


def test_every_registry_parameter_is_used_by_the_model():
    source = model_source()
    unused = [pid for pid in load_registry() if f'"{pid}"' not in source
              and not (pid.endswith(".rationality") and 'f"{self.name}.rationality"' in source)]
    assert unused == []


def test_every_registry_parameter_is_explained_in_the_odd():
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    missing = [pid for pid in load_registry() if pid not in odd]
    assert missing == []


def test_registry_ids_and_state_ids_never_collide():
    assert sorted(set(load_registry()) & set(STATE_VARIABLES)) == []


def test_every_output_is_described_in_the_odd():
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    assert [name for name in OUTPUTS if name not in odd] == []
