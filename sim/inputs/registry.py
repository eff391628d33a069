"""The parameter registry: every number of the model, its range, and the quote it rests on.

``seeds/parameters.yaml`` lists the parameters (format: id, value, unit, low, high, prior,
domain, integer, meaning, citations, note, assumption). Loading validates every
entry and raises :class:`sim.errors.ScenarioError` naming the file, line and key
of the first defect. :func:`verify_quotes` checks that each quoted passage occurs
in its seed document, after :func:`fold` evens out whitespace, quotes and dashes.
This module knows nothing of Mesa.
"""

from __future__ import annotations

import functools
import math
import numbers
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.common.formats import yaml_number
from sim.inputs.errors import StrictModel, YamlDoc, closest, did_you_mean, from_validation_error, read_yaml
from sim.inputs.resources import SEEDS_DIR

DEFAULT_REGISTRY = SEEDS_DIR / "parameters.yaml"
DEFAULT_SOURCES = SEEDS_DIR / "sources.yaml"
ID_PATTERN = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")
INF = float("inf")
REGISTRY_MAX_NODES = 200_000
# What kind of number a registry entry is; only 'uncertain' ones are sampled by `--params all`.
# How `--parameter-uncertainty prior` draws an ASSUMPTION over its plausible range [low, high] (docs/ODD.md).
PRIORS = {"triangular": "peaked at the registry value, reaching the ends of the range (the default)",
          "uniform": "every value of the range equally likely", "fixed": "not drawn: always the registry value"}
ROLES = {"uncertain": "a value we are unsure of", "initial": "the observed 2015 starting picture",
         "switch": "a scenario's choice (e.g. whether the war is on)", "calendar": "scheduled dates"}


# --------------------------------------------------------------------------- public types


@dataclass(frozen=True)
class Citation:
    """A verbatim passage ``quote`` of the document ``doc``: a seed file name in ``seeds/``, or, in a scenario's
    events, the short name of one of the scenario's own ``documents:``."""

    doc: str
    quote: str


@dataclass(frozen=True)
class Source:
    """One seed document as listed in ``seeds/sources.yaml``."""

    file: str
    short: str
    outlet: str = ""
    author: str = ""
    vantage_date: str = ""
    title: str = ""


format_number = yaml_number  # a number as written in YAML (sim.common.formats)


@dataclass(frozen=True)
class Parameter:
    """One registry entry. ``domain_low``/``domain_high`` bound what a scenario may set (finite in files)."""

    id: str
    value: float
    unit: str
    low: float
    high: float
    domain_low: float
    domain_high: float
    integer: bool
    meaning: str
    citations: tuple[Citation, ...] = ()
    assumption: str | None = None
    note: str | None = None
    role: str = "uncertain"  # uncertain | initial | switch | calendar: see ROLES
    prior: str = "triangular"  # triangular | uniform | fixed: see PRIORS

    @property
    def drawn(self) -> bool:
        """Drawn world by world under ``--parameter-uncertainty prior``: an ASSUMPTION (not a cited value) that
        is a value we are unsure of or an assumed starting value (not a switch or a date), with a range."""
        return (self.assumption is not None and self.role in ("uncertain", "initial") and self.prior != "fixed"
                and self.low < self.high)

    def prior_quantile(self, u):
        """The value at cumulative probability ``u`` (floats or an array in [0, 1)) of the prior: over the
        plausible range [low, high], triangular with its peak at the registry value or uniform; integers rounded."""
        import numpy as np  # only where draws are made

        u = np.asarray(u, dtype=float)
        a, c, b = self.low, self.value, self.high
        if self.prior == "uniform":
            x = a + u * (b - a)
        else:
            left = (c - a) / (b - a)
            x = np.where(u < left, a + np.sqrt(u * (b - a) * (c - a)), b - np.sqrt((1 - u) * (b - a) * (b - c)))
        x = np.clip(x, self.low, self.high)
        return np.round(x) if self.integer else x

    @property
    def uncertain(self) -> bool:
        """A value we are unsure of (not a 2015 starting value, a scenario switch or a date): what designs sample."""
        return self.role == "uncertain"

    def domain_text(self) -> str:
        """What a scenario may set, e.g. ``"a number from 0 to 1"`` or ``"an integer >= 0"``."""
        kind = "an integer" if self.integer else "a number"
        lo, hi = self.domain_low, self.domain_high
        if lo > -INF and hi < INF:
            return f"{kind} from {format_number(lo)} to {format_number(hi)}"
        if lo > -INF:
            return f"{kind} >= {format_number(lo)}"
        if hi < INF:
            return f"{kind} <= {format_number(hi)}"
        return "any integer" if self.integer else "any finite number"

    def check(self, value: Any) -> str | None:
        """None when ``value`` is allowed, else the text of what is allowed."""
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            return self.domain_text()
        if not (self.domain_low <= value <= self.domain_high) or (self.integer and value != int(value)):
            return self.domain_text()
        return None

    def value_text(self) -> str:
        """The value as a reader would write it: ``0.35``, ``52``, ``2015``."""
        return format_number(self.value)

    def range_text(self) -> str:
        """The plausible range used by sweeps: ``0.3-0.7``, or ``-4.5 to -1`` when negative."""
        lo, hi = format_number(self.low), format_number(self.high)
        return f"{lo} to {hi}" if min(self.low, self.high) < 0 else f"{lo}-{hi}"

    def source_short(self, sources: Mapping[str, Source]) -> str:
        """Short names of the cited documents, or ``"ASSUMPTION"`` when the number is assumed."""
        if self.assumption:
            return "ASSUMPTION"
        names = [sources[c.doc].short if c.doc in sources else c.doc for c in self.citations]
        return ", ".join(dict.fromkeys(names))

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-able form; an unbounded side of the domain is ``None``."""
        num = (lambda x: int(x)) if self.integer else (lambda x: x)
        return {
            "id": self.id,
            "value": num(self.value),
            "unit": self.unit,
            "low": num(self.low),
            "high": num(self.high),
            "domain": [None if math.isinf(self.domain_low) else num(self.domain_low),
                       None if math.isinf(self.domain_high) else num(self.domain_high)],
            "integer": self.integer,
            "meaning": self.meaning,
            "citations": [{"doc": c.doc, "quote": c.quote} for c in self.citations],
            "assumption": self.assumption,
            "note": self.note,
        }


class Registry(Mapping[str, Parameter]):
    """Parameters by id, in file order. ``path`` is the file they came from."""

    def __init__(self, parameters: Iterable[Parameter], path: Path | None = None):
        self._parameters = {p.id: p for p in parameters}
        self.path = path

    def __getitem__(self, id: str) -> Parameter:
        return self._parameters[id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._parameters)

    def __len__(self) -> int:
        return len(self._parameters)

    def __repr__(self) -> str:
        return f"Registry({len(self)} parameters from {self.path})"

    def defaults(self) -> dict[str, float]:
        """Every parameter's registry value by id."""
        return {p.id: p.value for p in self._parameters.values()}

    def suggest(self, id: str, extra: Iterable[str] = ()) -> str | None:
        """The closest known id (also among ``extra``), or None."""
        return closest(id, [*self._parameters, *extra])

    def base_year(self) -> int:
        """The model's first year: ``model.base_year`` if registered, else 2015."""
        p = self._parameters.get("model.base_year")
        return int(p.value) if p else 2015


# --------------------------------------------------------------------------- file schema


_Strict = StrictModel  # the schemas below: exact types, no unknown keys, no NaN


class CitationIn(StrictModel):
    """A citation as written in a file: a document and a verbatim quote (registry, scenarios, observations)."""

    doc: str
    quote: str = Field(min_length=1)


_CitationIn = CitationIn


class _ParameterIn(_Strict):
    id: str
    value: float
    unit: str
    low: float
    high: float
    # Finite on both sides: the model is proven safe on the domain box (tests/test_domains.py).
    domain: list[float] = Field(min_length=2, max_length=2)
    integer: bool = False
    meaning: str
    citations: list[_CitationIn] = []
    note: Optional[str] = None
    assumption: Optional[str] = None
    role: Literal["uncertain", "initial", "switch", "calendar"] = "uncertain"
    prior: Literal["triangular", "uniform", "fixed"] = "triangular"


class _RegistryIn(_Strict):
    parameters: list[_ParameterIn]


class _SourceIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")
    file: str
    short: str
    outlet: str = ""
    author: str = ""
    vantage_date: str = ""
    title: str = ""


class _SourcesIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    documents: list[_SourceIn]


_ALLOWED_KEYS = {
    (): _RegistryIn.model_fields,
    ("parameters", "*"): _ParameterIn.model_fields,
    ("parameters", "*", "citations", "*"): _CitationIn.model_fields,
}


# --------------------------------------------------------------------------- loading


def _cache_key(path: Path) -> tuple[str, int]:
    path = Path(path).resolve()
    try:
        return str(path), path.stat().st_mtime_ns
    except OSError:
        return str(path), -1


def load_sources(path: str | Path | None = None) -> dict[str, Source]:
    """The seed documents of ``seeds/sources.yaml`` by file name."""
    return _load_sources(*_cache_key(Path(path or DEFAULT_SOURCES)))


@functools.lru_cache(maxsize=16)
def _load_sources(path: str, _mtime: int) -> dict[str, Source]:
    doc = read_yaml(path)
    try:
        parsed = _SourcesIn.model_validate(doc.data)
    except ValidationError as err:
        raise from_validation_error(doc, err) from None
    return {s.file: Source(**s.model_dump()) for s in parsed.documents}


def load_registry(path: str | Path | None = None, sources_path: str | Path | None = None) -> Registry:
    """Load and validate the registry (default ``seeds/parameters.yaml``); cached per file version."""
    return _load_registry(*_cache_key(Path(path or DEFAULT_REGISTRY)),
                          *_cache_key(Path(sources_path or DEFAULT_SOURCES)))


@functools.lru_cache(maxsize=16)
def _load_registry(path: str, _mtime: int, sources_path: str, _sources_mtime: int) -> Registry:
    doc = read_yaml(path, max_nodes=REGISTRY_MAX_NODES)
    try:
        parsed = _RegistryIn.model_validate(doc.data)
    except ValidationError as err:
        raise from_validation_error(doc, err, allowed_keys=_ALLOWED_KEYS) from None
    sources = load_sources(sources_path)
    first_line: dict[str, int] = {}
    parameters = []
    for i, entry in enumerate(parsed.parameters):
        parameters.append(_check_entry(doc, ("parameters", i), entry, sources, first_line))
    return Registry(parameters, Path(path))


def _check_entry(doc: YamlDoc, at: tuple, e: _ParameterIn, sources: Mapping[str, Source],
                 first_line: dict[str, int]) -> Parameter:
    """Check one entry's meaning (the schema is already checked) and build its Parameter."""
    if not ID_PATTERN.fullmatch(e.id):
        raise doc.error(at + ("id",), f"bad id '{e.id}'; allowed: <group>.<name>, lowercase letters, "
                                      "digits and _, e.g. minsk.unrest_threshold")
    if e.id in first_line:
        raise doc.error(at + ("id",), f"duplicate id '{e.id}' (first defined on line {first_line[e.id]})")
    first_line[e.id] = doc.line(at) or 0
    lo, hi = e.domain
    n = format_number
    if lo > hi:
        raise doc.error(at + ("domain",), f"domain [{n(lo)}, {n(hi)}] of '{e.id}' is empty; write [lowest, highest]")
    if e.low > e.high:
        raise doc.error(at + ("low",), f"low {n(e.low)} of '{e.id}' is above high {n(e.high)}")
    for name in ("low", "high"):
        x = getattr(e, name)
        if not lo <= x <= hi:
            raise doc.error(at + (name,), f"{name} {n(x)} of '{e.id}' lies outside its domain [{n(lo)}, {n(hi)}]")
    if not e.low <= e.value <= e.high:
        raise doc.error(at + ("value",), f"value {n(e.value)} of '{e.id}' lies outside its range "
                                         f"[low, high] = [{n(e.low)}, {n(e.high)}]")
    if e.integer:
        for name in ("value", "low", "high"):
            x = getattr(e, name)
            if x != int(x):
                raise doc.error(at + (name,), f"{name} {n(x)} of '{e.id}' must be a whole number because integer: true")
    assumption = e.assumption.strip() if e.assumption and e.assumption.strip() else None
    if not e.citations and not assumption:
        raise doc.error(at, f"'{e.id}' has neither citations nor an assumption; cite a quote from a "
                            "seed document or state the assumption")
    for j, c in enumerate(e.citations):
        if c.doc not in sources:
            raise doc.error(at + ("citations", j, "doc"),
                            f"unknown document '{c.doc}'{did_you_mean(c.doc, sources)}; allowed: the files "
                            f"listed in seeds/sources.yaml ({', '.join(sources)})")
    return Parameter(
        id=e.id, value=e.value, unit=e.unit, low=e.low, high=e.high, domain_low=lo, domain_high=hi,
        integer=e.integer, meaning=e.meaning, citations=tuple(Citation(c.doc, c.quote) for c in e.citations),
        assumption=assumption, note=e.note, role=e.role, prior=e.prior,
    )


# --------------------------------------------------------------------------- quotes

_FOLD_CHARS = str.maketrans(
    {**{c: "'" for c in "\u2018\u2019\u201a\u201b\u2032\u00b4"},
     **{c: '"' for c in "\u201c\u201d\u201e\u201f\u2033"},
     **{c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"}}
)
_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*(?=\s|$)|\n")


def fold(text: str) -> str:
    """Even out text for quote matching: curly quotes to straight, dashes to '-', whitespace runs to one space."""
    return _SPACES.sub(" ", text.translate(_FOLD_CHARS)).strip()


def _fold_keep_lines(text: str) -> str:
    """Like :func:`fold`, but a whitespace run holding a line break becomes ``"\\n"`` (same length as fold)."""
    return _SPACES.sub(lambda m: "\n" if "\n" in m.group() else " ", text.translate(_FOLD_CHARS)).strip()


@functools.lru_cache(maxsize=64)
def _document(path: str) -> str | None:
    try:
        return _fold_keep_lines(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


def find_quote(citation: Citation, seeds_dir: str | Path | None = None,
               path: str | Path | None = None) -> tuple[str, int, int] | None:
    """(folded document with line breaks kept, start, end) of the quote, or None when it is not there.

    The document is the seed file ``citation.doc`` in ``seeds_dir``, or the file ``path`` when given
    (a scenario's own document)."""
    text = _document(str(Path(path) if path is not None else Path(seeds_dir or SEEDS_DIR) / citation.doc))
    quote = fold(citation.quote)
    if text is None or not quote:
        return None
    start = text.replace("\n", " ").find(quote)
    return None if start < 0 else (text, start, start + len(quote))


def verify_quotes(registry: Registry, seeds_dir: str | Path | None = None) -> list[str]:
    """Problems with the registry's quotes, one line each naming parameter id and document."""
    seeds = Path(seeds_dir or SEEDS_DIR)
    problems = []
    for p in registry.values():
        for c in p.citations:
            if _document(str(seeds / c.doc)) is None:
                problems.append(f"{p.id}: document {c.doc} cannot be read from {seeds}")
            elif find_quote(c, seeds) is None:
                problems.append(f"{p.id}: quote not found in {c.doc}: \"{c.quote}\"")
    return problems


def split_at_quote(sentence: str, quote: str) -> tuple[str, str, str] | None:
    """(before, quoted passage, after) of a sentence from :func:`quote_context`, or None if the quote is not in it."""
    folded = fold(quote)
    start = sentence.find(folded)
    if start < 0:
        return None
    return sentence[:start], sentence[start:start + len(folded)], sentence[start + len(folded):]


def quote_context(param: Parameter, seeds_dir: str | Path | None = None) -> list[tuple[Citation, str | None]]:
    """For each citation, the whole sentence(s) of its document that contain the quote (None if absent).

    A sentence ends at ``.``, ``!`` or ``?`` (and any closing quote or bracket) followed by
    whitespace, or at a line break: the seed documents hold one paragraph or heading per line.
    """
    return [(c, quote_sentence(c, seeds_dir)) for c in param.citations]


@functools.lru_cache(maxsize=4096)  # every run records the sentences of all its quotes (its manifest)
def quote_sentence(citation: Citation, seeds_dir: str | Path | None = None,
                   path: str | Path | None = None) -> str | None:
    """The whole sentence(s) of the cited document holding the quote (see :func:`quote_context`), or None."""
    found = find_quote(citation, seeds_dir, path)
    if found is None:
        return None
    text, start, end = found
    begin = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        begin = m.end()
    stop = len(text)
    for m in _SENTENCE_END.finditer(text, start):
        if m.end() >= end:
            stop = m.end()
            break
    return text[begin:stop].replace("\n", " ").strip()
