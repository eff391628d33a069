"""Names for display, shared by tables, figures and the report."""

from __future__ import annotations

from typing import Sequence


def unique_names(results: Sequence) -> list[str]:
    """Scenario names, made unique in order of appearance: ``name``, ``name#2``, ``name#3`` ..."""
    seen: dict[str, int] = {}
    names = []
    for result in results:
        name = str(result.name)
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return names


def excerpt(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word boundary to at most ``limit`` characters (with an ellipsis)."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.-")
    return cut + "…"
