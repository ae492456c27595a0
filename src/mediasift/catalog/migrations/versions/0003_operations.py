"""operations: webhooks and deliveries; job trace context; when an original was deleted

Revision ID: 0003_operations
Revises: 0002_chats
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_operations"
down_revision = "0002_chats"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_webhook_tenant_id", "webhook", ["tenant_id"])
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("webhook_id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.Float(), nullable=False),
        sa.Column("lease_until", sa.Float(), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["webhook_id"], ["webhook.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_webhook_delivery_webhook_id", "webhook_delivery", ["webhook_id"])
    op.create_index("ix_webhook_delivery_tenant_id", "webhook_delivery", ["tenant_id"])
    op.create_index("ix_webhook_delivery_due", "webhook_delivery", ["status", "next_attempt_at"])
    # W3C traceparent of the request that queued a job (ops/tracing.py), and the retention marker
    # (services/retention.py): Job.traceparent and Media.original_deleted_at in the models.
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("traceparent", sa.String(length=64), nullable=True))
    with op.batch_alter_table("media") as batch:
        batch.add_column(sa.Column("original_deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("media") as batch:
        batch.drop_column("original_deleted_at")
    with op.batch_alter_table("job") as batch:
        batch.drop_column("traceparent")
    op.drop_table("webhook_delivery")
    op.drop_table("webhook")
