"""The ``quizlib`` command. Thin: parse, call the library, turn errors into one line each."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

import yaml

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


# -- packages for other systems (package, export-bank) -----------------------------------------------------


def _course_title(root: Path) -> str:
    try:
        config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return "Course"
    return " ".join(str(config.get("title") or "Course").split())


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, renamed over it: a reader never
    sees half a file, and a failure leaves the old one (or none)."""
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cmd_package(args: argparse.Namespace) -> int:
    import time

    from quizlib import course as course_folder
    from quizlib.fronts.packages import FORMATS, Options, PackageError, build

    formats = FORMATS if args.format == "all" else (args.format,)
    try:
        root = Path(args.course).resolve() if args.course else course_folder.find_root()
        options = Options(edition=args.edition, course_id=args.id or "", pass_mark=args.pass_mark)
        for fmt in formats:
            started = time.perf_counter()
            built = build(
                Path(args.book) if args.book else root / "_build" / "html",
                root,
                fmt,
                args.modules or (),
                Path(args.out) if args.out else None,
                options,
            )
            seconds = time.perf_counter() - started
            print(
                f"wrote {built.path}: {built.size:,} bytes ({built.size / 1_048_576:.1f} MiB), {built.files} files, "
                f"{len(built.modules)} module{'s' if len(built.modules) != 1 else ''}, {seconds:.1f} s"
            )
    except (PackageError, FileNotFoundError) as e:
        print(f"quizlib package: {e}", file=sys.stderr)
        return 1
    return 0


def cmd_export_bank(args: argparse.Namespace) -> int:
    from quizlib import course as course_folder
    from quizlib.fronts.banks import BankError, export

    try:
        root = Path(args.course).resolve() if args.course else course_folder.find_root()
        exported = export(
            course_folder.quizzes(root), args.format, args.quiz or (), title=_course_title(root), exact=args.exact
        )
    except (BankError, FileNotFoundError) as e:
        print(f"quizlib export-bank: {e}", file=sys.stderr)
        return 1
    for note in exported.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.out in (None, "-"):
        sys.stdout.write(exported.text)
        return 0
    out = Path(args.out)
    try:
        _write_atomically(out, exported.text.encode("utf-8"))
    except OSError as e:
        print(f"quizlib export-bank: cannot write {out} ({e.strerror or e}); choose another --out", file=sys.stderr)
        return 1
    print(f"wrote {out}: {exported.questions} questions, {out.stat().st_size:,} bytes", file=sys.stderr)
    return 0


def _add_package_commands(sub) -> None:
    p = sub.add_parser(
        "package", help="turn the built book into a SCORM 1.2, SCORM 2004, cmi5, xAPI or plain web zip for an LMS"
    )
    p.add_argument(
        "--format",
        required=True,
        choices=["scorm12", "scorm2004", "cmi5", "xapi", "web", "all"],
        help="scorm12, scorm2004, cmi5, xapi, web, or all of them",
    )
    p.add_argument(
        "--modules",
        nargs="+",
        metavar="MODULE",
        help="only these modules: a chapter's file name (04-meta-analyses) or its quiz id (default: every module)",
    )
    p.add_argument("--out", metavar="DIR", help="folder to write the zip in (default: _build/packages)")
    p.add_argument("--book", metavar="DIR", help="the built book (default: _build/html in the course folder)")
    p.add_argument("--course", metavar="DIR", help="the course folder (default: found from the working folder)")
    p.add_argument("--edition", type=int, choices=[3, 4], default=3, help="SCORM 2004 edition (default: 3)")
    p.add_argument(
        "--id",
        metavar="IRI",
        help="the course's id in the LMS (default: urn:quizlib:course:<its title>); keep it when updating a package",
    )
    p.add_argument(
        "--pass-mark",
        type=float,
        metavar="PERCENT",
        help="the SCORM pass mark for the package (default: the mean of its quizzes' pass marks)",
    )
    p.set_defaults(func=cmd_package)

    p = sub.add_parser(
        "export-bank", help="write the course's questions as a GIFT or Moodle XML question bank for an LMS"
    )
    p.add_argument("--format", required=True, choices=["gift", "moodle-xml"], help="gift or moodle-xml")
    p.add_argument(
        "--quiz", nargs="+", metavar="ID", help="only these quizzes (default: every quiz with questions of its own)"
    )
    p.add_argument("--out", metavar="FILE", help="file to write (default: standard output)")
    p.add_argument(
        "--exact",
        action="store_true",
        help="fail, naming them, if some questions can only be written in a documented approximate form",
    )
    p.add_argument("--course", metavar="DIR", help="the course folder (default: found from the working folder)")
    p.set_defaults(func=cmd_export_bank)


# -- the course server (serve, create-lead, db upgrade) --------------------------------------------------


def _database(args: argparse.Namespace) -> str:
    import os

    from quizlib.results.store import DEFAULT_URL

    return args.database or os.environ.get("QUIZLIB_DATABASE") or DEFAULT_URL


def _mail(args: argparse.Namespace):
    """The SMTP server for reminders, from --smtp/--mail-from or QUIZLIB_SMTP/QUIZLIB_MAIL_FROM (None: no e-mail)."""
    import os

    from quizlib.server.mail import MailSettings

    url = args.smtp or os.environ.get("QUIZLIB_SMTP")
    if not url:
        return None
    return MailSettings.from_url(url, args.mail_from or os.environ.get("QUIZLIB_MAIL_FROM"))


def _forwarding(args: argparse.Namespace):
    """The LRS to forward statements to, from the options or the environment (None: no forwarding), and how.
    Raises ForwardConfigError naming the option to change."""
    import os

    from quizlib.results.forward import MAX_BATCH, Destination, ForwardConfigError, Settings

    url = args.forward_lrs or os.environ.get("QUIZLIB_FORWARD_LRS_URL")
    user = os.environ.get("QUIZLIB_FORWARD_LRS_USER")
    password = os.environ.get("QUIZLIB_FORWARD_LRS_PASSWORD")
    if args.forward_lrs_auth is not None:
        if ":" not in args.forward_lrs_auth:
            raise ForwardConfigError("--forward-lrs-auth: expected USER:PASSWORD")
        user, password = args.forward_lrs_auth.split(":", 1)
    if not url:
        if args.forward_lrs_auth is not None:
            raise ForwardConfigError("--forward-lrs-auth needs --forward-lrs URL (or $QUIZLIB_FORWARD_LRS_URL)")
        return None, None
    if password and not user:
        raise ForwardConfigError(
            "$QUIZLIB_FORWARD_LRS_PASSWORD is set but $QUIZLIB_FORWARD_LRS_USER is not: set both, or neither"
        )
    if not 1 <= args.forward_batch_size <= MAX_BATCH:
        raise ForwardConfigError(f"--forward-batch-size must be from 1 to {MAX_BATCH}, not {args.forward_batch_size}")
    for option in ("timeout", "max_backoff"):
        if not getattr(args, f"forward_{option}") > 0:
            raise ForwardConfigError(f"--forward-{option.replace('_', '-')} must be more than 0 seconds")
    try:
        destination = Destination.parse(url, user or None, password)
    except ForwardConfigError as e:
        source = "--forward-lrs" if args.forward_lrs else "$QUIZLIB_FORWARD_LRS_URL"
        raise ForwardConfigError(f"{source}: {e}") from None
    settings = Settings(
        batch_size=args.forward_batch_size, timeout=args.forward_timeout, max_backoff=args.forward_max_backoff
    )
    return destination, settings


def cmd_serve(args: argparse.Namespace) -> int:
    from quizlib.results.forward import ForwardConfigError
    from quizlib.server.mail import MailError
    from quizlib.server.run import serve

    try:
        forward_to, forwarding = _forwarding(args)
    except ForwardConfigError as e:
        print(f"quizlib serve: {e}", file=sys.stderr)
        return 1
    book = Path(args.book)
    if not (book / "index.html").exists():
        print(
            f"quizlib serve: no built book in {book} (expected {book / 'index.html'}); build it first with "
            "`jupyter-book build .` or run `./course serve`",
            file=sys.stderr,
        )
        return 1
    try:
        mail = _mail(args)
    except MailError as e:
        print(f"quizlib serve: {e}", file=sys.stderr)
        return 1
    try:
        serve(
            book,
            _database(args),
            host=args.host,
            port=args.port,
            public_url=args.public_url,
            course_root=Path(args.course) if args.course else None,
            mail=mail,
            forward_to=forward_to,
            forwarding=forwarding,
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
    p.add_argument(
        "--smtp",
        metavar="URL",
        help="the SMTP server trainers' reminders are sent through: smtp://HOST:25, "
        "smtp+starttls://USER:PASSWORD@HOST:587 or smtps://USER:PASSWORD@HOST:465 (default: $QUIZLIB_SMTP; "
        "none: trainers copy reminders instead)",
    )
    p.add_argument(
        "--mail-from", metavar="ADDRESS", help="the address reminders come from (default: $QUIZLIB_MAIL_FROM)"
    )
    g = p.add_argument_group(
        "forwarding to an external LRS",
        "Send every stored statement to an xAPI 1.0.3 LRS as well, in batches, again after any failure, each once. "
        "Credentials: --forward-lrs-auth, or $QUIZLIB_FORWARD_LRS_USER and $QUIZLIB_FORWARD_LRS_PASSWORD "
        "(better: other users of the machine can read a command line).",
    )
    g.add_argument(
        "--forward-lrs",
        metavar="URL",
        help="the LRS's xAPI endpoint, e.g. https://lrs.example.org/xAPI/ (default: $QUIZLIB_FORWARD_LRS_URL; "
        "none: no forwarding)",
    )
    g.add_argument("--forward-lrs-auth", metavar="USER:PASSWORD", help="HTTP Basic credentials for the LRS")
    g.add_argument(
        "--forward-batch-size",
        type=int,
        default=50,
        metavar="N",
        help="statements per request, 1 to 1000 (default: 50)",
    )
    g.add_argument(
        "--forward-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how long to wait for the LRS's answer (default: 30)",
    )
    g.add_argument(
        "--forward-max-backoff",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="the longest wait between tries while the LRS fails; waits double from 1 s up to this (default: 300)",
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

    _add_package_commands(sub)
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
