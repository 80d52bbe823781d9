"""Narrow result tables for reports: one row per finished attempt, one per question of it; filled from the
*completed* statements already stored, so an existing database upgrades in place.

Reports used to decode every completed statement's ``detail`` JSON, twice; they now read these rows
(``quizlib.results``), which the store writes in the same transaction as each completed statement.

Revision ID: 0003
Revises: 0002
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BATCH = 2000  # completed statements read at a time while filling the tables


def upgrade() -> None:
    # Each table is keyed in the order reports read it: a quiz, a learner, attempts as they finished (then
    # questions in order). SQLite stores a WITHOUT ROWID table in key order, so a quiz's item analysis is one
    # sequential pass with no sort; PostgreSQL reads the key's index.
    op.create_table(
        "attempt_results",
        sa.Column("quiz_id", sa.String(100), nullable=False),
        sa.Column("learner_id", sa.String(36), sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "statement_id",
            sa.String(36),
            sa.ForeignKey("statements.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("attempt_id", sa.String(36), nullable=False),
        sa.Column("percentage", sa.Float, nullable=True),
        sa.Column("quiz_passed", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("quiz_id", "learner_id", "completed_at", "statement_id"),
        sqlite_with_rowid=False,
    )
    # Deleting a learner (and the foreign key's check when one is deleted) finds their attempts by this.
    op.create_index("ix_attempt_results_learner", "attempt_results", ["learner_id"])
    key = ["quiz_id", "learner_id", "completed_at", "statement_id"]
    op.create_table(
        "question_results",
        sa.Column("quiz_id", sa.String(100), nullable=False),
        sa.Column("learner_id", sa.String(36), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("statement_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("question_id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("credit", sa.Float, nullable=False),
        sa.Column("max_points", sa.Float, nullable=False),
        sa.Column("first_response", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint(*key, "position"),
        # The attempt's key leads this table's key, so the cascade finds its questions without another index.
        sa.ForeignKeyConstraint(key, [f"attempt_results.{c}" for c in key], ondelete="CASCADE"),
        sqlite_with_rowid=False,
    )
    _fill()


def _fill() -> None:
    """Rows for every completed statement stored so far, read in batches by id (memory stays flat).

    The mapping is the one ``quizlib.results.result_rows`` applies to new statements, written out here so this
    migration keeps meaning what it meant when later code changes.
    """
    conn = op.get_bind()
    statements = sa.table(
        "statements",
        sa.column("id", sa.String),
        sa.column("learner_id", sa.String),
        sa.column("verb", sa.String),
        sa.column("quiz_id", sa.String),
        sa.column("attempt_id", sa.String),
        sa.column("timestamp"),  # untyped: copied exactly as stored, whatever the backend made of it
        sa.column("percentage", sa.Float),
        sa.column("passed", sa.Boolean),
        sa.column("detail", sa.JSON),
    )
    attempts_table = sa.table(
        "attempt_results",
        sa.column("quiz_id"),
        sa.column("learner_id"),
        sa.column("completed_at"),
        sa.column("statement_id"),
        sa.column("attempt_id"),
        sa.column("percentage"),
        sa.column("quiz_passed", sa.Boolean),
    )
    questions_table = sa.table(
        "question_results",
        sa.column("quiz_id"),
        sa.column("learner_id"),
        sa.column("completed_at"),
        sa.column("statement_id"),
        sa.column("position"),
        sa.column("question_id"),
        sa.column("kind"),
        sa.column("credit"),
        sa.column("max_points"),
        sa.column("first_response"),
    )
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
    last = ""
    while True:
        rows = conn.execute(
            sa.select(statements)
            .where(statements.c.verb == "completed", statements.c.id > last)
            .order_by(statements.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        attempts, questions = [], []
        for row in rows:
            detail = row.detail or {}
            key = {
                "quiz_id": row.quiz_id,
                "learner_id": row.learner_id,
                "completed_at": row.timestamp,
                "statement_id": row.id,
            }
            attempts.append(
                {
                    **key,
                    "attempt_id": row.attempt_id,
                    "percentage": row.percentage,
                    "quiz_passed": bool(detail.get("quiz_passed", row.passed)),
                }
            )
            for position, q in enumerate(detail.get("questions", ())):
                response = q.get("first_response")
                questions.append(
                    {
                        **key,
                        "position": position,
                        "question_id": q["question_id"],
                        "kind": q["kind"],
                        "credit": q["credit"],
                        "max_points": q["max_points"],
                        "first_response": None if response is None else encoder.encode(response),
                    }
                )
        conn.execute(attempts_table.insert(), attempts)
        if questions:
            conn.execute(questions_table.insert(), questions)
        last = rows[-1].id


def downgrade() -> None:
    op.drop_table("question_results")
    op.drop_table("attempt_results")
