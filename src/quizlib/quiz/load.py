"""Quiz files to the model. Loading is strict and reports every problem in a file at once.

Each problem names the file, the line, the field (a path such as ``questions[2].options[1].correct``,
counting from 1) and what was expected, on one line. Nothing here raises anything but :class:`QuizFileError`,
whatever a file holds: a file too large, nested too deeply or with aliases that expand too far is refused
with a problem like any other (the limits below, each several times what the course's largest file needs),
and a file the loader cannot check at all is reported as that file's problem, never as a crash.

Lines are counted as editors count them (a line ends at LF, CR LF or CR); YAML also breaks lines at NEL, LS
and PS, so every line here is worked out from a node's place in the text, never from YAML's own count.
"""

from __future__ import annotations

import bisect
import dataclasses
import difflib
import functools
import itertools
import json
import math
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Union

import yaml

from quizlib.quiz import model
from quizlib.quiz.kinds import kind_of
from quizlib.quiz.model import QUESTION_TYPES, SCHEMA_VERSION, Bibliography, Course, Quiz, Settings

BIBLIOGRAPHY_FILE = "references.yaml"

# Limits on one file. The course's largest file has 70 KB, 2,000 values, 9 levels and 14 entries in a list.
MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 32  # lists and mappings within each other
MAX_VALUES = 20_000  # every value, key and list, counting each alias as all that it repeats
MAX_ENTRIES = 1_000  # in one list or mapping
MAX_QUESTIONS = 200  # in one quiz
MAX_TEXT = 10_000  # characters in one text field
MAX_PROBLEMS = 100  # reported for one file; the rest are counted


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return _one_line(f"{self.file}:{self.line}: {where}{self.message}")


def _one_line(text: str) -> str:
    """``text`` with line breaks and other invisible controls written as escapes, so one problem is one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else json.dumps(c)[1:-1] for c in text)


def _show(value: Any, limit: int = 60) -> str:
    """A value for a message: its repr, cut short if it is long."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f" ({len(value):,} characters)" if isinstance(value, str) else ""
    return text[: limit - 1] + "…" + size


class QuizFileError(Exception):
    """One or more quiz files are invalid. ``problems`` lists every problem found, sorted by file and line."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


_INVALID: Any = object()
_TAG = "tag:yaml.org,2002:"
# Scalars are built by calling the constructor's methods directly: its construct_object keeps every node it
# has built, for ever, in a loader made once per process.
_SCALARS = yaml.constructor.SafeConstructor()
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE


def _construct(node: yaml.ScalarNode, tag: str) -> Any:
    """The bool, int or float a scalar holds, or _INVALID (``0x``, ``!!int ""``, a thousand digits...)."""
    try:
        return getattr(_SCALARS, f"construct_yaml_{tag}")(node)
    except (ValueError, IndexError, KeyError, OverflowError, TypeError, AttributeError):
        return _INVALID


_TOO_DEEP = f"lists and mappings are nested more than {MAX_DEPTH} deep; a quiz needs fewer than 10 levels"


class _Limit(yaml.MarkedYAMLError):
    """A file over one of the limits, found while composing it."""


class _LimitedComposer(yaml.composer.Composer):
    """PyYAML's composer, stopping at the first limit a file goes over: depth, values (aliases expanded) and
    entries in one list or mapping. It stops early, so a bomb costs no more than the limit."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.values = 0
        self.sizes: dict[str, int] = {}  # anchor -> how many values it stands for
        self.entries: list[list[int]] = []  # per open list or mapping: [entries so far, values per entry]

    def _count(self, n: int, mark: Any, alias: bool) -> None:
        self.values += n
        if self.values > MAX_VALUES:
            what = " once its aliases (*name) are expanded" if alias else ""
            raise _Limit(
                None,
                None,
                f"holds more than {MAX_VALUES:,} values{what}; expected a smaller file (split the bank in two)",
                mark,
            )

    def compose_node(self, parent, index):
        event = self.peek_event()
        if self.entries:
            counter = self.entries[-1]
            counter[0] += 1
            if counter[0] > MAX_ENTRIES * counter[1]:
                what = "mapping has" if counter[1] == 2 else "list has"
                raise _Limit(None, None, f"this {what} more than {MAX_ENTRIES:,} entries", event.start_mark)
        if isinstance(event, yaml.AliasEvent):
            self._count(self.sizes.get(event.anchor, 1), event.start_mark, alias=True)
            return super().compose_node(parent, index)
        if self.depth >= MAX_DEPTH:
            raise _Limit(
                None,
                None,
                _TOO_DEEP,
                event.start_mark,
            )
        start = self.values
        self._count(1, event.start_mark, alias=False)
        collection = isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent))
        if collection:
            self.entries.append([0, 2 if isinstance(event, yaml.MappingStartEvent) else 1])
        self.depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self.depth -= 1
            if collection:
                self.entries.pop()
        if event.anchor is not None:
            self.sizes[event.anchor] = self.values - start
        return node


try:  # libyaml reads the text about twenty times faster; the composing (and its limits) stays in Python.
    from yaml._yaml import CParser as _FastParser

    _LIBYAML = True
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _LIBYAML = False

if _LIBYAML:

    class _Composer(_LimitedComposer, _FastParser, yaml.resolver.Resolver):
        def __init__(self, text: str):
            _FastParser.__init__(self, text)
            _LimitedComposer.__init__(self)
            yaml.resolver.Resolver.__init__(self)

else:  # pragma: no cover

    class _Composer(  # type: ignore[no-redef]
        yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, _LimitedComposer, yaml.resolver.Resolver
    ):
        def __init__(self, text: str):
            yaml.reader.Reader.__init__(self, text)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            _LimitedComposer.__init__(self)
            yaml.resolver.Resolver.__init__(self)


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if tp is str:
        return "text"
    if tp is bool:
        return "true or false"
    if tp is int:
        return "a whole number"
    if tp is float:
        return "a number"
    if origin is tuple:
        return "a list"
    if origin is dict or dataclasses.is_dataclass(tp):
        return "a mapping of fields"
    if origin is Literal:
        return " or ".join(repr(a) for a in typing.get_args(tp))
    return str(tp)


def _found(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag == _TAG + "null":
        return "nothing"
    return _show(node.value)


def _field_help(cls: type, name: str) -> str:
    return next(f.metadata.get("help", "") for f in dataclasses.fields(cls) if f.name == name)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class _Reader:
    """Builds model objects from composed YAML nodes, collecting problems with their lines."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []
        self.lines: dict[str, int] = {}
        self.where: dict[int, str] = {}  # id() of each built object -> its field path
        self.line_starts: list[int] = [0]  # where each line of the text begins, as editors count lines

    def read_text(self, text: str) -> None:
        if "\r" in text:
            self.line_starts = [0, *(m.end() for m in _LINE_BREAK.finditer(text))]
        else:
            self.line_starts = list(itertools.accumulate((len(line) + 1 for line in text.split("\n")), initial=0))

    def line(self, mark: Any) -> int:
        """The line (from 1) of a YAML mark, from its place in the text: YAML's own count also breaks lines at
        NEL, LS and PS, which editors do not."""
        index = getattr(mark, "index", None)
        if index is None:
            return mark.line + 1 if mark is not None else 1
        return bisect.bisect_right(self.line_starts, index)

    def problem(self, line: int, path: str, message: str) -> None:
        self.problems.append(Problem(self.file, line, path, message))

    def line_of(self, path: str) -> int:
        """The line of the deepest known field on ``path``."""
        while path not in self.lines and path:
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return self.lines.get(path, 1)

    def at(self, path: str, message: str) -> None:
        self.problem(self.line_of(path), path, message)

    def path(self, obj: Any) -> str:
        return self.where[id(obj)]

    # -- type-directed building -------------------------------------------------------------------------

    def build(self, node: yaml.Node, tp: Any, path: str) -> Any:
        self.lines[path] = self.line(node.start_mark)
        origin = typing.get_origin(tp)
        if tp is model.Question:
            return self._question(node, path)
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            return self._dataclass(node, tp, path)
        if origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if node.tag == _TAG + "null":
                return None
            return self.build(node, args[0], path)
        if origin is tuple:
            if not isinstance(node, yaml.SequenceNode):
                self.problem(self.line(node.start_mark), path, f"expected a list, found {_found(node)}")
                return _INVALID
            item_type = typing.get_args(tp)[0]
            if item_type is model.Question and len(node.value) > MAX_QUESTIONS:
                self.problem(
                    self.line(node.start_mark),
                    path,
                    f"expected at most {MAX_QUESTIONS} questions in one quiz, found {len(node.value):,}; "
                    "split them into several quizzes",
                )
                return _INVALID
            items = []
            for i, n in enumerate(node.value):
                item = self.build(n, item_type, f"{path}[{i + 1}]")
                if isinstance(item, (model.Option, model.StageOption)) and not item.id:
                    item = dataclasses.replace(item, id=_letter(i))  # responses name options by id
                    self.where[id(item)] = f"{path}[{i + 1}]"
                items.append(item)
            if item_type is model.Question:
                # One broken question should not hide the problems of the others: keep the sound ones.
                return tuple(i for i in items if i is not _INVALID)
            return _INVALID if any(i is _INVALID for i in items) else tuple(items)
        if origin is dict:
            if not isinstance(node, yaml.MappingNode):
                self.problem(self.line(node.start_mark), path, f"expected a mapping, found {_found(node)}")
                return _INVALID
            value_type = typing.get_args(tp)[1]
            out = {}
            for key_node, value_node in self._mapping_items(node, path):
                out[key_node.value] = self.build(value_node, value_type, _join(path, key_node.value))
            return _INVALID if any(v is _INVALID for v in out.values()) else out
        return self._scalar(node, tp, path)

    def _scalar(self, node: yaml.Node, tp: Any, path: str) -> Any:
        line = self.line(node.start_mark)
        if not isinstance(node, yaml.ScalarNode) or node.tag == _TAG + "null":
            self.problem(line, path, f"expected {_type_name(tp)}, found {_found(node)}")
            return _INVALID
        tag = node.tag.removeprefix(_TAG)
        found = _show(node.value)
        if typing.get_origin(tp) is Literal:
            allowed = typing.get_args(tp)
            if node.value not in allowed:
                self.problem(line, path, f"expected {_type_name(tp)}, found {found}")
                return _INVALID
            return node.value
        if tp is str:
            # Strict like the JSON Schema: a bare 81 or yes is not text until it is quoted.
            if tag != "str":
                self.problem(line, path, f"expected text, found {found} (put it in quotes to mean text)")
                return _INVALID
            if len(node.value) > MAX_TEXT:
                self.problem(line, path, f"expected at most {MAX_TEXT:,} characters, found {len(node.value):,}")
                return _INVALID
            return str(node.value)
        expected = {bool: "true or false", int: "a whole number", float: "a number"}[tp]
        tags = {bool: ("bool",), int: ("int",), float: ("int", "float")}[tp]
        value = _construct(node, tag) if tag in tags else _INVALID
        if value is _INVALID:
            self.problem(line, path, f"expected {expected}, found {found}")
            return _INVALID
        if tp is float:
            try:
                value = float(value)
            except OverflowError:
                value = math.inf
            if not math.isfinite(value):
                self.problem(line, path, f"expected a finite number, found {found}")
                return _INVALID
        return value
        raise TypeError(f"quizlib model uses an unsupported type {tp!r}")  # a bug in model.py, not in a file

    def _mapping_items(self, node: yaml.MappingNode, path: str):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = self.line(key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(line, path, "expected a field name, found a mapping or list")
                continue
            key = str(key_node.value)
            if key in seen:
                self.problem(line, _join(path, key), f"duplicate field; it is already set on line {seen[key]}")
                continue
            seen[key] = line
            yield key_node, value_node

    def _dataclass(self, node: yaml.Node, cls: type, path: str) -> Any:
        if not isinstance(node, yaml.MappingNode):
            self.problem(self.line(node.start_mark), path, f"expected a mapping of fields, found {_found(node)}")
            return _INVALID
        hints = _hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        suggested: set[str] = set()
        ok = True
        for key_node, value_node in self._mapping_items(node, path):
            key = key_node.value
            field_path = _join(path, key)
            if key not in fields:
                expected = ", ".join(sorted(fields))
                close = difflib.get_close_matches(key, list(fields), n=1) if len(key) <= 100 else []
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                suggested.update(close)
                self.problem(
                    self.line(key_node.start_mark), field_path, f"unknown field{hint}; expected one of: {expected}"
                )
                ok = False
                continue
            value = self.build(value_node, hints[key], field_path)
            if value is _INVALID:
                ok = False
                continue
            self._constraints(fields[key], value, value_node, field_path)
            values[key] = value
        for name, f in fields.items():
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            present = any(isinstance(k, yaml.ScalarNode) and k.value == name for k, _ in node.value)
            if required and not present:
                ok = False
                if name not in suggested:  # "did you mean 'prompt'?" already says it
                    help_text = f.metadata.get("help", "")
                    self.problem(self.line(node.start_mark), _join(path, name), f"missing required field ({help_text})")
        if not ok:
            return _INVALID
        obj = cls(**values)
        self.where[id(obj)] = path
        return obj

    def _constraints(self, f: dataclasses.Field, value: Any, node: yaml.Node, path: str) -> None:
        """Report a value outside its field's bounds. The value is kept, so later checks still run."""
        meta = f.metadata
        line = self.line(node.start_mark)
        if "pattern" in meta and isinstance(value, str) and not re.fullmatch(meta["pattern"], value):
            self.problem(line, path, f"expected an id of lower-case letters, digits and hyphens, found {value!r}")
        if "minimum" in meta and isinstance(value, (int, float)) and value < meta["minimum"]:
            self.problem(line, path, f"expected at least {meta['minimum']:g}, found {value:g}")
        if "maximum" in meta and isinstance(value, (int, float)) and value > meta["maximum"]:
            self.problem(line, path, f"expected at most {meta['maximum']:g}, found {value:g}")
        if "min_items" in meta and isinstance(value, tuple) and len(value) < meta["min_items"]:
            self.problem(line, path, f"expected at least {meta['min_items']} entries, found {len(value)}")

    def _question(self, node: yaml.Node, path: str) -> Any:
        if not isinstance(node, yaml.MappingNode):
            self.problem(
                self.line(node.start_mark), path, f"expected a question (a mapping of fields), found {_found(node)}"
            )
            return _INVALID
        kind_node = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == "kind"), None)
        kinds = ", ".join(model.KINDS)
        if kind_node is None:
            self.problem(
                self.line(node.start_mark), _join(path, "kind"), f"missing required field; expected one of: {kinds}"
            )
            return _INVALID
        self.lines[_join(path, "kind")] = self.line(kind_node.start_mark)
        if not isinstance(kind_node, yaml.ScalarNode) or kind_node.value not in QUESTION_TYPES:
            self.problem(
                self.line(kind_node.start_mark),
                _join(path, "kind"),
                f"expected one of: {kinds}; found {_found(kind_node)}",
            )
            return _INVALID
        return self._dataclass(node, QUESTION_TYPES[kind_node.value], path)


def _join(path: str, key: str) -> str:
    if len(key) > 80:  # a key is shown in full only if it could be a field's name
        key = key[:79] + "…"
    return f"{path}.{key}" if path else key


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _letter(i: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return letters[i] if i < 26 else f"o{i + 1}"


# -- reading files ----------------------------------------------------------------------------------------


def _compose(path: Path, reader: _Reader) -> yaml.Node | None:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            reader.problem(
                1,
                "",
                f"has {size:,} bytes; expected at most {MAX_FILE_BYTES:,} in one quiz file (split it into several)",
            )
            return None
        data = path.read_bytes()
    except OSError as e:
        reader.problem(1, "", f"cannot be read: {e.strerror}")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        reader.problem(line, "", f"expected UTF-8 text; the file has a byte that is not ({e.reason})")
        return None
    reader.read_text(text)
    bad = _NON_PRINTABLE.search(text)
    if bad:
        # YAML allows no control characters; PyYAML reports where as a position, which is no use to an author.
        line = bisect.bisect_right(reader.line_starts, bad.start())
        column = bad.start() - reader.line_starts[line - 1] + 1
        reader.problem(
            line,
            "",
            f"has the invisible control character U+{ord(bad.group()):04X} at column {column}, which YAML does "
            "not allow; delete it (it often comes with text pasted from another program)",
        )
        return None
    try:
        composer = _Composer(text)
        try:
            node = composer.get_single_node()
        finally:
            composer.dispose()
    except _Limit as e:
        reader.problem(reader.line(e.problem_mark), "", f"is too large to check: {e.problem}")
        return None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        if e.problem == "exceeded maximum nesting depth":  # libyaml's own limit, met while it reads ahead
            reader.problem(reader.line(mark), "", f"is too large to check: {_TOO_DEEP}")
        else:
            reader.problem(reader.line(mark), "", f"is not valid YAML: {e.problem or e.context}")
        return None
    except yaml.YAMLError as e:
        reader.problem(1, "", f"is not valid YAML: {_one_line(str(e))}")
        return None
    except RecursionError:  # the limits above stop nesting long before this: kept as a last resort
        reader.problem(1, "", f"is too large to check: {_TOO_DEEP}")
        return None
    if node is None:
        reader.problem(1, "", "is empty; expected a quiz with schema_version, id, title, chapter, settings")
        return None
    return node


def _check_version(node: yaml.Node, reader: _Reader) -> bool:
    if not isinstance(node, yaml.MappingNode):
        reader.problem(
            reader.line(node.start_mark), "", f"expected a mapping of fields at the top, found {_found(node)}"
        )
        return False
    for k, v in node.value:
        if not (isinstance(k, yaml.ScalarNode) and k.value == "schema_version"):
            continue
        version = _construct(v, "int") if isinstance(v, yaml.ScalarNode) and v.tag == _TAG + "int" else _INVALID
        if version is _INVALID:
            return True  # not a whole number: reported with the other fields
        if version > SCHEMA_VERSION:
            reader.problem(
                reader.line(v.start_mark),
                "schema_version",
                f"this file is written for a newer quizlib (version {_show(version)}); this quizlib reads "
                f"version {SCHEMA_VERSION}: upgrade quizlib",
            )
            return False
        if version < 1:
            reader.problem(
                reader.line(v.start_mark), "schema_version", f"expected {SCHEMA_VERSION}, found {_show(version)}"
            )
            return False
    return True


def _capped(reader: _Reader) -> list[Problem]:
    """A file's problems, the first ``MAX_PROBLEMS`` of them and a count of the rest."""
    problems = sorted(reader.problems)
    if len(problems) <= MAX_PROBLEMS:
        return problems
    rest = problems[MAX_PROBLEMS:]
    return [
        *problems[:MAX_PROBLEMS],
        Problem(reader.file, rest[0].line, "", f"and {len(rest):,} more problems from here on; fix these first"),
    ]


def read_bibliography(path: Path) -> tuple[Bibliography | None, list[Problem]]:
    reader = _Reader(_display(path))
    node = _compose(path, reader)
    if node is None or not _check_version(node, reader):
        return None, reader.problems
    bib = reader.build(node, Bibliography, "")
    return (None if bib is _INVALID else bib), _capped(reader)


def read_quiz(path: Path, bibliography: Bibliography | None) -> tuple[Quiz | None, _Reader]:
    """Read one quiz file and check everything that can be checked within it."""
    reader = _Reader(_display(path))
    node = _compose(path, reader)
    if node is None or not _check_version(node, reader):
        return None, reader
    quiz = reader.build(node, Quiz, "")
    if quiz is _INVALID:
        return None, reader
    _check_quiz(quiz, reader, bibliography)
    return quiz, reader


def _unchecked(path: Path, error: Exception) -> Problem:
    """A file the loader failed on: that file's problem, so the other files are still checked."""
    return Problem(
        _display(path),
        1,
        "",
        f"could not be checked: quizlib failed with {type(error).__name__} ({_show(str(error), 120)}); "
        "this is a bug in quizlib: please report it with this file",
    )


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# -- checks across fields ---------------------------------------------------------------------------------


def _unique(reader: _Reader, objects, what: str) -> None:
    seen: dict[str, str] = {}
    for obj in objects:
        path = reader.path(obj)
        if obj.id in seen:
            reader.at(f"{path}.id", f"duplicate {what} id {obj.id!r}; it is already used by {seen[obj.id]}")
        else:
            seen[obj.id] = path


def _check_cites(reader: _Reader, keys, path: str, bibliography: Bibliography | None) -> None:
    if bibliography is None:
        return
    for key in keys:
        if key not in bibliography.references:
            close = difflib.get_close_matches(key, list(bibliography.references), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            reader.at(f"{path}.cite", f"no source {key!r} in {BIBLIOGRAPHY_FILE}{hint}")


class _QuestionCheck:
    """A question's kind checks its own fields (:mod:`quizlib.quiz.kinds`) through this: each problem gets
    the question's path, the line of its field and the file."""

    def __init__(self, reader: _Reader, path: str, bibliography: Bibliography | None, settings: Settings):
        self.reader, self.path, self.bibliography, self.settings = reader, path, bibliography, settings

    def problem(self, field: str, message: str) -> None:
        self.reader.at(f"{self.path}.{field}", message)

    def unique(self, objects, what: str) -> None:
        _unique(self.reader, objects, what)

    def cites(self, keys, field: str) -> None:
        _check_cites(self.reader, keys, f"{self.path}.{field}", self.bibliography)


def _check_quiz(quiz: Quiz, reader: _Reader, bibliography: Bibliography | None) -> None:
    if quiz.schema_version != SCHEMA_VERSION:
        reader.at("schema_version", f"expected {SCHEMA_VERSION}, found {quiz.schema_version}")
    if not quiz.questions and not quiz.draw:
        reader.at("questions", "expected at least one question, or a `draw` from other quizzes")
    _unique(reader, quiz.objectives, "objective")
    _unique(reader, quiz.questions, "question")
    objective_ids = [o.id for o in quiz.objectives]
    for q in quiz.questions:
        path = reader.path(q)
        if q.objective not in objective_ids:
            expected = ", ".join(objective_ids) or "none are defined"
            reader.at(f"{path}.objective", f"no objective {q.objective!r} in this quiz; expected one of: {expected}")
        _check_cites(reader, q.cite, path, bibliography)
        kind_of(q).check(q, _QuestionCheck(reader, path, bibliography, quiz.settings))
    for n, d in enumerate(quiz.draw, start=1):
        if d.quiz == quiz.id:
            reader.at(f"draw[{n}].quiz", "a quiz cannot draw questions from itself")
        for kind in d.kinds:
            if kind not in model.KINDS:
                reader.at(f"draw[{n}].kinds", f"expected kinds among: {', '.join(model.KINDS)}; found {kind!r}")
    if quiz.settings.reveal_after > quiz.settings.tries:
        reader.at(
            "settings.reveal_after",
            f"expected at most the number of tries ({quiz.settings.tries}), found {quiz.settings.reveal_after}",
        )
    _check_mode(quiz.settings, reader)


def _check_mode(settings: Settings, reader: _Reader) -> None:
    """A summative quiz says how many attempts it allows and has one try at each question; the attempt rules
    mean nothing in a practice quiz."""
    if settings.mode == "summative":
        if settings.attempts is None:
            reader.at(
                "settings.attempts",
                "a summative quiz needs `attempts`, the number of attempts a learner may make; "
                "write for example `attempts: 2`",
            )
        if settings.tries != 1:
            reader.at(
                "settings.tries",
                "a summative quiz has one try at each question (answers are held until the attempt is submitted); "
                f"expected `tries: 1`, found {settings.tries}",
            )
        return
    for name, value in (("attempts", settings.attempts), ("time_limit", settings.time_limit)):
        if value:
            reader.at(
                f"settings.{name}",
                f"only a summative quiz has `{name}`; add `mode: summative` to the settings, or remove `{name}`",
            )


# -- the course -------------------------------------------------------------------------------------------


def _yaml_files(folder: Path) -> list[Path]:
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


def check(paths: list[str | Path], chapters_root: Path | None = None) -> tuple[Course | None, list[Problem]]:
    """Load the quiz files and folders in ``paths``; return the course (if valid) and every problem.

    A quiz file's citations resolve against ``references.yaml`` in its own folder, and its ``draw`` against
    the other quizzes there, so a single file can be checked on its own: only its problems are reported. If
    ``chapters_root`` is given, each quiz's ``chapter`` must name a chapter file under it.
    """
    problems: list[Problem] = []
    requested: set[Path] = set()
    folders: list[Path] = []
    for p in map(Path, paths):
        if not p.exists():
            problems.append(Problem(str(p), 1, "", "no such file or folder"))
        elif p.is_dir():
            requested.update(f.resolve() for f in _yaml_files(p))
            folders.append(p)
        else:
            requested.add(p.resolve())
            folders.append(p.parent)
    seen_folders: set[Path] = set()
    quizzes: dict[str, Quiz] = {}
    sources: dict[str, str] = {}
    bibliographies: dict[Path, Bibliography | None] = {}
    readers: dict[str, tuple[_Reader, bool]] = {}
    for folder in folders:
        if folder.resolve() in seen_folders:
            continue
        seen_folders.add(folder.resolve())
        bib_path = folder / BIBLIOGRAPHY_FILE
        bib = None
        if bib_path.exists():
            try:
                bib, bib_problems = read_bibliography(bib_path)
            except Exception as e:  # noqa: BLE001 -- any failure is this file's problem, not the others'
                bib, bib_problems = None, [_unchecked(bib_path, e)]
            bibliographies[bib_path.resolve()] = bib
            if bib_path.resolve() in requested:
                problems += bib_problems
        for f in _yaml_files(folder):
            if f.name == BIBLIOGRAPHY_FILE:
                continue
            wanted = f.resolve() in requested
            if not bib_path.exists() and wanted:
                problems.append(
                    Problem(_display(f), 1, "", f"no {BIBLIOGRAPHY_FILE} beside this file; citations cannot be checked")
                )
            try:
                quiz, reader = read_quiz(f, bib)
            except Exception as e:  # noqa: BLE001 -- any failure is this file's problem, not the others'
                if wanted:
                    problems.append(_unchecked(f, e))
                continue
            if wanted:
                problems += _capped(reader)
            if quiz is None:
                continue
            if quiz.id in quizzes:
                if wanted:
                    reader.at("id", f"duplicate quiz id {quiz.id!r}; {sources[quiz.id]} uses it already")
                    problems.append(reader.problems[-1])
                continue
            quizzes[quiz.id] = quiz
            sources[quiz.id] = reader.file
            readers[quiz.id] = (reader, wanted)
    for quiz_id, quiz in quizzes.items():
        reader, wanted = readers[quiz_id]
        before = len(reader.problems)
        try:
            _check_draws(quiz, quizzes, reader)
        except Exception as e:  # noqa: BLE001
            reader.problems.append(_unchecked(Path(reader.file), e))
        if chapters_root is not None and not _chapter_exists(chapters_root, quiz.chapter):
            reader.at(
                "chapter", f"no chapter {quiz.chapter!r} (expected {quiz.chapter}.md or .ipynb under {chapters_root})"
            )
        if wanted:
            problems += reader.problems[before:]
    if problems:
        return None, sorted(problems)
    requested_quizzes = {k: v for k, v in quizzes.items() if readers[k][1]}
    return Course(quizzes=requested_quizzes, bibliography=_merged(bibliographies), sources=sources), []


def _chapter_exists(root: Path, chapter: str) -> bool:
    return any((root / f"{chapter}{ext}").exists() for ext in (".md", ".ipynb"))


def _check_draws(quiz: Quiz, quizzes: dict[str, Quiz], reader: _Reader) -> None:
    for n, d in enumerate(quiz.draw, start=1):
        if d.quiz == quiz.id:
            continue
        source = quizzes.get(d.quiz)
        if source is None:
            reader.at(
                f"draw[{n}].quiz",
                f"no valid quiz {d.quiz!r} in this folder; expected one of: {', '.join(sorted(quizzes))}",
            )
            continue
        if source.draw:
            reader.at(f"draw[{n}].quiz", f"quiz {d.quiz!r} draws its own questions; expected a quiz with questions")
            continue
        if any(kind not in model.KINDS for kind in d.kinds):
            continue  # reported with the kinds
        pool = [q for q in source.questions if not d.kinds or q.kind in d.kinds]
        if d.count > len(pool):
            reader.at(
                f"draw[{n}].count",
                f"expected at most {len(pool)} (the questions quiz {d.quiz!r} has of these kinds), found {d.count}",
            )


def _merged(bibliographies: dict[Path, Bibliography | None]) -> Bibliography:
    refs: dict = {}
    for bib in bibliographies.values():
        if bib is not None:
            refs.update(bib.references)
    return Bibliography(schema_version=SCHEMA_VERSION, references=refs)


def load_course(folder: str | Path = "quizzes", chapters_root: str | Path | None = None) -> Course:
    """Load every quiz in ``folder``; raise :class:`QuizFileError` listing every problem if any is invalid."""
    course, problems = check([folder], Path(chapters_root) if chapters_root is not None else None)
    if problems:
        raise QuizFileError(problems)
    assert course is not None
    return course
