"""How a quiz reaches a learner, each front built from the one definition in ``quizzes/``: ``notebook``
(what a chapter calls), ``widgets`` (live Jupyter, scored in Python), ``html`` with ``assets/`` (the published
pages, scored in the browser) and ``sphinx_ext`` (the published book)."""
