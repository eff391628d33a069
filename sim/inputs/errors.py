"""Bad input, and where it is: one error type plus the YAML reading both loaders share.

Every bad input (scenario files, the parameter registry, overrides, ``--set``
strings) raises :class:`ScenarioError`, whose text is one line::

    scenarios/x.yaml:12: events[2].set.minsk.unrest: 1.5 is not allowed; allowed: a number from 0 to 1

:func:`read_yaml` reads a YAML file with ``yaml.SafeLoader`` only, refuses
alias bombs and deep nesting, and remembers the line of every key so that
:func:`from_validation_error` can turn a pydantic error into that one line.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

MAX_BYTES = 512 * 1024  # a YAML input file, refused before parsing: 4x a scenario of 1,500 events with notes
MAX_NODES = 100_000  # YAML values in a document, counting every alias expansion (1,500 events are ~8,000)
MAX_DEPTH = 50  # nesting of mappings and lists

KeyPath = tuple[Any, ...]


class ScenarioError(Exception):
    """Bad input: ``str(err)`` is ``"{file}:{line}: {key}: {what}"`` on one line."""

    def __init__(self, file: str | Path, what: str, *, line: int | None = None, key: str | None = None):
        self.file = _printable(str(file))
        self.line = line
        self.key = _printable(str(key)) if key else None
        self.what = " ".join(str(what).split())
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.key}: {self.what}" if self.key else f"{where}: {self.what}"



class StrictModel(BaseModel):
    """The base of every file schema: exact types, no unknown keys, no NaN or infinity."""

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)


def _printable(text: str) -> str:
    """Escape newlines and other control characters, so that a message stays on one line."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def terminal_text(text: str) -> str:
    """Text for a terminal: control characters (escape sequences that could recolour, move the cursor or
    retitle the window) shown escaped, as ``\x1b``; line breaks and tabs kept."""
    return "\n".join("".join(ch if ch.isprintable() or ch == "\t" else repr(ch)[1:-1] for ch in line)
                     for line in str(text).split("\n"))


def format_key(path: Iterable[Any]) -> str:
    """``("events", 2, "set", "minsk.unrest")`` -> ``"events[2].set.minsk.unrest"``."""
    text = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to ``word`` (difflib ratio >= 0.6), or None: the one rule for suggestions."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or ``""``."""
    close = closest(word, choices)
    return f"; did you mean '{close}'?" if close else ""


def show(value: Any) -> str:
    """A value as a reader of the YAML file would name it."""
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if value is None:
        return "null (nothing)"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        hint = ""
        try:
            float(value)
            hint = "; write it without quotes to give a number"
        except ValueError:
            pass
        return f"the text '{text}'{hint}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return repr(value)


@dataclass
class YamlDoc:
    """A parsed YAML document with the line (1-based) of every key path."""

    file: str
    data: Any
    lines: dict[tuple[str, ...], int] = field(default_factory=dict)

    def line(self, path: Iterable[Any]) -> int | None:
        """Line of ``path``, or of its nearest ancestor that has one."""
        parts = tuple(str(p) for p in path if p != "[key]")
        while parts:
            if parts in self.lines:
                return self.lines[parts]
            parts = parts[:-1]
        return self.lines.get((), None)

    def error(self, path: Iterable[Any], what: str) -> ScenarioError:
        path = tuple(p for p in path if p != "[key]")
        return ScenarioError(self.file, what, line=self.line(path), key=format_key(path))


def read_yaml(path: str | Path, *, label: str | None = None, max_nodes: int = MAX_NODES,
              max_bytes: int = MAX_BYTES) -> YamlDoc:
    """Read one YAML document safely; ``label`` is how errors name the file.

    Refused before parsing: files over ``max_bytes``; while composing: more than ``max_nodes``
    values (aliases expanded) or nesting deeper than ``MAX_DEPTH``.
    """
    label = label or str(path)
    try:
        size = Path(path).stat().st_size
        if size > max_bytes and Path(path).is_file():
            raise ScenarioError(label, f"file too large ({size:,} bytes); allowed: at most {max_bytes:,} bytes "
                                       f"({max_bytes // 1024} KiB)")
        with open(path, "rb") as stream:
            raw = stream.read(max_bytes + 1)  # never more, whatever the file grows to meanwhile
        if len(raw) > max_bytes:
            raise ScenarioError(label, f"file too large; allowed: at most {max_bytes:,} bytes ({max_bytes // 1024} KiB)")
    except FileNotFoundError:
        raise ScenarioError(label, "file not found") from None
    except IsADirectoryError:
        raise ScenarioError(label, "is a directory, not a YAML file") from None
    except OSError as err:
        raise ScenarioError(label, f"cannot read the file: {err.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ScenarioError(label, f"not UTF-8 text (byte 0x{raw[err.start]:02x}); save the file as UTF-8",
                            line=line) from None
    return parse_yaml(text, label=label, max_nodes=max_nodes)


def parse_yaml(text: str, *, label: str, max_nodes: int = MAX_NODES) -> YamlDoc:
    """Parse YAML text with ``yaml.SafeLoader``; see :func:`read_yaml`."""
    if len(text) > MAX_BYTES * 4:  # text handed in directly (not through read_yaml): still bounded
        raise ScenarioError(label, f"YAML text too large ({len(text):,} characters); allowed: at most "
                                   f"{MAX_BYTES * 4:,}")
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as err:  # characters YAML does not allow, such as NUL
        line = text[: err.position].count("\n") + 1
        raise ScenarioError(label, f"YAML error: character {err.character!r} is not allowed in YAML",
                            line=line) from None
    try:
        _check_nesting(text, label)
        node = loader.get_single_node()
        if node is None:
            raise ScenarioError(label, "the file is empty; expected a YAML mapping of key: value")
        _check_size(node, label, max_nodes)
        lines = _key_lines(node, label)  # before constructing, which merges '<<' keys into the mappings
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        what = " ".join(str(p) for p in (err.context, err.problem) if p)
        raise ScenarioError(label, f"YAML syntax error: {what}",
                            line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as err:
        raise ScenarioError(label, f"YAML error: {err}") from None
    except RecursionError:
        raise ScenarioError(label, f"YAML nested too deeply; at most {MAX_DEPTH} levels are allowed") from None
    finally:
        loader.dispose()
    return YamlDoc(label, data, lines)


def _check_nesting(text: str, label: str) -> None:
    """Refuse deep nesting before composing (the composer recurses once per level)."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise ScenarioError(label, f"YAML nested too deeply; at most {MAX_DEPTH} levels are allowed",
                                    line=event.start_mark.line + 1)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _check_size(root: yaml.Node, label: str, max_nodes: int) -> None:
    """Refuse alias bombs, recursive aliases and deep nesting, in time linear in the node count."""
    sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded node count, height)
    active: set[int] = set()
    aliases = [False]  # whether a node is reached twice (an alias): only then is "alias bomb" the right word

    def measure(node: yaml.Node, depth: int) -> tuple[int, int]:
        key = id(node)
        if key in sizes:
            count, height = sizes[key]
            aliases[0] = True
        else:
            if key in active:
                raise ScenarioError(label, "a YAML alias refers to itself (recursive structure)",
                                    line=node.start_mark.line + 1)
            if depth > MAX_DEPTH:
                raise ScenarioError(label, f"YAML nested too deeply; at most {MAX_DEPTH} levels are allowed",
                                    line=node.start_mark.line + 1)
            active.add(key)
            count, height = 1, 0
            for child in _children(node):
                c, h = measure(child, depth + 1)
                count, height = count + c, max(height, h + 1)
                if count > max_nodes:
                    break
            active.discard(key)
            sizes[key] = (count, height)
        if depth + height > MAX_DEPTH:
            raise ScenarioError(label, f"YAML nested too deeply; at most {MAX_DEPTH} levels are allowed",
                                line=node.start_mark.line + 1)
        if count > max_nodes:
            what = ("once its aliases are expanded (an alias bomb?)" if aliases[0] else "(values and keys)")
            raise ScenarioError(label, f"YAML document too large: more than {max_nodes:,} values {what}; allowed: "
                                       f"at most {max_nodes:,}", line=node.start_mark.line + 1)
        return count, height

    measure(root, 0)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _key_lines(root: yaml.Node, label: str) -> dict[tuple[str, ...], int]:
    """Map each key path (parts as text) to its line; each node is entered once. Refuses duplicate keys."""
    lines: dict[tuple[str, ...], int] = {(): root.start_mark.line + 1}
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, tuple[str, ...]]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key_node, value_node in node.value:
                key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
                line = key_node.start_mark.line + 1
                if key in first and key != "?":
                    raise ScenarioError(label, f"duplicate key (first given on line {first[key]}); give each key "
                                               "once", line=line, key=format_key(path + (key,)))
                first[key] = line
                lines.setdefault(path + (key,), line)
                stack.append((value_node, path + (key,)))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines.setdefault(path + (str(index),), item.start_mark.line + 1)
                stack.append((item, path + (str(index),)))
    return lines


_TYPE_WORDS = {
    "int_type": "must be a whole number (integer)",
    "int_from_float": "must be a whole number (integer)",
    "float_type": "must be a number",
    "string_type": "must be text",
    "bool_type": "must be true or false",
    "dict_type": "must be a mapping of key: value",
    "model_type": "must be a mapping of key: value",
    "model_attributes_type": "must be a mapping of key: value",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "finite_number": "must be a finite number (not .nan or .inf)",
    "missing": "required key is missing",
}


def from_validation_error(doc: YamlDoc, err: ValidationError,
                          allowed_keys: dict[KeyPath, Iterable[str]] | None = None) -> ScenarioError:
    """The first (by line) pydantic error of ``err`` as a one-line ScenarioError.

    ``allowed_keys`` maps a parent path (list indices written ``"*"``) to the key names allowed there, used to list the keys that exist and
    suggest the closest one for an unknown key.
    """
    errors = err.errors(include_url=False)

    # The first in file order; a missing key last, as an unknown key is often the same key misspelled.
    first = min(errors, key=lambda e: (e["type"] == "missing", doc.line(e["loc"]) or 0))
    loc = tuple(first["loc"])
    bad_key = loc[-1:] == ("[key]",) or first["type"] == "invalid_key"
    if loc and loc[-1] == "[key]":
        loc = loc[:-1]
    if bad_key and loc:  # a mapping key of the wrong type: name it as a key, not an index
        loc = loc[:-1] + (str(loc[-1]),)
    kind, value = first["type"], first.get("input")
    if kind == "extra_forbidden":
        parent = tuple("*" if isinstance(p, int) and not isinstance(p, bool) else p for p in loc[:-1])
        allowed = sorted((allowed_keys or {}).get(parent, ()))
        what = "unknown key" + did_you_mean(str(loc[-1]), allowed)
        if allowed:
            what += f" (allowed keys: {', '.join(allowed)})"
    elif kind == "missing":
        what = _TYPE_WORDS[kind]
    elif bad_key:
        what = f"keys must be text, got {show(value)}"
    elif kind in _TYPE_WORDS:
        what = f"{_TYPE_WORDS[kind]}, got {show(value)}"
    elif kind in ("too_short", "too_long"):
        what = f"{first['msg'][0].lower()}{first['msg'][1:]}"
    else:
        what = f"{first['msg']}, got {show(value)}"
    return doc.error(loc, what)
