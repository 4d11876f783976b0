"""成效评估: whether a task's indicator moved as required, recorded at closing and after loads.

Revision ID: 0003_task_assessments
Revises: 0002_tasks
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_task_assessments"
down_revision = "0002_tasks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "task_assessments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.id"), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("as_of", sa.Date),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("occasion", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text),
    )
    op.create_index("ix_task_assessments_task_id", "task_assessments", ["task_id"])


def downgrade() -> None:
    op.drop_table("task_assessments")
