"""The first schema: staff, cohorts, assignments, learners, statements, and the session secret.

Revision ID: 0001
Revises:
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    settings = op.create_table(
        "quizlib_settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    # The key that signs staff sessions lives here, so every server process shares it.
    op.bulk_insert(settings, [{"key": "session_secret", "value": secrets.token_hex(32)}])
    op.create_table(
        "staff",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("must_change_password", sa.Boolean, nullable=False),
        sa.Column("session_generation", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "cohorts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("trainer_id", sa.String(36), sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "assignments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "cohort_id", sa.String(36), sa.ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("chapters", sa.JSON, nullable=False),
        sa.Column("quiz_ids", sa.JSON, nullable=False),
        sa.Column("include_final", sa.Boolean, nullable=False),
        sa.Column("pass_mark", sa.Float, nullable=False),
        sa.Column("due_date", sa.Date, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "learners",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "cohort_id", sa.String(36), sa.ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "statements",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "learner_id", sa.String(36), sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("verb", sa.String(16), nullable=False),
        sa.Column("quiz_id", sa.String(100), nullable=False, index=True),
        sa.Column("question_id", sa.String(200), nullable=True),
        sa.Column("attempt_id", sa.String(36), nullable=False),
        sa.Column("try_number", sa.Integer, nullable=True),
        sa.Column("registration", sa.String(36), nullable=True),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stored", sa.DateTime(timezone=True), nullable=False),
        sa.Column("credit", sa.Float, nullable=True),
        sa.Column("final", sa.Boolean, nullable=True),
        sa.Column("percentage", sa.Float, nullable=True),
        sa.Column("passed", sa.Boolean, nullable=True),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("received", sa.Text, nullable=False),
        sa.Column("statement", sa.JSON, nullable=False),
    )
    op.create_index("ix_statements_verb_quiz", "statements", ["verb", "quiz_id"])


def downgrade() -> None:
    for table in ("statements", "learners", "assignments", "cohorts", "staff", "quizlib_settings"):
        op.drop_table(table)
