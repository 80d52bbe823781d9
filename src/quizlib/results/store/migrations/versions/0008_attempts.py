"""Server-scored attempts and time spent.

``attempts``: one row per attempt at a summative quiz, made when the server starts it. The server draws its
seed (which questions, in which order) and keeps it here; an attempt counts against the quiz's limit from the
moment it starts, and its result is written when it is submitted, in the same transaction as its statements.

``attempt_results.duration`` and ``question_results.duration``: the time spent, in seconds, on a finished
attempt and on each of its questions (``result.duration`` of the statements; NULL where it was not recorded,
as for every attempt stored before this version).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attempts",
        sa.Column("id", sa.String(36), primary_key=True),  # the attempt id its statements carry
        sa.Column("learner_id", sa.String(36), sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False),
        sa.Column("quiz_id", sa.String(100), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),  # 1 for a learner's first attempt at the quiz
        sa.Column("seed", sa.BigInteger, nullable=False),  # 0 to 2**32 - 1: beyond PostgreSQL's integer
        sa.Column("registration", sa.String(36), nullable=True),  # the assignment it was started for
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),  # with a time limit
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("percentage", sa.Float, nullable=True),
        sa.Column("passed", sa.Boolean, nullable=True),
        sa.Column("result", sa.JSON, nullable=True),  # points, pass mark, the responses and time on each question
        # Two requests (or two server processes) starting an attempt at once cannot both take the same number,
        # so a limit of N attempts holds; the same index finds a learner's attempts at a quiz.
        sa.UniqueConstraint("learner_id", "quiz_id", "number", name="uq_attempts_learner_quiz_number"),
    )
    # Plain ADD COLUMN (SQLite has it, also for WITHOUT ROWID tables): a batch copy would trip the foreign keys.
    op.add_column("attempt_results", sa.Column("duration", sa.Float, nullable=True))
    op.add_column("question_results", sa.Column("duration", sa.Float, nullable=True))


def downgrade() -> None:
    op.drop_column("question_results", "duration")
    op.drop_column("attempt_results", "duration")
    op.drop_table("attempts")
