"""The course server: the built book, the learners' results API, and trainers' and course leads' pages.

``create_app`` builds the Starlette application; ``run.serve`` is what ``quizlib serve`` calls.
"""

from quizlib.server.app import create_app

__all__ = ["create_app"]
