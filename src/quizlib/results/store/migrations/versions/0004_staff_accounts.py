"""Staff accounts a course lead can deactivate, and failed attempts counted in the database for throttles.

``staff.active``: a deactivated account cannot sign in (every existing account stays active). The table
``throttle_failures`` counts failed sign-ins per name and joins with unknown codes per client address, so
that every server process sharing the database refuses the same guesser.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (SQLite has it): a batch copy of the table would trip the cohorts' foreign key.
    op.add_column("staff", sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()))
    op.create_table(
        "throttle_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("scope", sa.String(16), nullable=False),  # what is throttled: "signin", "join"
        sa.Column("key", sa.String(64), nullable=False),  # SHA-256 of the name or address, never the thing itself
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    # Counting one key's recent failures, and dropping old ones, each read one range of an index.
    op.create_index("ix_throttle_failures_key", "throttle_failures", ["scope", "key", "at"])
    op.create_index("ix_throttle_failures_at", "throttle_failures", ["at"])


def downgrade() -> None:
    op.drop_table("throttle_failures")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("active")
