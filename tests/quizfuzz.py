"""Hostile quiz files, made from the course's real ones by a seeded generator, and what the loader must do
with each: report problems (file, line, field, one line each), never raise, never take long.

Used by ``tests/test_load_fuzz.py`` (a few hundred files in every test run) and ``benchmarks/fuzz_quizzes.py``
(ten thousand and more). The same seed gives the same files.

Each mutation is one thing a careless author or an attacker does: lines deleted, swapped or cut; control
characters typed in; line separators (NEL, LS, PS) that YAML counts as line breaks and editors do not;
``schema_version`` values YAML 1.1 reads in other bases; odd tags; deep nesting; alias bombs; tens of
thousands of keys, aliases or questions; very long vignettes and lines; bytes that are not UTF-8; ids with
newlines in them.
"""

from __future__ import annotations

import random
import re
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUIZZES = ROOT / "quizzes"
SEPARATORS = ("\x85", "\u2028", "\u2029")
# Characters YAML does not allow in a file (PyYAML's reader refuses them).
FORBIDDEN = [chr(c) for c in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0x80, 0x9F)] + [
    "\ufffe",
    "\uffff",
]
ODD_VALUES = [
    '!!int ""',
    '!!float ""',
    "!!int abc",
    "!!int 0x",
    '!!binary "@@@"',
    "!!timestamp 2001-13-45",
    "!!set {a}",
    "!!omap [a: 1]",
    "!!python/object:os.system ''",
    "!<tag:yaml.org,2002:int> '12x'",
    "0x",
    "0b",
    "0b1",
    "0b1111_1111",
    "190:20:30",
    "-0x_",
    "0o",
    ".inf",
    "-.inf",
    ".nan",
    "1e400",
    "9" * 400,
    "-" + "9" * 400,
    "~",
    "*nowhere",
    "&anchor value",
    "[",
    "{a: [",
    '"a\\nb"',
    '"\\u2028"',
    '"\\x85x"',
    "|\n  block\n  text",
    "!!str",
    "? complex\n: key",
    "<<: {x: 1}",
]
SCHEMA_VERSIONS = [
    "0x",
    "0b1",
    "0b1111_1111",
    "190:20:30",
    "abc",
    "0o17",
    "1_0",
    "+1",
    "-1",
    "0",
    "2",
    "1.0",
    "9" * 400,
]


@dataclass
class Mutant:
    name: str  # what was done, for the report of a failure
    data: bytes
    line: int | None = None  # a line a problem must name (a character typed there, a field added there)


@dataclass
class Outcome:
    mutant: Mutant
    seconds: float
    problems: list = field(default_factory=list)
    exception: str | None = None
    failures: list[str] = field(default_factory=list)  # broken promises: wrong line, not one line, too slow...


def sources() -> list[tuple[str, str]]:
    return [(p.name, p.read_text(encoding="utf-8")) for p in sorted(QUIZZES.glob("[0-9]*.yaml"))]


def _lines_of(text: str) -> list[str]:
    return text.split("\n")


def _top_level(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if re.match(r"[a-z_]+:", line)]


def _line_ops(rng: random.Random, text: str) -> Mutant:
    lines = _lines_of(text)
    done = []
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(lines))
        action = rng.choice(["delete", "duplicate", "indent", "truncate", "swap", "tab"])
        done.append(action)
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "indent":
            lines[i] = "  " + lines[i]
        elif action == "truncate":
            lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
        elif action == "tab":
            lines[i] = "\t" + lines[i].lstrip(" ")
        else:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
    return Mutant("lines:" + ",".join(done), "\n".join(lines).encode())


def _control_character(rng: random.Random, text: str) -> Mutant:
    lines = _lines_of(text)
    i = rng.randrange(len(lines))
    at = rng.randrange(len(lines[i]) + 1)
    char = rng.choice(FORBIDDEN)
    lines[i] = lines[i][:at] + char + lines[i][at:]
    return Mutant(f"control U+{ord(char):04X} on line {i + 1}", "\n".join(lines).encode(), line=i + 1)


def _separators_then_field(rng: random.Random, text: str) -> Mutant:
    """Line separators in comments near the top, then an unknown top-level field further down: its problem
    must name the line an editor shows."""
    lines = _lines_of(text)
    tops = _top_level(lines)
    k = rng.choice(tops[2:]) if len(tops) > 2 else tops[-1]
    plain = [j for j in tops[: max(1, tops.index(k))] if not re.search(r":\s*[|>]", lines[j])] or [0]
    for _ in range(rng.randint(1, 4)):
        j = rng.choice(plain)
        lines[j] = lines[j] + "  # note" + rng.choice(SEPARATORS) + "# more" + rng.choice(SEPARATORS)
    lines.insert(k, "zzz_unknown: 1")
    return Mutant(f"separators, unknown field on line {k + 1}", "\n".join(lines).encode(), line=k + 1)


def _schema_version(rng: random.Random, text: str) -> Mutant:
    value = rng.choice(SCHEMA_VERSIONS)
    return Mutant(
        f"schema_version {value[:20]}", re.sub(r"(?m)^schema_version: .*$", f"schema_version: {value}", text).encode()
    )


def _odd_value(rng: random.Random, text: str) -> Mutant:
    lines = _lines_of(text)
    candidates = [i for i, line in enumerate(lines) if re.match(r"\s*(- )?[a-z_]+: \S", line)]
    i = rng.choice(candidates)
    value = rng.choice(ODD_VALUES)
    indent = re.match(r"(\s*(- )?[a-z_]+: )", lines[i]).group(1)
    lines[i] = indent + value.replace("\n", "\n" + " " * (len(indent) - len(indent.lstrip())) + "  ")
    return Mutant(f"value {value[:20]!r} on line {i + 1}", "\n".join(lines).encode())


def _deep_nesting(rng: random.Random, text: str) -> Mutant:
    depth = rng.choice([60, 200, 1000, 3000, 10000, 50000])
    style = rng.choice(["flow-list", "flow-map", "block"])
    if style == "flow-list":
        value = "[" * depth + "]" * depth
    elif style == "flow-map":
        value = "{a: " * depth + "1" + "}" * depth
    else:
        depth = min(depth, 3000)
        value = "\n" + "\n".join("  " * (n + 1) + "- " for n in range(depth)) + "x"
    return Mutant(f"nested {style} {depth} deep", (text + f"\nzzz_deep: {value}\n").encode())


def _alias_bomb(rng: random.Random, text: str) -> Mutant:
    levels = rng.randint(4, 12)
    width = rng.randint(5, 10)
    rows = ['zzz_0: &a0 ["lol", "lol"]']
    for n in range(1, levels):
        rows.append(f"zzz_{n}: &a{n} [" + ", ".join(f"*a{n - 1}" for _ in range(width)) + "]")
    where = rng.choice(["top", "prompt"])
    if where == "top":
        return Mutant(f"alias bomb {width}^{levels} at the top", (text + "\n" + "\n".join(rows) + "\n").encode())
    # The bomb as the value of a real field, so the loader's own walk meets it.
    body = re.sub(r"(?m)^(\s+)prompt: .*$", lambda m: f"{m.group(1)}prompt: *a{levels - 1}", text, count=1)
    return Mutant(f"alias bomb {width}^{levels} as a prompt", ("\n".join(rows) + "\n" + body).encode())


def _many_keys(rng: random.Random, text: str) -> Mutant:
    n = rng.choice([2000, 20000, 60000])
    return Mutant(f"{n} keys", (text + "\n" + "\n".join(f"k{i}: v" for i in range(n)) + "\n").encode())


def _many_aliases(rng: random.Random, text: str) -> Mutant:
    n = rng.choice([1000, 16000, 50000])
    return Mutant(
        f"{n} aliases", (text + "\nzzz_x: &x 1\nzzz_list:\n" + "".join("  - *x\n" for _ in range(n))).encode()
    )


def _many_questions(rng: random.Random, text: str) -> Mutant:
    m = re.search(r"(?ms)^questions:\n(.*?)(?=^\S|\Z)", text)
    if not m:
        return _many_keys(rng, text)
    block = m.group(1)
    copies = min(rng.choice([50, 400, 2000]), 3_000_000 // max(1, len(block)))
    return Mutant(f"questions x{copies}", (text[: m.end()] + block * copies + text[m.end() :]).encode())


def _long_vignette(rng: random.Random, text: str) -> Mutant:
    stages = rng.choice([50, 1200, 5000])
    rows = [
        "  - id: zzz-case",
        "    kind: vignette",
        "    objective: zzz",
        "    prompt: A long case",
        "    title: Long",
        "    start: s0",
        "    stages:",
    ]
    for n in range(stages):
        nxt = f"s{n + 1}" if n + 1 < stages else ""
        rows += [
            f"      - id: s{n}",
            f"        text: Stage {n} of a long case.",
            "        prompt: What next?",
            "        options:",
            f"          - {{text: Go on, feedback: Yes, credit: 1{', next: ' + nxt if nxt else ''}}}",
            f"          - {{text: Stop, feedback: No, credit: 0, next: s{max(0, n - 1)}}}",
        ]
    body = re.sub(r"(?m)^questions:\n", "questions:\n" + "\n".join(rows) + "\n", text, count=1)
    return Mutant(f"vignette of {stages} stages", body.encode())


def _long_line(rng: random.Random, text: str) -> Mutant:
    size = rng.choice([10_000, 300_000, 3_000_000])
    word = rng.choice(["word ", "x", "é"])
    value = (word * (size // len(word)))[:size]
    body = re.sub(r"(?m)^title: .*$", lambda m: f'title: "{value}"', text, count=1)
    return Mutant(f"title of {size} characters", body.encode())


def _bytes(rng: random.Random, text: str) -> Mutant:
    data = bytearray(text.encode())
    for _ in range(rng.randint(1, 5)):
        data[rng.randrange(len(data))] = rng.choice([0x00, 0xFF, 0xC3, 0x80, 0xFE, rng.randrange(256)])
    return Mutant("bytes", bytes(data))


def _newline_ids(rng: random.Random, text: str) -> Mutant:
    choice = rng.choice(["id", "key", "objective", "draw"])
    if choice == "id":
        body = re.sub(r"(?m)^(\s+- id: )(\S+)$", lambda m: f'{m.group(1)}"{m.group(2)}\\nsecond line"', text, count=2)
    elif choice == "key":
        body = text + '\n"zzz\\nsecond line": 1\n"zzz\\u2028third": 2\n'
    elif choice == "objective":
        body = re.sub(r"(?m)^(\s+objective: )(\S+)$", lambda m: f'{m.group(1)}"{m.group(2)}\\r\\nx"', text, count=1)
    else:
        body = text + '\ndraw:\n  - {quiz: "a\\nb", count: 1, kinds: ["x\\ny"]}\n'
    return Mutant(f"newlines in {choice}", body.encode())


MUTATIONS = [
    (_line_ops, 30),
    (_control_character, 14),
    (_separators_then_field, 8),
    (_schema_version, 6),
    (_odd_value, 14),
    (_deep_nesting, 6),
    (_alias_bomb, 5),
    (_many_keys, 3),
    (_many_aliases, 3),
    (_many_questions, 3),
    (_long_vignette, 3),
    (_long_line, 2),
    (_bytes, 6),
    (_newline_ids, 5),
]


def mutants(seed: int, count: int) -> Iterator[tuple[str, Mutant]]:
    """``count`` mutants of the course's quiz files (file name, mutant); the same seed gives the same ones."""
    rng = random.Random(seed)
    files = sources()
    makers = [m for m, _ in MUTATIONS]
    weights = [w for _, w in MUTATIONS]
    for _ in range(count):
        name, text = rng.choice(files)
        maker = rng.choices(makers, weights)[0]
        yield name, maker(rng, text)


_BREAKS = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def check(folder: Path, name: str, mutant: Mutant, *, seconds: float = 2.0) -> Outcome:
    """Load ``mutant`` as ``folder/name`` (beside the course's references.yaml) and check every promise."""
    from quizlib.quiz import load

    path = folder / name
    path.write_bytes(mutant.data)
    started = time.perf_counter()
    try:
        course, problems = load.check([path])
    except BaseException as e:
        if not isinstance(e, Exception):  # Ctrl+C, or a caller's own time limit: not the loader's to answer for
            raise
        tb = traceback.extract_tb(e.__traceback__)
        where = f"{Path(tb[-1].filename).name}:{tb[-1].lineno} {tb[-1].name}" if tb else "?"
        return Outcome(mutant, time.perf_counter() - started, exception=f"{type(e).__name__} in {where}: {e}"[:300])
    finally:
        path.unlink()  # each file is checked beside references.yaml alone
    out = Outcome(mutant, time.perf_counter() - started, problems=problems)
    if out.seconds > seconds:
        out.failures.append(f"took {out.seconds:.1f} s")
    if (course is None) != bool(problems):
        out.failures.append("a course and problems, or neither")
    lines = mutant.data.count(b"\n") + 1
    display = load._display(path)
    for p in problems:
        text = str(p)
        if p.file != display and not p.file.endswith("references.yaml"):
            out.failures.append(f"problem names another file: {text[:120]}")
        if not 1 <= p.line <= lines:
            out.failures.append(f"line {p.line} outside the file's {lines} lines: {text[:120]}")
        if _BREAKS.search(text):
            out.failures.append(f"not one line: {text[:120]!r}")
        if not text.startswith(f"{p.file}:{p.line}: "):
            out.failures.append(f"not file:line: {text[:120]!r}")
    if mutant.line is not None and problems and not any(p.line == mutant.line for p in problems):
        got = sorted({p.line for p in problems})[:5]
        out.failures.append(f"expected a problem on line {mutant.line}, found lines {got}")
    return out
