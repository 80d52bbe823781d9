"""What trainers need to run a real cohort: time zones, assignment history, notes, merged learners, reminders.

- ``cohorts.time_zone``: an IANA name; a due date ends at midnight there (existing cohorts: UTC, as reports
  judged them before).
- ``assignments.deleted_at``: a deleted assignment is kept (its id is the registration of statements that
  browsers may still send), hidden from pages, the learners' API and reports.
- ``assignment_changes``: who created, changed or deleted an assignment, when, and what it was before and after.
- ``learners.note``: a trainer's note about a learner; ``learners.merged_into``: a duplicate learner merged into
  another (their browser's token goes on working, and whatever it sends is stored for the other).
- ``reminders``: reminders a trainer sent (by e-mail) or copied for a learner.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs (SQLite has them): a batch copy of a table would trip the foreign keys that point to it.
    op.add_column("cohorts", sa.Column("time_zone", sa.String(64), nullable=False, server_default="UTC"))
    op.add_column("assignments", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("learners", sa.Column("note", sa.Text, nullable=True))
    op.add_column("learners", sa.Column("merged_into", sa.String(36), nullable=True))
    op.create_table(
        "assignment_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "assignment_id",
            sa.String(36),
            sa.ForeignKey("assignments.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("staff_id", sa.String(36), nullable=True),  # who (None: a command, not a person)
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),  # created, changed, deleted
        sa.Column("before", sa.JSON, nullable=True),
        sa.Column("after", sa.JSON, nullable=True),
    )
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "learner_id", sa.String(36), sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("assignment_id", sa.String(36), nullable=True),
        sa.Column("staff_id", sa.String(36), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),  # email, copied
    )


def downgrade() -> None:
    op.drop_table("reminders")
    op.drop_table("assignment_changes")
    with op.batch_alter_table("learners") as batch:
        batch.drop_column("merged_into")
        batch.drop_column("note")
    with op.batch_alter_table("assignments") as batch:
        batch.drop_column("deleted_at")
    with op.batch_alter_table("cohorts") as batch:
        batch.drop_column("time_zone")
