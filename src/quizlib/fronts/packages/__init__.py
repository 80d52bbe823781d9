"""Packages for the systems organisations already run, made from the built book and the same quiz files:

- ``scorm12``: SCORM 1.2, one SCO; ``scorm2004``: SCORM 2004 (3rd edition, or 4th with ``edition=4``), one SCO;
- ``cmi5``: a cmi5 course, one AU per module;
- ``xapi``: an xAPI package (``tincan.xml``), one launchable activity, for LMSs that take xAPI but not cmi5;
- ``web``: a plain zip of the static course (an intranet, a shared drive, a USB stick).

An LMS package holds the course's pages under ``course/`` and, at its root, its manifest and ``index.html``:
the launcher, which starts the LMS session once, shows the pages in a same-origin frame, keeps the learner's
answers (``quizlib-lms.js`` in each page hands them to it) and reports them to the LMS
(``quizlib-launch.js``). Scoring is quizlib's own, in the page, with the keys in the page (practice mode).
Nothing is sent to a quizlib server and no request leaves the package but those to the LMS.

:func:`build` writes the zip through a temporary file renamed into place, so a failure never leaves half a
package.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from quizlib import course as course_folder
from quizlib.fronts import html as html_front
from quizlib.fronts.packages import content, manifests
from quizlib.fronts.packages.content import Module, PackageError
from quizlib.quiz.model import Course

__all__ = ["FORMATS", "Built", "Module", "Options", "PackageError", "build", "course_map"]

FORMATS = ("scorm12", "scorm2004", "cmi5", "xapi", "web")
LMS_FORMATS = ("scorm12", "scorm2004", "cmi5", "xapi")
COURSE_DIR = "course"
# The page runtime in an LMS package: the quiz runtime without the outbox for quizlib's server
# (quizlib-sync.js), with the bridge to the launcher before the quizzes mount.
PAGE_SCRIPTS = ("quizlib-dom.js", "quizlib-core.js", "quizlib-ui.js", "quizlib-lms.js")
LAUNCH_SCRIPTS = ("quizlib-core.js", "quizlib-launch.js")
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # zip entries' time: the same bytes for the same course


@dataclass(frozen=True)
class Options:
    edition: int = 3  # SCORM 2004 edition: 3 or 4
    course_id: str = ""  # an IRI for the course; by default urn:quizlib:course:<slug of the title>
    title: str = ""  # by default the book's title
    pass_mark: float | None = None  # the SCO's pass mark (SCORM); by default the mean of the quizzes' own


@dataclass(frozen=True)
class Built:
    path: Path
    size: int
    files: int
    modules: tuple[Module, ...] = field(default_factory=tuple)
    course_id: str = ""


def slug(text: str) -> str:
    """Lower-case ASCII letters and digits joined by "-" (accents dropped, dashes and spaces as "-")."""
    import unicodedata

    plain = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    text = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")
    return (text if len(text) <= 80 else text[:80].rsplit("-", 1)[0]) or "course"


def _asset(name: str) -> str:
    return html_front.asset(name)


def _vendor(name: str) -> bytes:
    return resources.files("quizlib.fronts.packages").joinpath("vendor", name).read_bytes()


def _config(root: Path) -> dict:
    import yaml

    try:
        return yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}


def course_map(course: Course, quiz_ids: Sequence[str]) -> dict:
    """What the launcher needs to keep answers compactly (``suspend_data``): each quiz's questions with
    their kind and the ids a response is made of, in order. A drawn quiz lists the quizzes it draws from."""

    def entry(q) -> dict:
        out = {"id": q.id, "kind": q.kind}
        if q.kind in ("single_choice", "multiple_response"):
            out["ids"] = [o.id for o in q.options]
        elif q.kind == "ordering":
            out["ids"] = [i.id for i in q.items]
        elif q.kind == "numeric":
            out["unit"] = q.unit  # "70%" where the unit is "%" is kept as 70
        elif q.kind == "matching":
            out["ids"] = [p.id for p in q.pairs] + [d.id for d in q.distractors]
            out["pairs"] = len(q.pairs)
        elif q.kind == "vignette":
            index = {s.id: n for n, s in enumerate(q.stages)}
            stages = [[s.id, [[o.id, index[o.next] if o.next else -1] for o in s.options]] for s in q.stages]
            out["ids"] = {"start": index[q.start], "stages": stages}
        return out

    wanted = list(quiz_ids)
    for quiz_id in quiz_ids:
        wanted += [d.quiz for d in course.quiz(quiz_id).draw if d.quiz not in wanted]
    quizzes = []
    for quiz_id in wanted:
        quiz = course.quiz(quiz_id)
        quizzes.append(
            {
                "id": quiz.id,
                "pass_mark": quiz.settings.pass_mark,
                "questions": [entry(q) for q in quiz.questions],
                "draws": [d.quiz for d in quiz.draw],
                "tracked": quiz.id in quiz_ids,
            }
        )
    return {"quizzes": quizzes}


def _launcher(fmt: str, title: str, config: dict) -> bytes:
    data = json.dumps(config, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    scripts = "".join(f'<script src="{name}"></script>' for name in config["scripts"])
    text = f"""<!DOCTYPE html>
<html lang="{config["language"]}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_escape(title)}</title>
<link rel="stylesheet" href="quizlib-launch.css">
</head>
<body>
<header class="qll-bar">
<p class="qll-title">{_escape(title)}</p>
<p class="qll-status" role="status" aria-live="polite" id="qll-status">Connecting to your learning system…</p>
<button type="button" class="qll-exit" id="qll-exit" hidden>Save and exit</button>
</header>
<main class="qll-main" id="qll-main">
<iframe id="qll-frame" class="qll-frame" title="{_escape(title)}"></iframe>
</main>
<script type="application/json" id="qll-config">{data}</script>
{scripts}
</body>
</html>
"""
    return text.encode("utf-8")


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def build(
    book: Path,
    root: Path,
    fmt: str,
    module_names: Sequence[str] = (),
    out_dir: Path | None = None,
    options: Options | None = None,
) -> Built:
    """Write the package ``fmt`` of ``module_names`` (all modules when empty) from the built ``book`` of the
    course at ``root``; return where it is and its size. Raises :class:`PackageError`."""
    options = options or Options()
    if fmt not in FORMATS:
        raise PackageError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    if options.edition not in (3, 4):
        raise PackageError(f"SCORM 2004 edition {options.edition} is not supported; expected 3 or 4")
    book = Path(book)
    if not (book / "index.html").is_file() or not (book / "_static").is_dir():
        raise PackageError(
            f"no built book in {book} (expected {book / 'index.html'} and {book / '_static'}); build it first with "
            "`jupyter-book build .`, or name it with --book"
        )
    course = course_folder.quizzes(root)
    all_modules = content.modules(root, course)
    chosen = content.choose(all_modules, list(module_names))
    whole = len(chosen) == len(all_modules)
    docs = [m.chapter for m in chosen] + content.support_documents(root, course)
    pages = {f"{d}.html" for d in docs}
    missing = sorted(p for p in pages if not (book / p).is_file())
    if missing:
        raise PackageError(
            f"the built book in {book} has no {missing[0]}: it is older than the course; build it again with "
            "`jupyter-book build .`"
        )
    config = _config(root)
    title = options.title or " ".join(str(config.get("title") or "Course").split())
    language = str(((config.get("sphinx") or {}).get("config") or {}).get("language") or "en")
    course_id = options.course_id or f"urn:quizlib:course:{slug(title)}"
    quiz_ids = [q for m in chosen for q in m.quiz_ids]
    pass_marks = {m.name: course.quiz(m.quiz_ids[0]).settings.pass_mark for m in chosen}
    mastery = options.pass_mark
    if mastery is None:
        marks = [course.quiz(q).settings.pass_mark for q in quiz_ids]
        mastery = round(sum(marks) / len(marks), 2) if marks else 0.0
    if not 0 <= mastery <= 100:
        raise PackageError(f"the pass mark is a percentage from 0 to 100, not {mastery:g}")
    subset = "" if whole else "-" + "-".join(m.name.split("-", 1)[0] for m in chosen)
    described = manifests.Described(
        course_id=course_id if whole else f"{course_id}{subset.replace('-', ':', 1)}",
        title=title if whole else f"{title}: {', '.join(m.title for m in chosen)}"[:200],
        description=str(config.get("description") or title),
        language=language,
        identifier=slug(f"quizlib-{slug(title)}{subset}"),
        mastery=mastery,
        modules=tuple(chosen),
        pass_marks=pass_marks,
    )

    # The course's files, each page made fit to travel.
    present_files = content.book_files(book, pages, whole)
    present = set(present_files)
    entries: dict[str, bytes] = {}
    lms = fmt in LMS_FORMATS
    prefix = f"{COURSE_DIR}/" if lms else ""
    first_page = f"{chosen[0].chapter}.html" if chosen else min(pages)
    for rel in present_files:
        data = (book / rel).read_bytes()
        if rel == "index.html":
            data = content.rewrite_index(first_page).encode() if not whole else data
        elif rel.endswith(".html") and not rel.startswith("_static/"):
            data = content.rewrite_page(data.decode("utf-8"), rel, present, set(quiz_ids), whole).encode("utf-8")
            if lms:
                data = data.replace(_WEB_FOOTER, _LMS_FOOTER)
        entries[prefix + rel] = data
    if lms:
        entries[f"{prefix}_static/quizlib.js"] = html_front.script(PAGE_SCRIPTS).encode("utf-8")
        launch_config = {
            "format": fmt,
            "edition": options.edition,
            "course_id": described.course_id,
            "title": described.title,
            "language": language,
            "course_dir": COURSE_DIR,
            "first_page": first_page,
            "pages": sorted(p for p in present if p.endswith(".html") and not p.startswith("_static/")),
            "modules": [
                {
                    "name": m.name,
                    "title": m.title,
                    "page": f"{m.chapter}.html",
                    "quizzes": list(m.quiz_ids),
                    "pass_mark": pass_marks[m.name],
                    "au_id": manifests.au_id(described.course_id, m),
                }
                for m in chosen
            ],
            "pass_mark": mastery,
            "map": course_map(course, quiz_ids),
            "scripts": ([*(["cmi5.umd.js"] if fmt == "cmi5" else []), *LAUNCH_SCRIPTS]),
        }
        for name in LAUNCH_SCRIPTS:
            entries[name] = _asset(name).encode("utf-8")
        entries["quizlib-launch.css"] = _asset("quizlib-launch.css").encode("utf-8")
        if fmt == "cmi5":
            entries["cmi5.umd.js"] = _vendor("cmi5.umd.js")
            entries["licences/cmi5.LICENSES.txt"] = _vendor("cmi5.LICENSES.txt")
        entries["index.html"] = _launcher(fmt, described.title, launch_config)
        if fmt in ("scorm12", "scorm2004"):
            version = "1.2" if fmt == "scorm12" else f"2004-{options.edition}"
            entries["imsmanifest.xml"] = manifests.scorm_manifest(described, sorted(entries), version)
        elif fmt == "cmi5":
            entries["cmi5.xml"] = manifests.cmi5_structure(described)
        else:
            entries["tincan.xml"] = manifests.tincan_manifest(described)

    out_dir = Path(out_dir) if out_dir else root / "_build" / "packages"
    name = f"{slug(title)}{subset}-{fmt}{'-4th' if fmt == 'scorm2004' and options.edition == 4 else ''}.zip"
    path = out_dir / name
    _write_zip(path, entries)
    return Built(
        path=path, size=path.stat().st_size, files=len(entries), modules=tuple(chosen), course_id=described.course_id
    )


_WEB_FOOTER = b"Nothing is sent anywhere unless your trainer's course server is in use."
_LMS_FOOTER = b"Your learning system keeps your results."


def _write_zip(path: Path, entries: dict[str, bytes]) -> None:
    """The zip, written beside ``path`` and renamed into place: never half a package at ``path``."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as e:
        raise PackageError(f"cannot write in {path.parent} ({e.strerror or e}); choose another --out") from None
    try:
        with os.fdopen(fd, "wb") as raw:
            buffer = io.BufferedWriter(raw)
            with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
                for name in sorted(entries):
                    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = 0o644 << 16
                    z.writestr(info, entries[name])
            buffer.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise PackageError(f"cannot write {path} ({e.strerror or e}); choose another --out") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
