"""workflow (a collection's versioned steps), media_step (each media's steps), media.workflow_version,
webhook.name (what a notify step calls it)

Revision ID: 0013_workflows
Revises: 0012_personalization
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_workflows"
down_revision = "0012_personalization"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workflow",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("collection", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "collection", "version"),
    )
    op.create_table(
        "media_step",
        sa.Column("media_id", sa.String(length=26), nullable=False),
        sa.Column("step_key", sa.String(length=120), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("config_hash", sa.String(length=16), nullable=False),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("workflow_version", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=26), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("media_id", "step_key"),
    )
    op.create_index("ix_media_step_tenant_id", "media_step", ["tenant_id"])
    op.create_index("ix_media_step_job_id", "media_step", ["job_id"])
    with op.batch_alter_table("media") as batch:
        batch.add_column(sa.Column("workflow_version", sa.Integer(), nullable=True))
    with op.batch_alter_table("webhook") as batch:
        batch.add_column(sa.Column("name", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhook") as batch:
        batch.drop_column("name")
    with op.batch_alter_table("media") as batch:
        batch.drop_column("workflow_version")
    op.drop_index("ix_media_step_job_id", table_name="media_step")
    op.drop_index("ix_media_step_tenant_id", table_name="media_step")
    op.drop_table("media_step")
    op.drop_table("workflow")
