"""Scenario files: schema, ``base:`` inheritance, and validation against the registry.

A scenario is a YAML mapping::

    name: eu_thaw                 # [a-z0-9_-]+
    title: EU lifts sanctions
    description: ...
    base: baseline.yaml           # optional; relative to this file
    start_year: 2015
    end_year: 2030
    replicates: 200
    seed: 1
    parameters: {minsk.unrest_threshold: 0.6}          # registry id -> number
    events:
      - year: 2020
        set: {minsk.unrest: 0.8}                         # registry or state-variable id -> number
        add: {moscow.subsidy_pct_gdp: -2}                # delta
        note: why
        citations: [{doc: 004_57e9efcc513ef767.txt, quote: "..."}]   # a seed, or one of documents:
    documents: {smith2024: sources/smith2024.txt}       # optional: your own UTF-8 texts, relative to this file
    questions: [what happens to alignment?]
    leaves_out: [the 2020 crackdown]                     # what the scenario does not impose, said plainly

An event's citations name a seed document or one of the scenario's own ``documents:``; either way
the quote must occur verbatim in it. An event without any citation is accepted with a
:class:`ScenarioWarning` (the CLI prints it as one ``warning:`` line; the report marks it uncited).

:func:`load_scenario` returns a validated, resolved :class:`Scenario` or raises
:class:`sim.errors.ScenarioError` with the file, line and key of the first problem.
This module knows nothing of Mesa.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional

from pydantic import ValidationError

from sim.inputs.errors import (ScenarioError, StrictModel, YamlDoc, did_you_mean, from_validation_error, read_yaml,
                               show)
from sim.inputs.resources import is_bare_name, scenario_path, shipped_scenarios
from sim.inputs.registry import (Citation, CitationIn, Registry, find_quote, format_number, load_registry, load_sources,
                                 quote_sentence)
from sim.common.variables import STATE_VARIABLES

NAME_PATTERN = re.compile(r"[a-z0-9_-]+")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)
MAX_NAME_LENGTH = 64  # the name goes into folder names (with run ids, "-vs-" ...): far below 255 bytes
MIN_YEAR = 2015  # the shipped registry's base year; a registry's own base year is checked where known
MAX_YEAR = 2100
MAX_EVENTS = 5_000  # in one file (1,500 legitimate events are fine); files are also at most errors.MAX_BYTES
MAX_BASE_CHAIN = 20  # files in a base: chain
MAX_SEED = 2**128 - 1  # 39 digits, as numpy's own fresh entropy; longer seeds would make folder names too long
MAX_REPLICATES = 100_000
REQUIRED = ("name", "title", "description", "start_year", "end_year", "replicates", "seed")
DOCUMENT_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
DOCUMENT_SUFFIXES = (".txt", ".md")
MAX_DOCUMENT_BYTES = 1_000_000  # a student's source: an article or a chapter, not a library


class ScenarioWarning(UserWarning):
    """Accepted but worth saying (an event without a citation); ``str()`` is one line like an error's."""


# --------------------------------------------------------------------------- file schema


class _EventIn(StrictModel):
    year: int
    set: dict[str, float] = {}
    add: dict[str, float] = {}
    note: str = ""
    citations: list[CitationIn] = []


class _ScenarioIn(StrictModel):
    """One file as written; every key optional because a ``base:`` may supply it."""

    name: Optional[str] = None
    title: Optional[str] = None
    description: Optional[str] = None
    base: Optional[str] = None
    start_year: Optional[int] = None
    end_year: Optional[int] = None
    replicates: Optional[int] = None
    seed: Optional[int] = None
    parameters: dict[str, float] = {}
    events: list[_EventIn] = []
    documents: dict[str, str] = {}
    questions: Optional[list[str]] = None
    leaves_out: Optional[list[str]] = None


_ALLOWED_KEYS = {
    (): _ScenarioIn.model_fields,
    ("events", "*"): _EventIn.model_fields,
    ("events", "*", "citations", "*"): CitationIn.model_fields,
}


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class Event:
    """In ``year``: ``set`` ids to values, ``add`` deltas to ids.

    A registry parameter id changes the parameter from that year on; a state-variable
    id (``sim.variables.STATE_VARIABLES``) is jolted once, that year.
    """

    year: int
    set: dict[str, float] = field(default_factory=dict)
    add: dict[str, float] = field(default_factory=dict)
    note: str = ""
    citations: tuple[Citation, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"year": self.year, "set": dict(self.set), "add": dict(self.add), "note": self.note,
                "citations": [{"doc": c.doc, "quote": c.quote} for c in self.citations]}


@dataclass(frozen=True)
class Scenario:
    """A validated scenario with its ``base:`` chain resolved.

    ``parameters`` holds only the overrides of registry values; ``bases`` lists the
    base files, nearest first; ``registry_path`` is the registry it was checked against;
    ``documents`` maps the short names of the scenario's own source texts to their files.
    """

    name: str
    title: str
    description: str
    start_year: int
    end_year: int
    replicates: int
    seed: int
    parameters: dict[str, float]
    events: tuple[Event, ...]
    questions: tuple[str, ...]
    path: Path
    bases: tuple[Path, ...] = ()
    registry_path: Path | None = field(default=None, compare=False, repr=False)
    documents: dict[str, Path] = field(default_factory=dict)
    leaves_out: tuple[str, ...] = ()

    @property
    def years(self) -> range:
        """The simulated years, ``start_year`` to ``end_year`` inclusive."""
        return range(self.start_year, self.end_year + 1)

    def parameter_values(self, registry: Registry | None = None) -> dict[str, float]:
        """Every parameter's value for this scenario: registry defaults updated by the overrides."""
        registry = registry or load_registry(self.registry_path)
        return {**registry.defaults(), **self.parameters}

    def replace(self, registry: Registry | None = None, **changes: Any) -> Scenario:
        """A copy with ``changes`` applied, checked as a scenario file would be (against ``registry``, by
        default the one the scenario was checked against)."""
        names = [f.name for f in dataclasses.fields(self)]
        for key in changes:
            if key not in names:
                raise ScenarioError(self.path, f"cannot replace '{key}'{did_you_mean(key, names)}; "
                                               f"fields: {', '.join(names)}", key=key)
        if "events" in changes:
            changes["events"] = tuple(sorted(changes["events"], key=lambda e: e.year))
        if "questions" in changes:
            changes["questions"] = tuple(changes["questions"])
        if "parameters" in changes:
            changes["parameters"] = dict(changes["parameters"])
        new = dataclasses.replace(self, **changes)
        new._check(registry or load_registry(self.registry_path), changed=changes)
        whole = {k: int(v) for k, v in changes.items()  # numpy integers (np.int64 seeds ...) as plain ints
                 if k in ("start_year", "end_year", "replicates", "seed")}
        return dataclasses.replace(new, parameters={k: float(v) for k, v in new.parameters.items()}, **whole)

    def _check(self, registry: Registry, changed: Mapping[str, Any]) -> None:
        """Check the ``changed`` fields and the horizon of the whole scenario."""
        def fail(key: str, what: str) -> ScenarioError:
            return ScenarioError(self.path, what, key=key)

        for key in REQUIRED:
            if key in changed:
                problem = _field_problem(key, getattr(self, key), registry.base_year())
                if problem:
                    raise fail(key, problem)
        for pid, value in self.parameters.items():
            problem = parameter_problem(pid, value, registry)
            if problem:
                raise fail(f"parameters.{pid}", problem)
        problem = _horizon_problem(self.start_year, self.end_year)
        if problem:
            raise fail("end_year", problem)
        for i, event in enumerate(self.events):
            if not self.start_year <= event.year <= self.end_year:
                raise fail(f"events[{i}].year", _outside_years(event.year, self.start_year, self.end_year))
        problem = parameter_path_problem(self.parameters, self.events, registry)
        if problem:
            raise fail(f"events[{problem[0]}].add.{problem[1]}", problem[2])

    def _event_dict(self, event: Event) -> dict[str, Any]:
        """An event for the manifest, each citation with the sentence it stands in (so that readers of the run
        folder, such as the report, need neither the seeds nor the scenario's own documents)."""
        data = event.to_dict()
        for cited, citation in zip(data["citations"], event.citations):
            path = self.documents.get(citation.doc)
            cited["sentence"] = quote_sentence(citation, path=path) if path is not None else quote_sentence(citation)
            if path is not None:
                cited["document"] = str(path)
        return data

    def to_dict(self) -> dict[str, Any]:
        """The resolved scenario as JSON-able data, for run manifests."""
        return {
            "name": self.name, "title": self.title, "description": self.description,
            "start_year": self.start_year, "end_year": self.end_year,
            "replicates": self.replicates, "seed": self.seed,
            "parameters": dict(self.parameters),
            "events": [self._event_dict(e) for e in self.events],
            "questions": list(self.questions),
            "leaves_out": list(self.leaves_out),
            "documents": {name: str(path) for name, path in self.documents.items()},
            "path": str(self.path), "bases": [str(b) for b in self.bases],
            "registry": str(self.registry_path) if self.registry_path else None,
        }


# ------------------------------------------------------------ checks shared by files, overrides and replace


def _field_problem(key: str, value: Any, base_year: int) -> str | None:
    """What is wrong with one top-level value, or None."""
    if key in ("name", "title", "description"):
        if not isinstance(value, str):
            return f"must be text, got {show(value)}"
        if key == "name" and not NAME_PATTERN.fullmatch(value):
            return f"'{value}' is not allowed; allowed: lowercase letters, digits, '_' and '-' (e.g. eu_thaw)"
        if key == "name" and len(value) > MAX_NAME_LENGTH:
            return (f"'{value[:20]}...' ({len(value)} characters) is too long; allowed: at most {MAX_NAME_LENGTH} "
                    "characters (it becomes part of folder names)")
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return f"must be a whole number (integer), got {show(value)}"
    if key == "start_year" and not base_year <= value <= MAX_YEAR:
        return (f"{value} is not allowed; allowed: a year from {base_year} (the model's base year) "
                f"to {MAX_YEAR}")
    if key == "end_year" and not base_year <= value <= MAX_YEAR:
        return f"{value} is not allowed; allowed: a year from {base_year} to {MAX_YEAR}"
    if key == "replicates" and not 1 <= value <= MAX_REPLICATES:
        hint = " (use a sweep or fewer replicates)" if value > MAX_REPLICATES else ""
        return f"{value} is not allowed; allowed: an integer from 1 to {MAX_REPLICATES}{hint}"
    if key == "seed" and value < 0:
        return f"{value} is not allowed; allowed: an integer >= 0"
    if key == "seed" and value > MAX_SEED:
        return (f"{str(value)[:12]}... ({len(str(value))} digits) is not allowed; allowed: an integer from 0 to "
                f"2**128 - 1 ({len(str(MAX_SEED))} digits; it becomes part of the run folder's name)")
    return None


def _horizon_problem(start: int, end: int) -> str | None:
    return f"{end} is before start_year {start}; end_year must be >= start_year" if end < start else None


def _outside_years(year: int, start: int, end: int) -> str:
    return f"{year} is outside the scenario's years; allowed: a year from {start} to {end}"


def _number_problem(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return f"must be a number, got {show(value)}"
    if not math.isfinite(value):
        return f"must be a finite number, got {value}"
    return None


def parameter_problem(pid: str, value: Any, registry: Registry) -> str | None:
    """What is wrong with setting registry parameter ``pid`` to ``value``, or None."""
    if pid not in registry:
        if pid in STATE_VARIABLES:
            return ("is a state variable, not a parameter; jolt it with an event "
                    "(events: - {year: ..., set: {" + pid + ": ...}})")
        return "unknown parameter id" + did_you_mean(pid, registry)
    problem = _number_problem(value)
    if problem:
        return problem
    allowed = registry[pid].check(value)
    return f"{format_number(value)} is not allowed; allowed: {allowed}" if allowed else None


def _event_problem(op: str, vid: str, value: Any, registry: Registry) -> str | None:
    """What is wrong with an event's ``set``/``add`` of ``vid`` to ``value``, or None."""
    if vid not in registry and vid not in STATE_VARIABLES:
        return "unknown parameter or state-variable id" + did_you_mean(vid, [*registry, *STATE_VARIABLES])
    problem = _number_problem(value)
    if problem:
        return problem
    target = registry[vid] if vid in registry else STATE_VARIABLES[vid]
    if op == "add":
        # A parameter's sum is checked along the whole event path (parameter_path_problem); a state
        # variable is clipped to its domain after each jolt, so a delta wider than the domain means nothing.
        if vid in registry:
            return None
        width = target.high - target.low
        if abs(value) > width or (target.integer and value != int(value)):
            kind = "a whole number" if target.integer else "a number"
            return (f"adding {format_number(value)} is not allowed; allowed: {kind} from "
                    f"{format_number(-width)} to {format_number(width)} (the width of its domain, "
                    f"{target.domain_text()})")
        return None
    allowed = target.check(value)
    return f"{format_number(value)} is not allowed; allowed: {allowed}" if allowed else None


def parameter_path_problem(parameters: Mapping[str, float], events, registry: Registry
                           ) -> tuple[int, str, str] | None:
    """(index of the event, id, what is wrong) for the first ``add:`` that takes a parameter out of its domain.

    ``events`` in the order the model applies them (by year, then as listed); each event's
    ``set`` comes before its ``add``, as in ``BalancingModel._apply_parameter_events``. The
    value an ``add`` starts from is the scenario's (after ``--set``) or an earlier event's.
    """
    values = {**registry.defaults(), **parameters}
    for index, event in enumerate(events):
        for pid, value in event.set.items():
            if pid in registry:
                values[pid] = float(value)
        for pid, delta in event.add.items():
            if pid not in registry:
                continue
            before, after = values[pid], values[pid] + float(delta)
            allowed = registry[pid].check(after)
            if allowed:
                n = format_number
                return index, pid, (f"adding {n(delta)} to {n(before)} in {event.year} gives {n(after)}, which is "
                                    f"not allowed; allowed: {allowed} (the sum of the scenario's value and every "
                                    "change until then)")
            values[pid] = after
    return None


def _citation_problem(doc: str, quote: str, documents: Mapping[str, Path] | None = None) -> tuple[str, str] | None:
    """(key, what is wrong) for an event citation of a seed or of one of the scenario's ``documents``, or None."""
    documents = documents or {}
    if doc in documents:
        if find_quote(Citation(doc, quote), path=documents[doc]) is None:
            return "quote", f"quote not found in {doc} ({documents[doc].name}); quote the document verbatim"
        return None
    sources = load_sources()
    if doc not in sources:
        known = [*sources, *documents]
        own = f" or the scenario's documents ({', '.join(documents)})" if documents else " or a document declared under documents:"
        return "doc", (f"unknown document '{doc}'{did_you_mean(doc, known)}; allowed: the files listed in "
                       f"seeds/sources.yaml ({', '.join(sources)}){own}")
    if find_quote(Citation(doc, quote)) is None:
        return "quote", f"quote not found in {doc}; quote the document verbatim"
    return None


def _document_problem(name: str, given: str, folder: Path) -> tuple[str | None, Path | None]:
    """(what is wrong, resolved path) for one ``documents:`` entry: a UTF-8 text file relative to the scenario."""
    if not DOCUMENT_NAME.fullmatch(name):
        return (f"'{name}' is not allowed as a document name; allowed: lowercase letters, digits, '_' and '-', "
                "at most 64 (e.g. smith2024)"), None
    if name in load_sources():
        return f"'{name}' is the name of a seed document; choose another short name", None
    path = Path(given)
    if path.is_absolute():
        return f"'{given}' is an absolute path; allowed: a path relative to the scenario file", None
    if path.suffix.lower() not in DOCUMENT_SUFFIXES:
        return f"'{given}' is not a text file; allowed: files ending in {' or '.join(DOCUMENT_SUFFIXES)}", None
    full = folder / path
    try:
        if not full.is_file():
            return f"'{given}' not found (looked for {full})", None
        size = full.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            return f"'{given}' holds {size:,} bytes; allowed: at most {MAX_DOCUMENT_BYTES:,}", None
        data = full.read_bytes()
    except OSError as err:
        return f"'{given}' cannot be read: {err.strerror or err}", None
    if b"\0" in data:
        return f"'{given}' holds NUL bytes; allowed: a UTF-8 text file", None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        return f"'{given}' is not UTF-8 text (byte {err.start}); save it as UTF-8", None
    return None, full.resolve()


def parse_set(text: str, registry: Registry | None = None) -> tuple[str, float]:
    """Parse a CLI ``ID=VALUE`` string into (id, value), checked against the registry."""
    registry = registry or load_registry()
    pid, sep, raw = text.partition("=")
    pid, raw = pid.strip(), raw.strip()
    if not sep or not pid:
        raise ScenarioError("--set", f"'{text}' is not ID=VALUE; e.g. --set minsk.unrest_threshold=0.6")
    try:
        value = float(raw)
    except ValueError:
        raise ScenarioError("--set", f"must be a number, got '{raw}'", key=pid) from None
    # Plain ASCII decimal notation only: float() also takes "1_0" and full-width or other scripts' digits.
    if math.isfinite(value) and not _PLAIN_NUMBER.fullmatch(raw):
        raise ScenarioError("--set", f"must be a number, got '{raw}' (write it like 0.6, -2 or 1e3)", key=pid)
    problem = parameter_problem(pid, value, registry)
    if problem:
        raise ScenarioError("--set", problem, key=pid)
    return pid, value


def scenario_from_dict(data: Mapping[str, Any], registry: Registry | None = None, *,
                       label: str = "manifest") -> Scenario:
    """Rebuild a resolved scenario from :meth:`Scenario.to_dict` output (e.g. a run manifest), checked again."""
    registry = registry or load_registry()
    try:
        events = tuple(Event(int(e["year"]), {str(k): float(v) for k, v in e.get("set", {}).items()},
                             {str(k): float(v) for k, v in e.get("add", {}).items()}, str(e.get("note", "")),
                             tuple(Citation(c["doc"], c["quote"]) for c in e.get("citations", [])))
                       for e in data.get("events", []))
        scenario = Scenario(
            name=str(data["name"]), title=str(data["title"]), description=str(data["description"]),
            start_year=int(data["start_year"]), end_year=int(data["end_year"]),
            replicates=int(data["replicates"]), seed=int(data["seed"]),
            parameters={str(k): float(v) for k, v in data.get("parameters", {}).items()},
            events=tuple(sorted(events, key=lambda e: e.year)), questions=tuple(data.get("questions", [])),
            path=Path(data.get("path") or label), bases=tuple(Path(b) for b in data.get("bases", [])),
            registry_path=registry.path,
            documents={str(k): Path(str(v)) for k, v in (data.get("documents") or {}).items()},
            leaves_out=tuple(str(x) for x in data.get("leaves_out") or ()))
    except (KeyError, TypeError, ValueError) as err:
        raise ScenarioError(label, f"not a valid resolved scenario: {err!r}") from None
    for i, event in enumerate(scenario.events):
        for op in ("set", "add"):
            for vid, value in getattr(event, op).items():
                problem = _event_problem(op, vid, value, registry)
                if problem:
                    raise ScenarioError(label, problem, key=f"events[{i}].{op}.{vid}")
    try:
        scenario._check(registry, changed={key: getattr(scenario, key) for key in REQUIRED})
    except ScenarioError as err:  # name the file read (the manifest), not the scenario path it records
        raise ScenarioError(label, err.what, key=err.key) from None
    return scenario


# --------------------------------------------------------------------------- loading


@dataclass
class _Layer:
    """One file of the ``base:`` chain."""

    doc: YamlDoc
    spec: _ScenarioIn
    path: Path
    documents: dict[str, Path] = field(default_factory=dict)  # this file's and its bases', resolved
    notes: list[str] = field(default_factory=list)  # warnings, given once the whole chain has loaded


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None,
                  registry: Registry | None = None, *, overrides_label: str = "overrides") -> Scenario:
    """Load, merge (``base:``) and validate a scenario; ``overrides`` maps parameter ids to values.

    ``path`` is a scenario file, or the bare name of a shipped scenario (``"sanctions_lifted"``).
    """
    path = scenario_path(path)
    registry = registry or load_registry()
    layers = _read_chain(path, str(path), registry, ())
    leaf = layers[-1]

    values: dict[str, Any] = {}
    where: dict[str, _Layer] = {}
    parameters: dict[str, float] = {}
    events: list[tuple[_Layer, int, _EventIn]] = []
    questions: list[str] = []
    leaves_out: list[str] = []
    for layer in layers:
        spec = layer.spec
        for key in REQUIRED:
            if getattr(spec, key) is not None:
                values[key], where[key] = getattr(spec, key), layer
        parameters.update(spec.parameters)
        events.extend((layer, i, e) for i, e in enumerate(spec.events))
        if spec.questions is not None:
            questions = spec.questions
        if spec.leaves_out is not None:  # like questions: the nearest file that says it
            leaves_out = spec.leaves_out

    for key in REQUIRED:
        if key not in values:
            chain = " or its base files" if len(layers) > 1 else ""
            raise ScenarioError(leaf.doc.file, f"required key is missing (give it in this file{chain})", key=key)
    start, end = values["start_year"], values["end_year"]
    problem = _horizon_problem(start, end)
    if problem:
        raise where["end_year"].doc.error(("end_year",), problem)
    for layer, i, e in events:
        if not start <= e.year <= end:
            raise layer.doc.error(("events", i, "year"), _outside_years(e.year, start, end))

    for pid, value in (overrides or {}).items():
        problem = parameter_problem(str(pid), value, registry)
        if problem:
            raise ScenarioError(overrides_label, problem, key=str(pid))
        parameters[str(pid)] = float(value)

    by_year = sorted(events, key=lambda entry: entry[2].year)  # stable: the model's order
    problem = parameter_path_problem(parameters, [e for _, _, e in by_year], registry)
    if problem:
        layer, i, _ = by_year[problem[0]]
        raise layer.doc.error(("events", i, "add", problem[1]), problem[2])
    ordered = [e for _, _, e in by_year]
    for layer in layers:
        for note in layer.notes:
            warnings.warn(ScenarioWarning(note), stacklevel=2)
    return Scenario(
        **values,
        parameters={k: float(v) for k, v in parameters.items()},
        events=tuple(Event(e.year, dict(e.set), dict(e.add), e.note,
                           tuple(Citation(c.doc, c.quote) for c in e.citations)) for e in ordered),
        questions=tuple(questions),
        leaves_out=tuple(leaves_out),
        path=Path(path),
        bases=tuple(layer.path for layer in reversed(layers[:-1])),
        registry_path=registry.path,
        documents=dict(leaf.documents),
    )


def _read_chain(path: Path, label: str, registry: Registry, stack: tuple[Path, ...]) -> list[_Layer]:
    """The layers of ``path`` and its bases, root base first; ``stack`` holds the files that include it."""
    if len(stack) >= MAX_BASE_CHAIN:
        raise ScenarioError(label, f"the base: chain is too long ({len(stack) + 1} files); allowed: at most "
                                   f"{MAX_BASE_CHAIN} files, each naming the next as its base")
    doc = read_yaml(path, label=label)
    if not isinstance(doc.data, dict):
        raise ScenarioError(label, f"the top level must be a mapping of key: value, got {show(doc.data)}",
                            line=doc.line(()))
    events = doc.data.get("events")
    if isinstance(events, list) and len(events) > MAX_EVENTS:  # before the slower checks of every event
        raise ScenarioError(label, f"{len(events):,} events; allowed: at most {MAX_EVENTS:,} in one file",
                            line=doc.line(("events",)), key="events")
    try:
        spec = _ScenarioIn.model_validate(doc.data)
    except ValidationError as err:
        raise from_validation_error(doc, err, allowed_keys=_ALLOWED_KEYS) from None
    if spec.base is None:
        bases: list[_Layer] = []
    else:
        bases = _read_bases(doc, spec, path, label, registry, stack)
    documents = dict(bases[-1].documents) if bases else {}
    for name, given in spec.documents.items():
        problem, resolved = _document_problem(name, given, path.parent)
        if problem:
            raise doc.error(("documents", name), problem)
        documents[name] = resolved
    notes = _check_file(doc, spec, registry, documents)
    return [*bases, _Layer(doc, spec, path, documents, notes)]


def _read_bases(doc: YamlDoc, spec: _ScenarioIn, path: Path, label: str, registry: Registry,
                stack: tuple[Path, ...]) -> list[_Layer]:
    """The layers of the ``base:`` of ``path``, root base first.

    ``base:`` is a scenario file relative to this one, or the bare name of a shipped scenario
    (``base: baseline``), so that a student's scenario in a folder of its own can build on the library;
    a file of that exact name next to this one wins, as on the command line."""
    base_path = path.parent / spec.base
    base_label = os.path.normpath(os.path.join(os.path.dirname(label), spec.base))
    if is_bare_name(spec.base) and not base_path.is_file():
        shipped = shipped_scenarios()
        if spec.base not in shipped:
            raise doc.error(("base",), f"'{spec.base}' is no scenario file next to this one and no shipped scenario"
                            + did_you_mean(spec.base, shipped) + f" (shipped: {', '.join(shipped)})")
        base_path, base_label = shipped[spec.base], str(shipped[spec.base])
    here = path.resolve()
    if base_path.resolve().suffix not in (".yaml", ".yml"):
        # A crafted base: must not make the loader read arbitrary (non-scenario) files.
        raise doc.error(("base",), f"base file '{spec.base}' must be a scenario file ending in .yaml or .yml")
    if base_path.resolve() in (*stack, here):
        cycle = [p.name for p in (*stack, here)] + [base_path.name]
        start = cycle.index(base_path.name)
        raise doc.error(("base",), f"base files form a cycle: {' -> '.join(cycle[start:])}")
    if not base_path.is_file():
        raise doc.error(("base",), f"base file '{spec.base}' not found (looked for {base_label})")
    return _read_chain(base_path, base_label, registry, (*stack, here))


def _check_file(doc: YamlDoc, spec: _ScenarioIn, registry: Registry, documents: Mapping[str, Path]) -> list[str]:
    """Check one file's values against the registry, the state variables and the allowed ranges; its citations
    against the seeds and ``documents``. Returns the warnings (events that cite nothing), to be given only once
    the whole scenario has loaded: bad input stays one line."""
    notes: list[str] = []
    base_year = registry.base_year()
    for key in REQUIRED:
        value = getattr(spec, key)
        problem = None if value is None else _field_problem(key, value, base_year)
        if problem:
            raise doc.error((key,), problem)
    if spec.start_year is not None and spec.end_year is not None:
        problem = _horizon_problem(spec.start_year, spec.end_year)
        if problem:
            raise doc.error(("end_year",), problem)
    for pid, value in spec.parameters.items():
        problem = parameter_problem(pid, value, registry)
        if problem:
            raise doc.error(("parameters", pid), problem)
    for i, event in enumerate(spec.events):
        if not event.set and not event.add:
            raise doc.error(("events", i), "an event needs a non-empty 'set' or 'add' mapping of id: number")
        for op in ("set", "add"):
            for vid, value in getattr(event, op).items():
                problem = _event_problem(op, vid, value, registry)
                if problem:
                    raise doc.error(("events", i, op, vid), problem)
        for j, c in enumerate(event.citations):
            problem = _citation_problem(c.doc, c.quote, documents)
            if problem:
                raise doc.error(("events", i, "citations", j, problem[0]), problem[1])
        if not event.citations:
            where = doc.error(("events", i), "cites no source; it is accepted, and the report marks it uncited "
                                             "(add citations: [{doc: ..., quote: ...}] from a seed or your documents:)")
            notes.append(str(where))
    return notes
