"""Alembic migrations of the results store (package data; run by :func:`quizlib.store.upgrade`)."""
