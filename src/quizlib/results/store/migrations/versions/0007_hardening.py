"""Staff sessions kept on the server, so signing out ends one for good; and an index to count a learner's
recent statements (the per-learner rate limit).

``staff_sessions``: one row per signed-in browser, keyed by a SHA-256 of the random id its cookie carries.
Signing out deletes the row; changing or resetting a password or deactivating an account deletes them all.
Sessions signed before this revision have no row and end: staff sign in again once.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.String(64), primary_key=True),  # SHA-256 of the id in the cookie, never the id itself
        sa.Column("staff_id", sa.String(36), sa.ForeignKey("staff.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_staff_sessions_staff_id", "staff_sessions", ["staff_id"])
    op.create_index("ix_staff_sessions_expires_at", "staff_sessions", ["expires_at"])
    op.create_index("ix_statements_learner_stored", "statements", ["learner_id", "stored"])


def downgrade() -> None:
    op.drop_index("ix_statements_learner_stored", table_name="statements")
    op.drop_table("staff_sessions")
