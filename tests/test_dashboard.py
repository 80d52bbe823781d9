"""reports/dashboard.ipynb runs in a real kernel against a demo database and shows the expected figures."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from quizlib.results import report
from quizlib.results.dashboard import html_table
from quizlib.results.report import percent

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "reports" / "dashboard.ipynb"
QUIZLIB = str(Path(sys.executable).with_name("quizlib"))
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def executed(tmp_path_factory, course):
    """The notebook after running it on a database that `quizlib demo-data` filled from the real quizzes."""
    folder = tmp_path_factory.mktemp("dashboard")
    url = f"sqlite:///{folder / 'demo.sqlite3'}"
    made = subprocess.run(
        [QUIZLIB, "demo-data", "--database", url, "--cohorts", "2", "--learners", "8", "--seed", "3"],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert made.returncode == 0, made.stderr
    nb = nbformat.read(NOTEBOOK, as_version=4)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QUIZLIB_DATABASE", url)
        mp.setenv("QUIZLIB_EXPORT", str(folder / "csv"))
        NotebookClient(
            nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
        ).execute()
    return nb, url, folder / "csv"


def outputs(nb, mime):
    return [o["data"][mime] for c in nb.cells if c.cell_type == "code" for o in c.outputs if mime in o.get("data", {})]


def test_the_saved_notebook_has_no_outputs():
    # Committed clean: outputs would go stale and leak whatever database it last ran on.
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    nbformat.validate(nb)


def test_it_runs_without_errors(executed):
    nb, _, _ = executed
    for cell in nb.cells:
        if cell.cell_type == "code":
            for o in cell.outputs:
                assert o.output_type != "error", "".join(o.get("traceback", []))
                assert not (o.output_type == "stream" and o.get("name") == "stderr"), o.get("text")


def test_it_shows_every_chart_as_inline_svg(executed, course):
    nb, _, _ = executed
    titles = []
    for svg in outputs(nb, "image/svg+xml"):
        root = ET.fromstring(svg)
        assert root.tag == SVG + "svg" and root.get("role") == "img"
        titles.append(root.find(f"{SVG}title").text)
    assert "Completion and pass rates by module" in titles
    assert "Completion and pass rates by cohort" in titles
    answered = [q for q in course.quizzes.values() if q.questions or q.draw]
    for quiz in answered:
        assert f"First attempts: {quiz.title}" in titles
        assert f"Facility and discrimination: {quiz.title}" in titles


def test_its_figures_are_those_of_the_database(executed, course):
    nb, url, _ = executed
    from quizlib.results.dashboard import load_inputs
    from quizlib.results.store import Store

    store = Store(url)
    try:
        data = load_inputs(store)
    finally:
        store.close()
    markdown = "\n".join(outputs(nb, "text/markdown"))
    assert f"**2 cohorts, {len(data.enrolments)} learners, {len(data.assignments)} assignments; " in markdown
    assert f"{len(data.attempts)} finished attempts" in markdown
    html = "\n".join(outputs(nb, "text/html"))
    assert "Quizzes: first attempts and passes" in html and "Completion and pass rates by cohort and module" in html
    progress = report.learner_progress(
        data.enrolments, data.assignments, data.attempts, course, started=data.started, cohorts=data.cohorts
    )
    overdue = report.overdue_learners(progress)
    assert f"{len(overdue)} overdue modules" in html
    if overdue:
        assert overdue[0].display_name in html
    by_module = report.completion_rates(progress, by=("module",))
    chart = next(s for s in outputs(nb, "image/svg+xml") if "Completion and pass rates by module" in s)
    for row in by_module:
        assert f"({row.finished} of {row.learners})" in chart


def test_it_exports_every_table_as_csv(executed):
    _, _, folder = executed
    files = {p.stem: p for p in folder.glob("*.csv")}
    assert set(files) == {
        "quiz-summary",
        "rates",
        "rates-by-module",
        "rates-by-cohort",
        "progress",
        "overdue",
        "score-distribution",
        "items",
        "responses",
    }
    assert files["items"].read_bytes().startswith(b"\xef\xbb\xbf")  # a byte-order mark, for Excel
    header = next(csv.reader(io.StringIO(files["items"].read_text(encoding="utf-8-sig"), newline="")))
    assert header == [f for f in report.ItemRow.__dataclass_fields__]
    rows = list(csv.DictReader(io.StringIO(files["score-distribution"].read_text(encoding="utf-8-sig"), newline="")))
    assert rows and all(0 <= float(r["lower"]) < float(r["upper"]) <= 100 for r in rows)


def test_html_table_escapes_and_labels_its_columns():
    rows = [report.Cohort("c1", "<b>Cardiff</b>"), report.Cohort("c2", "Leeds")]
    html = html_table(rows, caption="Cohorts & more", limit=1)
    assert "<caption>Cohorts &amp; more</caption>" in html
    assert '<th scope="col">name</th>' in html
    assert "&lt;b&gt;Cardiff&lt;/b&gt;" in html and "<b>" not in html
    assert "Leeds" not in html and "1 more rows" in html
    assert "No rows." in html_table([], ["a"])
    assert percent(0.456) == "46%" and percent(None) == "–"
