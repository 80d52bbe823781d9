"""Forwarding statements to an external LRS: an outbox of statements not yet forwarded, and its state.

``lrs_outbox`` gets one row per stored statement, written with the statement (every statement stored before
this version is queued here too, so turning forwarding on sends the whole history); ``lrs_forwarding`` holds
one row, the state the course lead sees and the backoff every server process keeps to.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lrs_outbox",
        sa.Column(
            "statement_id",
            sa.String(36),
            sa.ForeignKey("statements.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("claimed_by", sa.String(36), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refused_status", sa.Integer, nullable=True),
        sa.Column("refused_reason", sa.Text, nullable=True),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True),
    )
    # A forwarder reads the oldest pending rows: one range of this index.
    op.create_index("ix_lrs_outbox_state_queued", "lrs_outbox", ["state", "queued_at", "statement_id"])
    op.execute(
        "INSERT INTO lrs_outbox (statement_id, queued_at, state, attempts) "
        "SELECT id, stored, 'pending', 0 FROM statements"
    )
    op.create_table(
        "lrs_forwarding",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("endpoint", sa.String(2000), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("forwarded", sa.BigInteger, nullable=False),
    )
    op.execute("INSERT INTO lrs_forwarding (id, failures, forwarded) VALUES ('lrs', 0, 0)")


def downgrade() -> None:
    op.drop_table("lrs_forwarding")
    op.drop_index("ix_lrs_outbox_state_queued", table_name="lrs_outbox")
    op.drop_table("lrs_outbox")
