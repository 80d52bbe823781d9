"""Alembic's environment for quizlib: always run programmatically, on a connection quizlib gives it.

``quizlib.store.upgrade`` holds the migration lock (PostgreSQL advisory lock, or a file lock for SQLite) on
that connection, so two processes starting at once cannot both migrate.
"""

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run quizlib's migrations with `quizlib db upgrade` (quizlib.store.upgrade), not the alembic CLI"
    )

context.configure(connection=connection, target_metadata=None, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
