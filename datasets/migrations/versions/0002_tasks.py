"""督办事项 (supervision tasks) and their events.

Revision ID: 0002_tasks
Revises: 0001_accounts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_tasks"
down_revision = "0001_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("indicator", sa.String(64)),
        sa.Column("region_code", sa.String(6)),
        sa.Column("unit", sa.String(64)),
        sa.Column("requirement", sa.Text, nullable=False, server_default=""),
        sa.Column("priority", sa.String(8), nullable=False, server_default="medium"),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("source", sa.String(16), nullable=False, server_default="manual"),
        sa.Column("source_ref", sa.String(200)),
        sa.Column("evidence", sa.Text),
    )
    op.create_index("ix_tasks_region_code", "tasks", ["region_code"])
    op.create_index("ix_tasks_unit", "tasks", ["unit"])
    op.create_index("ix_tasks_state", "tasks", ["state"])
    op.create_table(
        "task_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.id"), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_state", sa.String(32)),
        sa.Column("to_state", sa.String(32), nullable=False),
        sa.Column("comment", sa.Text),
    )
    op.create_index("ix_task_events_task_id", "task_events", ["task_id"])


def downgrade() -> None:
    op.drop_table("task_events")
    op.drop_table("tasks")
