"""One definition of progress: "started", "finished", "passed" and "overdue", each assignment's own pass mark,
and the day a due date ends in the cohort's time zone, computed through every path a person can see them (the
trainer's cohort and learner pages, the learners' API, the lead's report page and CSV, the trainer's CSV and
the analysts' notebook) and compared.

Two cohorts at the ends of the world's clocks (Kiritimati, UTC+14, and Pago Pago, UTC-11) have the same
assignments due on the same day, today in Pago Pago: it has ended in Kiritimati, and not in Pago Pago. Ann
scores 80% on a quiz assigned twice, at 85% ("Strict", due that day) and at 75% ("Gentle", due later).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import nbformat
import pytest
from cohort_helpers import take_quiz, two_wrong
from nbclient import NotebookClient
from server_fixtures import join, signed_in

from quizlib.results import report

NOTEBOOK = Path(__file__).resolve().parents[1] / "reports" / "dashboard.ipynb"
ZONES = {"Kiritimati": "Pacific/Kiritimati", "Pago Pago": "Pacific/Pago_Pago"}
Facts = dict[
    tuple[str, str], tuple[bool, bool, bool, bool]
]  # (learner, assignment) -> started, finished, passed, overdue


@pytest.fixture
def world(live, course):
    """The two cohorts, their assignments and learners, made as a trainer would, over HTTP."""
    trainer = signed_in(live, "Tess")
    live.store.staff_by_name("Tess")
    sensitivity, interventions = course.quiz("sensitivity"), course.quiz("interventions")
    due = report.today("Pacific/Pago_Pago")
    people = {}
    for name, zone in ZONES.items():
        r = trainer.post("trainer/", data={"csrf": trainer.csrf, "name": name, "time_zone": zone})
        assert r.status_code == 303
        cohort = next(c for c in live.store.cohorts() if c.name == name)
        for title, chapter, mark, when in (
            ("Strict", sensitivity.chapter, "85", due),
            ("Gentle", sensitivity.chapter, "75", due + timedelta(days=30)),
            ("Interventions", interventions.chapter, "70", None),
        ):
            data = {"csrf": trainer.csrf, "title": title, "chapters": chapter, "pass_mark": mark, "confirm": "yes"}
            if when:
                data["due"] = when.isoformat()
            assert trainer.post(f"trainer/cohorts/{cohort.id}", data=data).status_code == 303
        learners = {n: join(live, cohort.code, f"{n} ({name})") for n in ("Ann", "Bob", "Cy", "Di")}
        with live.client() as c:
            assert take_quiz(c, learners["Ann"], sensitivity, wrong_ids=two_wrong(sensitivity)) == 80
            take_quiz(c, learners["Bob"], sensitivity, finish=False)
            assert take_quiz(c, learners["Di"], sensitivity) == 100
            take_quiz(c, learners["Di"], interventions)
        people[name] = {"cohort": cohort, "learners": learners}
    yield {"trainer": trainer, "people": people, "assignments": {a.id: a for a in live.store.assignments()}}
    trainer.close()


def _flag(text: str) -> bool:
    return {"true": True, "false": False}[text]


def _from_html_cells(html: str, learner_attr: str = "data-learner") -> Facts:
    facts: Facts = {}
    for row in re.findall(rf'<tr {learner_attr}="([^"]+)">(.*?)</tr>', html, re.DOTALL):
        learner, cells = row
        for a, st, fi, pa, ov in re.findall(
            r'data-assignment="([^"]+)" data-started="(\w+)" data-finished="(\w+)" data-passed="(\w+)" '
            r'data-overdue="(\w+)"',
            cells,
        ):
            facts[(learner, a)] = (_flag(st), _flag(fi), _flag(pa), _flag(ov))
    return facts


def _from_csv(content: bytes) -> Facts:
    rows = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    return {
        (r["learner"], r["assignment"]): (
            _flag(r["started"]),
            _flag(r["finished"]),
            _flag(r["passed"]),
            _flag(r["overdue"]),
        )
        for r in rows
    }


def _paths(live, world) -> dict[str, Facts]:
    trainer, people = world["trainer"], world["people"]
    lead = signed_in(live, "Lee", "lead")
    paths: dict[str, Facts] = {"trainer's cohort pages": {}, "trainer's learner pages": {}, "api/v1/me": {}}
    paths["trainer's CSV"] = {}
    for group in people.values():
        cohort = group["cohort"]
        paths["trainer's cohort pages"].update(_from_html_cells(trainer.get(f"trainer/cohorts/{cohort.id}").text))
        paths["trainer's CSV"].update(
            _from_csv(trainer.get(f"trainer/cohorts/{cohort.id}/export/progress.csv").content)
        )
        for who in group["learners"].values():
            page = trainer.get(f"trainer/cohorts/{cohort.id}/learners/{who['learner_id']}").text
            for a, st, fi, pa, ov in re.findall(
                r'<li data-assignment="([^"]+)" data-started="(\w+)" data-finished="(\w+)" data-passed="(\w+)" '
                r'data-overdue="(\w+)"',
                page,
            ):
                paths["trainer's learner pages"][(who["learner_id"], a)] = (_flag(st), _flag(fi), _flag(pa), _flag(ov))
            with live.client() as c:
                me = c.get("api/v1/me", headers={"Authorization": f"Bearer {who['token']}"}).json()
            for a in me["assignments"]:
                p = a["progress"]
                paths["api/v1/me"][(who["learner_id"], a["registration"])] = (
                    p["started"],
                    p["finished"],
                    p["passed_all"],
                    a["overdue"],
                )
    paths["lead's CSV"] = _from_csv(lead.get("lead/export/progress.csv").content)
    lead.close()
    return paths


def test_every_path_gives_the_same_progress(live, world):
    paths = _paths(live, world)
    reference = paths["api/v1/me"]
    assert len(reference) == 2 * 4 * 3  # two cohorts, four learners, three assignments
    for name, facts in paths.items():
        assert facts == reference, f"{name} differs from the learners' API"
    by_title = {a.id: a.title for a in world["assignments"].values()}

    def of(cohort: str, learner: str, title: str):
        who = world["people"][cohort]["learners"][learner]["learner_id"]
        return next(v for (lid, a), v in reference.items() if lid == who and by_title[a] == title)

    # Ann's 80%: passed at 75%, not at 85%; the same day has ended in Kiritimati and not in Pago Pago.
    assert of("Kiritimati", "Ann", "Strict") == (True, True, False, True)
    assert of("Pago Pago", "Ann", "Strict") == (True, True, False, False)
    assert of("Kiritimati", "Ann", "Gentle") == (True, True, True, False)
    assert of("Kiritimati", "Bob", "Strict") == (True, False, False, True)  # started, not finished
    assert of("Kiritimati", "Cy", "Strict") == (False, False, False, True)  # not started
    assert of("Kiritimati", "Di", "Strict") == (True, True, True, False)
    assert of("Pago Pago", "Cy", "Interventions") == (False, False, False, False)  # no due date: never overdue


def test_the_leads_report_page_counts_the_same_learners(live, world):
    """The rates on the lead's page are the lead's progress rows, counted: the same as the trainers' figures."""
    lead = signed_in(live, "Lee", "lead")
    rows = _from_csv(lead.get("lead/export/progress.csv").content)
    page = lead.get("lead/").text
    for group in world["people"].values():
        cohort = group["cohort"]
        learners = {w["learner_id"] for w in group["learners"].values()}
        sensitivity = [
            (k, v) for k, v in rows.items() if k[0] in learners and world["assignments"][k[1]].title != "Interventions"
        ]
        per_learner: dict[str, list] = {}
        for (learner, _), flags in sensitivity:
            per_learner.setdefault(learner, []).append(flags)
        expected = (
            len(per_learner),
            sum(any(f[0] for f in v) for v in per_learner.values()),
            sum(all(f[1] for f in v) for v in per_learner.values()),
            sum(all(f[2] for f in v) for v in per_learner.values()),
            sum(any(f[3] for f in v) for v in per_learner.values()),
        )
        row = re.search(
            rf'<tr data-cohort="{cohort.id}" data-module="chapters/02-sensitivity">(.*?)</tr>', page, re.DOTALL
        ).group(1)
        numbers = tuple(int(n) for n in re.findall(r'<td class="num">(\d+)</td>', row))
        assert numbers == expected, cohort.name
        # Filtered to that cohort, the page shows only its rows.
        filtered = lead.get(f"lead/?cohort={cohort.id}").text
        assert f'data-cohort="{cohort.id}"' in filtered
        other = next(g["cohort"] for g in world["people"].values() if g["cohort"].id != cohort.id)
        assert f'data-cohort="{other.id}"' not in filtered
    lead.close()


@pytest.mark.kernel
def test_the_notebook_gives_the_same_progress(live, world, tmp_path):
    """reports/dashboard.ipynb, run in a real kernel on the same database, writes the same progress rows."""
    lead = signed_in(live, "Lee", "lead")
    served = _from_csv(lead.get("lead/export/progress.csv").content)
    lead.close()
    nb = nbformat.read(NOTEBOOK, as_version=4)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QUIZLIB_DATABASE", live.store.url)
        mp.setenv("QUIZLIB_EXPORT", str(tmp_path / "csv"))
        NotebookClient(
            nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
        ).execute()
    written = (tmp_path / "csv" / "progress.csv").read_bytes()
    assert _from_csv(written) == served and len(served) == 24
    overdue = _from_csv((tmp_path / "csv" / "overdue.csv").read_bytes())
    assert set(overdue) == {k for k, v in served.items() if v[3]}
