"""Certificates of completion, issued by the server and confirmed at ``/verify/<code>``.

One row per certificate: its random code, the learner, what it certifies (the whole course, or an assignment)
and what it says (the name, the titles, the date, the score and each quiz's best score), so that a printed
certificate can be checked against what the server issued and cannot be made up.

Resume codes: a short code, kept as a hash, valid for a while and once, with which a learner carries on on
another device (which gets its own token, for the same learner). One per learner at most.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certificates",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("learner_id", sa.String(36), sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False),
        sa.Column("scope", sa.String(36), nullable=False),  # "course", or the assignment's id
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("course_title", sa.String(300), nullable=False),
        sa.Column("learner_name", sa.String(100), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("percentage", sa.Float, nullable=False),
        sa.Column("quizzes", sa.JSON, nullable=False),
        # One per learner and scope, also when two requests ask at once; the same index finds a learner's.
        sa.UniqueConstraint("learner_id", "scope", name="uq_certificates_learner_scope"),
    )
    op.create_table(
        "resume_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("learner_id", sa.String(36), sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("learner_id", name="uq_resume_codes_learner_id"),
    )


def downgrade() -> None:
    op.drop_table("resume_codes")
    op.drop_table("certificates")
