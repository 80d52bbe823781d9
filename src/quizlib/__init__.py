"""quizlib: quizzes defined once in YAML, scored by one rule set, shown in live Jupyter and in a static book.

The package in layers (each imports only from the layers below it; ``tests/test_architecture.py`` holds it):

- ``quizlib.quiz``: authoring and scoring. The quiz model, the strict loader, the JSON Schema, the scorer
  and its per-kind rules, seeded draws, reading level. No I/O beyond reading quiz files.
- ``quizlib.course``: the course folder (table of contents, chapter titles, study times, its quizzes).
- ``quizlib.fronts``: how a quiz reaches a learner: in a notebook (``show``), as ipywidgets, as a
  self-contained HTML block, and the Sphinx extension that puts it in the published book.
- ``quizlib.results``: what happens to an answer: xAPI statements, ingesting and re-scoring them, the
  results store, reports, charts, the analyst's dashboard, demo data, the notebook recorder.
- ``quizlib.server``: the course server (learners' API, trainers' and course leads' pages).
- ``quizlib.cli``: the ``quizlib`` command.
"""

from quizlib.fronts.notebook import certificate, course_progress, objectives, progress, show, study_plan
from quizlib.quiz.load import QuizFileError, load_course

__all__ = [
    "QuizFileError",
    "certificate",
    "course_progress",
    "load_course",
    "objectives",
    "progress",
    "show",
    "study_plan",
]
__version__ = "0.2.0"
