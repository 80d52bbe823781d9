"""Item sums kept up to date, and a learner's statements counted within one index.

``item_sums``, ``item_responses``, ``item_times`` and ``item_time_seconds``: what item analysis needs over
learners' first finished attempts, per question (sums of marks in ten-thousandths of a point, response
counts, times spent), kept up to date in the transaction that stores each finished attempt
(:mod:`quizlib.results.store.items`), and filled here from the result tables (about ten seconds per million
answers).

``ix_statements_learner_stored_verb`` (learner, stored, verb) replaces the indexes on learner alone and on
(learner, stored): the server counts a learner's statements in all and their own in the last minute on
every request, and both counts now read this one index and no row.

``begun_attempts``: every attempt with at least one answer and the time of its first, kept as answers are
stored (progress reports read it instead of grouping every answered statement); filled here from them.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _question_key():
    return [
        sa.Column("quiz_id", sa.String(100), primary_key=True),
        sa.Column("question_id", sa.String(200), primary_key=True),
    ]


def upgrade() -> None:
    op.create_table(
        "item_sums",
        *_question_key(),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("max_points", sa.Float, nullable=False),
        *(
            sa.Column(name, sa.BigInteger, nullable=False)
            for name in ("n", "sum_x", "sum_xx", "sum_r", "sum_rr", "sum_xr", "timed")
        ),
    )
    op.create_table(
        "item_responses",
        *_question_key(),
        sa.Column("response_key", sa.String(64), primary_key=True),
        sa.Column("response", sa.Text, nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "item_times",
        *_question_key(),
        sa.Column("seconds", sa.Float, primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "item_time_seconds",
        *_question_key(),
        sa.Column("second", sa.Integer, primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_statements_learner_stored_verb", "statements", ["learner_id", "stored", "verb"])
    op.drop_index("ix_statements_learner_stored", table_name="statements")
    op.drop_index("ix_statements_learner_id", table_name="statements")

    op.create_table(
        "begun_attempts",
        sa.Column("learner_id", sa.String(36), sa.ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("quiz_id", sa.String(100), primary_key=True),
        sa.Column("attempt_id", sa.String(36), primary_key=True),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.execute(
        "INSERT INTO begun_attempts (learner_id, quiz_id, attempt_id, first_at) "
        "SELECT learner_id, quiz_id, attempt_id, min(timestamp) FROM statements WHERE verb = 'answered' "
        "GROUP BY learner_id, quiz_id, attempt_id"
    )

    from quizlib.results.store.items import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    op.create_index("ix_statements_learner_id", "statements", ["learner_id"])
    op.create_index("ix_statements_learner_stored", "statements", ["learner_id", "stored"])
    op.drop_index("ix_statements_learner_stored_verb", table_name="statements")
    op.drop_table("begun_attempts")
    for table in ("item_time_seconds", "item_times", "item_responses", "item_sums"):
        op.drop_table(table)
