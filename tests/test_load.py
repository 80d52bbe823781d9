"""The loader: strict, every problem of a file at once, each naming file, line, field and what was expected."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from quizlib.quiz import load

DATA = Path(__file__).resolve().parent / "data"
BROKEN = DATA / "broken"

# Every problem the loader must report for each broken file, in order: "line: field: message".
EXPECTED = {
    "correct-answers.yaml": [
        "14: questions[1].options: a single-choice question needs exactly one correct option; found 2 (options 1, 3)",
        "22: questions[2].options: a multiple-response question needs at least one correct option; found 0",
        "29: questions[3].options: expected at least 2 entries, found 1",
    ],
    "draws.yaml": [
        "5: settings.reveal_after: expected at most the number of tries (1), found 2",
        "9: draw[1].quiz: no valid quiz 'nowhere' in this folder; expected one of: draws, good",
        "10: draw[2].count: expected at most 1 (the questions quiz 'good' has of these kinds), found 5",
        "11: draw[3].quiz: a quiz cannot draw questions from itself",
        "12: draw[4].kinds: expected kinds among: single_choice, multiple_response, true_false, numeric, ordering, matching, vignette; found 'essay'",
    ],
    "formative-rules.yaml": [
        "7: settings.attempts: only a summative quiz has `attempts`; add `mode: summative` to the settings, or remove `attempts`",
        "8: settings.time_limit: only a summative quiz has `time_limit`; add `mode: summative` to the settings, or remove `time_limit`",
    ],
    "duplicate-ids.yaml": [
        "7: settings.pass_mark: duplicate field; it is already set on line 6",
        "10: objectives[2].id: duplicate objective id 'o'; it is already used by objectives[1]",
        "18: questions[1].options[2].id: duplicate option id 'a'; it is already used by questions[1].options[1]",
        "19: questions[2].id: duplicate question id 'q1'; it is already used by questions[1]",
    ],
    "empty.yaml": [
        "1: is empty; expected a quiz with schema_version, id, title, chapter, settings",
    ],
    "matching-numeric.yaml": [
        "15: questions[1].pairs[2].right: the same right-hand text as pairs[1]; expected each right-hand item once",
        "17: questions[1].distractors[1].id: duplicate pair or distractor id 'p1'; it is already used by questions[1].pairs[1]",
        "17: questions[1].distractors[1].text: the same text as a correct right-hand item; expected a different one",
        "25: questions[2].wrong_answers[1].value: 81.4 is within the tolerance (0.5) of the answer 81, so it would be marked right; expected a value outside it",
    ],
    "missing.yaml": [
        "1: chapter: missing required field (The chapter that teaches this quiz's content, e.g. 'chapters/02-sensitivity'.)",
        "1: settings: missing required field (Pass mark, tries and other rules of the quiz.)",
        "1: title: missing required field (Title shown above the quiz.)",
        "4: questions[1].answer: missing required field (Whether the statement is true.)",
        "4: questions[1].feedback: missing required field (Feedback for each answer.)",
    ],
    "newer.yaml": [
        "1: schema_version: this file is written for a newer quizlib (version 2); this quizlib reads version 1: upgrade quizlib",
    ],
    "not-yaml.yaml": [
        "5: is not valid YAML: found unexpected end of stream",
    ],
    "ordering.yaml": [
        "17: questions[1].order: no step 'd' in items; expected every step id once: b, a, c",
        "17: questions[1].order: step 'b' is listed twice; expected every step id once: b, a, c",
        "17: questions[1].order: step 'c' is missing; expected every step id once: b, a, c",
        "23: questions[2].items: the steps are listed in the correct order, which gives the answer away; expected them shuffled (the correct order goes in `order`)",
    ],
    "positions.yaml": [
        "16: questions[1].options[3].text: refers to other choices by their place ('Both of the above'), but choices are shown in an order drawn for each learner; name the choices it means in words",
        "24: questions[2].options[2].text: refers to other choices by their place ('Option A'), but choices are shown in an order drawn for each learner; name the choices it means in words",
        "26: questions[2].options[4].text: refers to other choices by their place ('first answer'), but choices are shown in an order drawn for each learner; name the choices it means in words",
        "39: questions[3].stages[1].options[2].text: refers to other choices by their place ('previous choice'), but choices are shown in an order drawn for each learner; name the choices it means in words",
        "48: questions[4].distractors[1].text: refers to other choices by their place ('None of the above'), but choices are shown in an order drawn for each learner; keep it and add `fixed: true` so it stays where it is written, or name the choices it means",
    ],
    "references-and-objectives.yaml": [
        "11: questions[1].objective: no objective 'recal' in this quiz; expected one of: recall",
        "14: questions[1].cite: no source 'alpha2030' in references.yaml (did you mean 'alpha2003'?)",
        "21: questions[2].options[1].cite: no source 'nobody' in references.yaml",
    ],
    "review.yaml": [
        "8: settings.review: expected 'after_submit' or 'after_due' or 'never', found 'after_the_course'",
        "10: settings.attempts: expected at least 1, found 0",
    ],
    "summative.yaml": [
        "6: settings.attempts: a summative quiz needs `attempts`, the number of attempts a learner may make; write for example `attempts: 2`",
        "8: settings.tries: a summative quiz has one try at each question (answers are held until the attempt is submitted); expected `tries: 1`, found 2",
    ],
    "types.yaml": [
        "2: id: expected an id of lower-case letters, digits and hyphens, found 'Types'",
        "3: title: expected text, found '42' (put it in quotes to mean text)",
        "6: settings.pass_mark: expected a number, found 'high'",
        "7: settings.tries: expected at least 1, found 0",
        "8: settings.retry_penalty: expected at most 1, found 1.5",
        "10: objectives[1].text: expected text, found 'yes' (put it in quotes to mean text)",
        "16: questions[1].answer: expected a number, found 'many'",
        "17: questions[1].points: expected at least 0, found -1",
        "23: questions[2].answer: expected true or false, found 'true'",
        "25: questions[3]: expected a question (a mapping of fields), found 'just a line'",
    ],
    "unknown-field.yaml": [
        "7: settings.retries: unknown field (did you mean 'tries'?); expected one of: attempts, mode, numeric_tolerance, pass_mark, retry_penalty, reveal_after, review, time_limit, tries",
        "14: questions[1].promt: unknown field (did you mean 'prompt'?); expected one of: cite, id, kind, objective, options, points, prompt",
        "19: questions[2].kind: expected one of: single_choice, multiple_response, true_false, numeric, ordering, matching, vignette; found 'multiple_choice'",
    ],
    "vignette.yaml": [
        "16: questions[1].stages: the stages loop (s1 -> s2 -> s1); expected every path to end",
        "21: questions[1].stages[1].options[2].next: no stage 's9'; expected one of: s1, s2, orphan",
        "26: questions[1].stages[2].options: expected one decision with credit 1 (the best choice at this stage); found none",
        "28: questions[1].stages[3].id: stage 'orphan' cannot be reached from the start stage 's1'",
        "39: questions[2].start: no stage 'begin'; expected one of: s1",
        "45: questions[2].stages[1].options[1].next: a decision cannot lead back to its own stage",
        "57: questions[3].stages[1].ending: this ending is never shown: every decision here leads on or has its own ending; expected it left out, or a decision that ends the case without an ending of its own",
        "59: questions[3].stages[1].options[1].ending: this decision leads on to stage 's2', so its ending is never shown; expected `ending` only on a decision without `next` (one that ends the case)",
    ],
}


def _where(folder: Path, name: str) -> Path:
    return (DATA / "broken-draws" / name) if name == "draws.yaml" else folder / name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_broken_file_reports_exactly_its_problems(name):
    path = _where(BROKEN, name)
    course, problems = load.check([path])
    assert course is None
    assert {p.file for p in problems} == {load._display(path)}
    got = [f"{p.line}: {p.field}: {p.message}" if p.field else f"{p.line}: {p.message}" for p in problems]
    assert got == EXPECTED[name]


def test_every_broken_file_is_covered():
    names = {p.name for p in BROKEN.glob("*.yaml")} - {"references.yaml"}
    assert names | {"draws.yaml"} == set(EXPECTED)


def test_a_folder_reports_all_files_at_once_sorted_by_file_and_line():
    course, problems = load.check([BROKEN])
    assert course is None
    expected_count = sum(len(v) for k, v in EXPECTED.items() if k != "draws.yaml")
    assert len(problems) == expected_count
    assert problems == sorted(problems)


def test_load_course_raises_one_error_with_every_problem():
    with pytest.raises(load.QuizFileError) as info:
        load.load_course(BROKEN)
    text = str(info.value)
    assert text.count("\n") + 1 == len(info.value.problems)
    assert "types.yaml:6: settings.pass_mark: expected a number, found 'high'" in text


def test_problem_reads_as_file_line_field_message():
    p = load.Problem("quizzes/a.yaml", 12, "questions[2].options", "found 0")
    assert str(p) == "quizzes/a.yaml:12: questions[2].options: found 0"
    assert str(load.Problem("quizzes/a.yaml", 1, "", "is empty")) == "quizzes/a.yaml:1: is empty"


def test_options_without_ids_get_letters_by_position(tmp_path):
    shutil.copy(BROKEN / "references.yaml", tmp_path)
    (tmp_path / "q.yaml").write_text(
        "schema_version: 1\nid: q\ntitle: T\nchapter: c\nsettings: {pass_mark: 50}\n"
        "objectives: [{id: o, text: O}]\nquestions:\n"
        "  - {id: q1, kind: single_choice, objective: o, prompt: P, options: ["
        "{text: A, feedback: F}, {id: mine, text: B, feedback: F}, {text: C, correct: true, feedback: F}]}\n"
    )
    course = load.load_course(tmp_path)
    assert [o.id for o in course.quiz("q").questions[0].options] == ["a", "mine", "c"]


def test_a_missing_path_is_a_problem_not_a_crash(tmp_path):
    _course, problems = load.check([tmp_path / "nowhere.yaml"])
    assert [str(p) for p in problems] == [f"{tmp_path / 'nowhere.yaml'}:1: no such file or folder"]


def test_binary_and_odd_yaml_are_problems_not_crashes(tmp_path):
    shutil.copy(BROKEN / "references.yaml", tmp_path)
    (tmp_path / "binary.yaml").write_bytes(b"\xff\xfe\x00\x01garbage")
    (tmp_path / "tagged.yaml").write_text("!!python/object:os.system\nid: x\n")
    (tmp_path / "alias.yaml").write_text("a: &x [1, 2]\nb: *x\nschema_version: 1\n")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    _course, problems = load.check([tmp_path])
    by_file = {}
    for p in problems:
        by_file.setdefault(Path(p.file).name, []).append(p.message)
    assert by_file["binary.yaml"] == ["expected UTF-8 text; the file has a byte that is not (invalid start byte)"]
    assert by_file["list.yaml"] == ["expected a mapping of fields at the top, found a list"]
    assert any("unknown field" in m for m in by_file["alias.yaml"])
    assert by_file["tagged.yaml"]  # reported, never constructed


def test_mangled_files_never_raise(tmp_path):
    """Delete, duplicate or corrupt random lines of a valid file: always problems, never a traceback."""
    source = (DATA / "course" / "quizzes" / "kinds.yaml").read_text().splitlines()
    shutil.copy(DATA / "course" / "quizzes" / "references.yaml", tmp_path)
    rng = random.Random(7)
    target = tmp_path / "kinds.yaml"
    reported = 0
    for _ in range(300):
        lines = list(source)
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(lines))
            action = rng.choice(["delete", "duplicate", "indent", "truncate", "swap"])
            if action == "delete":
                del lines[i]
            elif action == "duplicate":
                lines.insert(i, lines[i])
            elif action == "indent":
                lines[i] = "  " + lines[i]
            elif action == "truncate":
                lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
            else:
                j = rng.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
        target.write_text("\n".join(lines))
        course, problems = load.check([target])
        assert (course is None) == bool(problems)
        for p in problems:
            assert p.file.endswith("kinds.yaml") and p.line >= 1 and p.message
        reported += bool(problems)
    assert reported > 200  # nearly every mangling is caught


def test_single_file_resolves_draws_against_its_folder():
    course, problems = load.check([DATA / "course" / "quizzes" / "exam.yaml"])
    assert problems == []
    assert list(course.quizzes) == ["exam"]


def test_chapter_must_exist_when_chapters_are_checked(tmp_path):
    _course, problems = load.check([DATA / "course" / "quizzes"], chapters_root=tmp_path)
    assert [p.message for p in problems] == [
        f"no chapter 'chapters/exam' (expected chapters/exam.md or .ipynb under {tmp_path})",
        f"no chapter 'chapters/kinds' (expected chapters/kinds.md or .ipynb under {tmp_path})",
    ]


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "quizlib.cli", *args],
        check=False,
        capture_output=True,
        text=True,
        cwd=DATA.parent.parent,
    )


def test_cli_prints_one_line_per_problem_and_exits_1():
    proc = _cli("validate", str(BROKEN / "ordering.yaml"), str(BROKEN / "newer.yaml"))
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert len(lines) == 6 and lines[-1] == "5 problems in 2 files"
    assert lines[0].endswith(
        "newer.yaml:1: schema_version: this file is written for a newer quizlib (version 2); "
        "this quizlib reads version 1: upgrade quizlib"
    )
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_cli_validate_ok():
    proc = _cli("validate", str(DATA / "course" / "quizzes"))
    assert (proc.returncode, proc.stdout) == (0, "ok: 2 quizzes, 9 questions\n")
