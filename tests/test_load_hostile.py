"""The loader against hostile and careless files: every one a list of problems (file, line, field, one line
each), never an exception, never slow, never memory that grows; and ``quizlib validate`` exit codes that tell
"problems found" from "could not run"."""

from __future__ import annotations

import gc
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
import quizfuzz

from quizlib.quiz import load

DATA = Path(__file__).resolve().parent / "data"
ROOT = Path(__file__).resolve().parents[1]
REFERENCES = ROOT / "quizzes" / "references.yaml"
GOOD = DATA / "course" / "quizzes"


@pytest.fixture
def folder(tmp_path):
    shutil.copy(REFERENCES, tmp_path)
    return tmp_path


def _check(folder: Path, text: str | bytes, name: str = "q.yaml", seconds: float = 2.0):
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    started = time.perf_counter()
    course, problems = load.check([path])
    took = time.perf_counter() - started
    assert took < seconds, f"took {took:.1f} s"
    assert course is None and problems
    for p in problems:
        assert "\n" not in str(p) and "\u2028" not in str(p) and "\x85" not in str(p), str(p)
    return problems


def _quiz(extra: str = "", version: str = "1") -> str:
    return (
        f"schema_version: {version}\nid: q\ntitle: T\nchapter: c\nsettings: {{pass_mark: 50}}\n"
        "objectives: [{id: o, text: O}]\nquestions:\n"
        "  - {id: q1, kind: true_false, objective: o, prompt: P, answer: true,"
        " feedback: {if_true: Y, if_false: N}}\n" + extra
    )


def test_hundreds_of_hostile_files_give_problems_never_exceptions(folder):
    """A seeded sample of the stress run (benchmarks/fuzz_quizzes.py runs ten thousand)."""
    broken = []
    for name, mutant in quizfuzz.mutants(seed=14, count=300):
        outcome = quizfuzz.check(folder, name, mutant)
        if outcome.exception or outcome.failures:
            broken.append(f"{mutant.name}: {outcome.exception or outcome.failures[:2]}")
    assert not broken, "\n".join(broken[:20])


@pytest.mark.parametrize(
    "value",
    [
        "[" * 10_000 + "]" * 10_000,
        "{a: " * 3000 + "1" + "}" * 3000,
        "\n" + "\n".join("  " * (n + 1) + "- " for n in range(100)) + "x",
    ],
    ids=["flow lists", "flow mappings", "block lists"],
)
def test_deep_nesting_is_a_problem_on_its_line(folder, value):
    problems = _check(folder, _quiz() + f"deep: {value}\n")
    assert len(problems) == 1 and "is too large to check: lists and mappings are nested more than 32 deep" in str(
        problems[0]
    )
    # Where the 33rd level starts: on the same line for flow collections, 32 lines down for a block list.
    assert problems[0].line == (9 if not value.startswith("\n") else 9 + 32)


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("0x", "schema_version: expected a whole number, found '0x'"),
        ("abc", "schema_version: expected a whole number, found 'abc'"),
        ('!!int ""', "schema_version: expected a whole number, found ''"),
        ("!!int 0b", "schema_version: expected a whole number, found '0b'"),
        ("0b1111_1111", "schema_version: this file is written for a newer quizlib (version 255)"),
        ("190:20:30", "schema_version: this file is written for a newer quizlib (version 685230)"),
        ("9" * 400, "schema_version: this file is written for a newer quizlib (version 999999999999"),
    ],
)
def test_schema_versions_yaml_reads_in_other_bases_are_problems(folder, version, message):
    problems = _check(folder, _quiz(version=version))
    assert any(str(p).startswith(f"{folder.name}/q.yaml:1: {message}") or message in str(p) for p in problems), [
        str(p) for p in problems
    ]


def test_schema_version_0b1_is_version_1(folder):
    path = folder / "q.yaml"
    path.write_text(_quiz(version="0b1"))
    course, problems = load.check([path])
    assert problems == [] and course.quiz("q").schema_version == 1


@pytest.mark.parametrize("value", ['!!int ""', '!!float ""', "!!bool maybe", "1e400", "-" + "9" * 400])
def test_numbers_yaml_cannot_build_are_problems(folder, value):
    problems = _check(folder, _quiz().replace("pass_mark: 50", f"pass_mark: {value}"))
    assert [p.field for p in problems] == ["settings.pass_mark"]


def test_an_alias_bomb_is_refused_at_once(folder):
    """2.2 KB of nested anchors took 78 s and 973 MB before any limit."""
    rows = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, 12):
        rows.append(f"a{n}: &a{n} [" + ", ".join(f"*a{n - 1}" for _ in range(10)) + "]")
    text = "\n".join(rows) + "\n" + _quiz().replace("prompt: P", f"prompt: *a{len(rows) - 1}")
    assert len(text) < 3000
    tracemalloc.start()
    problems = _check(folder, text, seconds=1.0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 50 * 2**20
    assert len(problems) == 1 and "holds more than 20,000 values once its aliases (*name) are expanded" in str(
        problems[0]
    )


def test_a_flat_list_of_many_aliases_is_refused_at_once(folder):
    problems = _check(folder, _quiz() + "x: &x 1\nlots:\n" + "  - *x\n" * 16_000, seconds=1.0)
    assert "is too large to check" in problems[0].message


def test_tens_of_thousands_of_keys_are_refused_at_the_first_over_the_limit(folder):
    problems = _check(folder, _quiz() + "".join(f"k{i}: v\n" for i in range(5_000)), seconds=1.0)
    # The top mapping has 7 fields before k0, so its 1,001st entry is k993, on line 9 + 993.
    assert [(p.line, p.message) for p in problems] == [
        (1002, "is too large to check: this mapping has more than 1,000 entries")
    ]


def test_a_file_over_the_size_limit_is_one_problem(folder):
    problems = _check(folder, _quiz().replace("title: T", "title: " + "x" * 300_000), seconds=1.0)
    assert [p.message for p in problems] == [
        f"has {len(_quiz()) + 299_999:,} bytes; expected at most 262,144 in one quiz file (split it into several)"
    ]


def test_a_very_long_case_is_checked_quickly(folder):
    stages = "\n".join(
        f"      - {{id: s{n}, text: T, prompt: P, options: [{{text: A, feedback: F, credit: 1"
        + (f", next: s{n + 1}" if n < 699 else "")
        + "}, {text: B, feedback: F, credit: 0}]}"
        for n in range(700)
    )
    text = _quiz() + (
        "  - id: case\n    kind: vignette\n    objective: o\n    prompt: P\n    title: T\n    start: s0\n"
        "    stages:\n" + stages + "\n"
    )
    path = folder / "q.yaml"
    path.write_text(text)
    started = time.perf_counter()
    course, problems = load.check([path])
    assert time.perf_counter() - started < 2
    assert problems == [] and len(course.quiz("q").questions[1].stages) == 700


@pytest.mark.parametrize("char", ["\x07", "\x00", "\x1b", "\x7f", "\ufffe", "\x9f"])
def test_a_control_character_is_reported_on_its_own_line(folder, char):
    lines = _quiz().splitlines()
    lines += [f"# comment {n}" for n in range(80)]
    lines[84] = "intro: 'a" + char + "b'"
    problems = _check(folder, "\n".join(lines) + "\n")
    assert [(p.line, p.field) for p in problems] == [(85, "")]
    assert f"U+{ord(char):04X} at column 10" in problems[0].message


def test_a_byte_that_is_not_utf8_is_reported_on_its_own_line(folder):
    data = _quiz().encode().replace(b"title: T", b"title: T\xff")
    problems = _check(folder, data)
    assert [(p.line, p.message) for p in problems] == [
        (3, "expected UTF-8 text; the file has a byte that is not (invalid start byte)")
    ]


@pytest.mark.parametrize("separator", ["\x85", "\u2028", "\u2029"])
def test_line_separators_do_not_shift_later_lines(folder, separator):
    text = _quiz().replace("title: T", f"title: T  # a{separator}# b{separator}# c") + "promt: x\n"
    problems = _check(folder, text)
    assert [(p.line, p.field) for p in problems] == [(9, "promt")]


def test_ids_with_newlines_are_one_line_per_problem(folder):
    text = _quiz().replace("id: q1", 'id: "q1\\nsecond"').replace("objective: o,", 'objective: "o\\r\\nx",')
    text += '"key\\nwith a newline": 1\n"key\\u2028with LS": 2\n'
    problems = _check(folder, text)
    out = "\n".join(str(p) for p in problems)
    assert out.count("\n") == len(problems) - 1
    assert "'q1\\nsecond'" in out and "key\\nwith a newline" in out and "key\\u2028with LS" in out


def test_loading_the_course_again_and_again_keeps_no_memory():
    """A module-level PyYAML constructor kept every node it had built: 105 MB for 200 loads."""
    for _ in range(2):
        load.load_course(ROOT / "quizzes")
    gc.collect()
    before = sys.getallocatedblocks()
    for _ in range(10):
        load.load_course(ROOT / "quizzes")
    gc.collect()
    grown = sys.getallocatedblocks() - before
    assert grown < 2_000, f"{grown:,} blocks of memory kept after 10 more loads"


def test_too_many_problems_in_one_file_are_counted_not_listed(folder):
    objectives = "".join(f"  - {{id: o, text: '{n}'}}\n" for n in range(300))
    problems = _check(folder, _quiz().replace("objectives: [{id: o, text: O}]", "objectives:\n" + objectives.rstrip()))
    assert len(problems) == load.MAX_PROBLEMS + 1
    assert problems[-1].message.startswith("and 199 more problems from here on")


def _validate(*args, cwd=ROOT, python_prefix: str = ""):
    code = python_prefix + "import sys; from quizlib.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, "validate", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_a_broken_sibling_is_its_own_problem_not_the_checked_files(tmp_path):
    for f in GOOD.iterdir():
        shutil.copy(f, tmp_path)
    (tmp_path / "zz-broken.yaml").write_text(
        _quiz().replace("id: q\n", "id: zz\n") + "deep: " + "[" * 5000 + "]" * 5000
    )
    proc = _validate(tmp_path / "kinds.yaml")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "ok: 1 quiz, 8 questions\n", "")
    proc = _validate(tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "zz-broken.yaml:9: is too large to check" in proc.stderr


def test_a_sibling_the_loader_fails_on_is_that_files_problem(tmp_path):
    """Should the loader itself fail on a file (a bug), the others are still checked and the failure is that
    file's problem, not a crash of the whole run."""
    for f in GOOD.iterdir():
        shutil.copy(f, tmp_path)
    (tmp_path / "zz-trap.yaml").write_text(_quiz().replace("id: q\n", "id: zz\n"))
    trap = (
        "import quizlib.quiz.load as L\n"
        "real = L.read_quiz\n"
        "def read_quiz(path, bib):\n"
        "    if path.name == 'zz-trap.yaml': raise ZeroDivisionError('a bug')\n"
        "    return real(path, bib)\n"
        "L.read_quiz = read_quiz\n"
    )
    proc = _validate(tmp_path / "kinds.yaml", python_prefix=trap)
    assert (proc.returncode, proc.stderr) == (0, "")
    proc = _validate(tmp_path, python_prefix=trap)
    assert proc.returncode == 1
    assert "zz-trap.yaml:1: could not be checked: quizlib failed with ZeroDivisionError ('a bug')" in proc.stderr


def test_problems_found_and_could_not_run_have_different_exit_codes(tmp_path):
    proc = _validate(DATA / "broken" / "types.yaml")
    assert proc.returncode == 1 and "problems in 1 file" in proc.stderr
    crash = "import quizlib.quiz.load as L\ndef check(*a, **k): raise MemoryError('out of memory')\nL.check = check\n"
    proc = _validate(GOOD, python_prefix=crash)
    assert proc.returncode == 2
    assert proc.stderr.startswith("quizlib validate: could not run: MemoryError (out of memory)")
    assert "Traceback" not in proc.stderr and len(proc.stderr.splitlines()) == 1
