"""personalization: api_key.user_id, feedback, user_profile, media_vector, search_history,
saved_search and saved_search_alert

Revision ID: 0012_personalization
Revises: 0011_direct_uploads
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_personalization"
down_revision = "0011_direct_uploads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_key") as batch:
        batch.add_column(sa.Column("user_id", sa.String(length=64), nullable=True))
    op.create_table(
        "feedback",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("media_id", sa.String(length=26), nullable=False),
        sa.Column("segment_id", sa.String(length=36), nullable=True),
        sa.Column("signal", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_feedback_media_id", "feedback", ["media_id"])
    op.create_index("ix_feedback_tenant_user", "feedback", ["tenant_id", "user_id", "created_at"])
    op.create_table(
        "user_profile",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("model_id", sa.String(length=200), nullable=True),
        sa.Column("vector", sa.LargeBinary(), nullable=True),
        sa.Column("collections", sa.JSON(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("updated_at_s", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "user_id"),
    )
    op.create_table(
        "media_vector",
        sa.Column("media_id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("model_id", sa.String(length=200), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=True),
        sa.Column("media_updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("media_id"),
    )
    op.create_index("ix_media_vector_tenant_id", "media_vector", ["tenant_id"])
    op.create_table(
        "search_history",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_search_history_tenant_user", "search_history", ["tenant_id", "user_id", "created_at"])
    op.create_table(
        "saved_search",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_saved_search_tenant_user", "saved_search", ["tenant_id", "user_id"])
    op.create_table(
        "saved_search_alert",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("saved_search_id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("media_id", sa.String(length=26), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["saved_search_id"], ["saved_search.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("saved_search_id", "media_id", name="uq_saved_search_alert_media"),
    )
    op.create_index("ix_saved_search_alert_saved_search_id", "saved_search_alert", ["saved_search_id"])
    op.create_index("ix_saved_search_alert_media_id", "saved_search_alert", ["media_id"])


def downgrade() -> None:
    op.drop_index("ix_saved_search_alert_media_id", table_name="saved_search_alert")
    op.drop_index("ix_saved_search_alert_saved_search_id", table_name="saved_search_alert")
    op.drop_table("saved_search_alert")
    op.drop_index("ix_saved_search_tenant_user", table_name="saved_search")
    op.drop_table("saved_search")
    op.drop_index("ix_search_history_tenant_user", table_name="search_history")
    op.drop_table("search_history")
    op.drop_index("ix_media_vector_tenant_id", table_name="media_vector")
    op.drop_table("media_vector")
    op.drop_table("user_profile")
    op.drop_index("ix_feedback_tenant_user", table_name="feedback")
    op.drop_index("ix_feedback_media_id", table_name="feedback")
    op.drop_table("feedback")
    with op.batch_alter_table("api_key") as batch:
        batch.drop_column("user_id")
