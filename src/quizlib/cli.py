"""The ``quizlib`` command. Thin: parse, call the library, turn errors into one line each."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from . import load, model


def _summary(course: model.Course) -> dict:
    kinds: Counter[str] = Counter()
    quizzes = []
    for quiz in course.quizzes.values():
        per_objective = {o.id: 0 for o in quiz.objectives}
        for q in quiz.questions:
            kinds[q.kind] += 1
            per_objective[q.objective] = per_objective.get(q.objective, 0) + 1
        quizzes.append(
            {
                "id": quiz.id,
                "file": course.sources.get(quiz.id, ""),
                "chapter": quiz.chapter,
                "questions": len(quiz.questions),
                "draws": sum(d.count for d in quiz.draw),
                "pass_mark": quiz.settings.pass_mark,
                "kinds": dict(Counter(q.kind for q in quiz.questions)),
                "objectives": [{"id": o.id, "text": o.text, "questions": per_objective[o.id]} for o in quiz.objectives],
            }
        )
    vignettes = [q for quiz in course.quizzes.values() for q in quiz.questions if q.kind == "vignette"]
    return {
        "quizzes": len(course.quizzes),
        "questions": sum(kinds.values()),
        "by_kind": {k: kinds.get(k, 0) for k in model.KINDS},
        "vignettes": len(vignettes),
        "decision_points": sum(len(v.stages) for v in vignettes),
        "objectives": sum(len(q.objectives) for q in course.quizzes.values()),
        "detail": quizzes,
    }


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def cmd_validate(args: argparse.Namespace) -> int:
    paths = args.paths or ["quizzes"]
    course, problems = load.check(paths, Path(args.chapters) if args.chapters else None)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        files = len({p.file for p in problems})
        print(f"{_count(len(problems), 'problem', 'problems')} in {_count(files, 'file', 'files')}", file=sys.stderr)
        return 1
    assert course is not None
    if args.json:
        print(json.dumps(_summary(course), indent=2))
    else:
        n = sum(len(q.questions) for q in course.quizzes.values())
        print(f"ok: {_count(len(course.quizzes), 'quiz', 'quizzes')}, {_count(n, 'question', 'questions')}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from .schema import quiz_schema

    text = json.dumps(quiz_schema(), indent=2, ensure_ascii=False) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0


def cmd_readability(args: argparse.Namespace) -> int:
    from .readability import TARGET_GRADE, report

    rows = report(Path(args.folder))
    print(f"{'chapter':34} {'words':>6} {'sentences':>9} {'grade':>6}")
    for r in rows:
        flag = "" if r.grade <= TARGET_GRADE else f"  above {TARGET_GRADE:g}"
        print(f"{r.chapter:34} {r.words:6d} {r.sentences:9d} {r.grade:6.1f}{flag}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="quizlib", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check quiz files; one line per problem, exit 1 if any")
    p.add_argument("paths", nargs="*", metavar="PATH", help="quiz files or folders (default: quizzes)")
    p.add_argument("--json", action="store_true", help="print a summary of the valid quizzes as JSON")
    p.add_argument("--chapters", metavar="DIR", help="also check that each quiz's chapter exists under DIR")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("schema", help="write the quiz format as JSON Schema")
    p.add_argument("-o", "--output", default="quizzes/schema.json", help="file to write, or - (default: quizzes/schema.json)")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("readability", help="print the Flesch-Kincaid grade of each chapter's body text")
    p.add_argument("folder", nargs="?", default="chapters", help="folder of MyST chapters (default: chapters)")
    p.set_defaults(func=cmd_readability)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
