"""The ``quizlib`` command. Thin: parse, call the library, turn errors into one line each."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

from quizlib.quiz import load, model

# Exit codes: 0 done; 1 problems found in what was given (quiz files, a name already taken); 2 could not run
# (bad arguments, as argparse says; a database that cannot be reached; a failure of quizlib itself).
EXIT_PROBLEMS = 1
EXIT_COULD_NOT_RUN = 2


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
        return EXIT_PROBLEMS
    assert course is not None
    if args.json:
        print(json.dumps(_summary(course), indent=2))
    else:
        n = sum(len(q.questions) for q in course.quizzes.values())
        print(f"ok: {_count(len(course.quizzes), 'quiz', 'quizzes')}, {_count(n, 'question', 'questions')}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from quizlib.quiz.schema import quiz_schema

    text = json.dumps(quiz_schema(), indent=2, ensure_ascii=False) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0


def cmd_readability(args: argparse.Namespace) -> int:
    from quizlib.quiz.readability import TARGET_GRADE, report

    rows = report(Path(args.folder))
    print(f"{'chapter':34} {'words':>6} {'sentences':>9} {'grade':>6}")
    for r in rows:
        flag = "" if r.grade <= TARGET_GRADE else f"  above {TARGET_GRADE:g}"
        print(f"{r.chapter:34} {r.words:6d} {r.sentences:9d} {r.grade:6.1f}{flag}")
    return 0


def cmd_demo_data(args: argparse.Namespace) -> int:
    # Demo data (analytics): realistic cohorts and answers in an empty database, through the store.
    from quizlib.results.demo import DemoError, fill, generate
    from quizlib.results.store import Store, StoreError

    try:
        course = load.load_course(args.quizzes)
        sizes = {"learners_per_cohort": args.learners} if args.learners is not None else {}
        data = generate(course, seed=args.seed, cohorts=args.cohorts, **sizes)
        store = Store(_database(args))  # the same default as `quizlib serve`
        try:
            store.upgrade()
            summary = fill(store, course, data)
        finally:
            store.close()
    except (DemoError, StoreError, load.QuizFileError) as e:
        print(f"quizlib demo-data: {e}", file=sys.stderr)
        return 1
    print(
        f"demo data (seed {args.seed}): {summary.cohorts} cohorts, {summary.learners} learners, "
        f"{summary.assignments} assignments, {summary.attempts} attempts ({summary.finished_attempts} finished), "
        f"{summary.statements_stored} statements"
    )
    for name, password in summary.trainers.items():
        print(f"trainer {name}: one-time password {password}")
    return 0


# -- the course server (serve, create-lead, db upgrade) --------------------------------------------------


def _database(args: argparse.Namespace) -> str:
    import os

    from quizlib.results.store import DEFAULT_URL

    return args.database or os.environ.get("QUIZLIB_DATABASE") or DEFAULT_URL


def cmd_serve(args: argparse.Namespace) -> int:
    from quizlib.server.run import serve

    book = Path(args.book)
    if not (book / "index.html").exists():
        print(
            f"quizlib serve: no built book in {book} (expected {book / 'index.html'}); build it first with "
            "`jupyter-book build .` or run `./course serve`",
            file=sys.stderr,
        )
        return 1
    try:
        serve(
            book,
            _database(args),
            host=args.host,
            port=args.port,
            public_url=args.public_url,
            course_root=Path(args.course) if args.course else None,
            trusted_proxies=args.trusted_proxies,
        )
    except OSError as e:
        if e.errno in (98, 99, 13):  # address in use, not available, or a privileged port
            print(
                f"quizlib serve: cannot listen on {args.host}:{args.port} ({e.strerror}); choose another "
                "address or port with --host/--port",
                file=sys.stderr,
            )
            return 1
        raise
    return 0


def cmd_create_lead(args: argparse.Namespace) -> int:
    from quizlib.results.store import Store
    from quizlib.results.store.passwords import hash_password, one_time_password

    store = Store(_database(args))
    try:
        store.upgrade()
        password = one_time_password()
        store.add_staff(args.name, "lead", hash_password(password), must_change_password=True)
    finally:
        store.close()
    print(
        f"Created course lead {args.name!r}. One-time password (shown only now; it must be changed at first "
        f"sign-in at /signin):\n{password}"
    )
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from quizlib.results.store import Store, current_revision

    store = Store(_database(args))
    try:
        before = current_revision(store.engine)
        store.upgrade()
        after = current_revision(store.engine)
    finally:
        store.close()
    print(
        f"database schema: {before or 'empty'} -> {after}"
        if before != after
        else f"database schema is current ({after})"
    )
    return 0


def _add_server_commands(sub) -> None:
    database_help = "database URL: sqlite:///FILE or postgresql://USER@HOST/DB (default: $QUIZLIB_DATABASE or sqlite:///var/course.sqlite3)"
    p = sub.add_parser("serve", help="serve the built book with the results server (http://127.0.0.1:8000/)")
    p.add_argument("--book", default="_build/html", help="the built book's HTML folder (default: _build/html)")
    p.add_argument("--database", help=database_help)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000; 0 picks a free one)")
    p.add_argument("--public-url", help="the address learners use, if not http://HOST:PORT/ (e.g. behind a proxy)")
    p.add_argument("--course", help="the course folder with quizzes/ (default: found from the book's folder)")
    p.add_argument(
        "--trusted-proxies",
        default=os.environ.get("QUIZLIB_TRUSTED_PROXIES", "127.0.0.1,::1"),
        metavar="ADDRESSES",
        help="addresses of the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed, "
        "comma-separated; '*' for any, '' for none (default: $QUIZLIB_TRUSTED_PROXIES or 127.0.0.1,::1, this machine)",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("create-lead", help="create a course lead account and print its one-time password")
    p.add_argument("name", help="the course lead's name, used to sign in")
    p.add_argument("--database", help=database_help)
    p.set_defaults(func=cmd_create_lead)

    p = sub.add_parser("db", help="manage the results database")
    db = p.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    p = db.add_parser("upgrade", help="create or upgrade the database schema in place, keeping its data")
    p.add_argument("--database", help=database_help)
    p.set_defaults(func=cmd_db_upgrade)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quizlib",
        description="Check and export quiz files, serve the course with its results server, and manage its database.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "validate", help="check quiz files; one line per problem; exit 1 if any, 2 if the check could not run"
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="quiz files or folders (default: quizzes)")
    p.add_argument("--json", action="store_true", help="print a summary of the valid quizzes as JSON")
    p.add_argument("--chapters", metavar="DIR", help="also check that each quiz's chapter exists under DIR")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("schema", help="write the quiz format as JSON Schema")
    p.add_argument(
        "-o", "--output", default="quizzes/schema.json", help="file to write, or - (default: quizzes/schema.json)"
    )
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("readability", help="print the Flesch-Kincaid grade of each chapter's body text")
    p.add_argument("folder", nargs="?", default="chapters", help="folder of MyST chapters (default: chapters)")
    p.set_defaults(func=cmd_readability)

    p = sub.add_parser("demo-data", help="fill an empty database with realistic demo cohorts, learners and answers")
    p.add_argument(
        "--database",
        default=None,
        metavar="URL",
        help="sqlite:///FILE or postgresql://... (default: $QUIZLIB_DATABASE or the server's)",
    )
    p.add_argument("--seed", type=int, default=1, help="the same seed gives the same people and answers (default: 1)")
    p.add_argument("--cohorts", type=int, default=4, help="how many cohorts (default: 4)")
    p.add_argument("--learners", type=int, default=None, metavar="N", help="learners per cohort (default: 16 to 24)")
    p.add_argument("--quizzes", default="quizzes", metavar="DIR", help="the course's quiz folder (default: quizzes)")
    p.set_defaults(func=cmd_demo_data)

    _add_server_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # every failure becomes one line: the library's named errors, then anything else
        from quizlib.results.store import StoreError

        if isinstance(e, (StoreError, load.QuizFileError)):
            print(f"quizlib {args.command}: {e}", file=sys.stderr)
            return EXIT_PROBLEMS
        if "sqlalchemy" in sys.modules:
            from sqlalchemy.exc import OperationalError

            if isinstance(e, OperationalError):
                reason = str(e.orig).strip().replace("\n", " ")
                print(
                    f"quizlib {args.command}: cannot use the database ({reason}); check --database and that the "
                    "database server is running",
                    file=sys.stderr,
                )
                return EXIT_COULD_NOT_RUN
        if os.environ.get("QUIZLIB_DEBUG"):
            raise
        print(
            f"quizlib {args.command}: could not run: {type(e).__name__} ({e}); unless the machine ran out of "
            "memory or disk, this is a bug in quizlib: please report it (QUIZLIB_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return EXIT_COULD_NOT_RUN


if __name__ == "__main__":
    sys.exit(main())
