"""media_enrichment (what a media is about) and taxonomy (a tenant's labels)

Revision ID: 0005_enrichment
Revises: 0004_lease_holder
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_enrichment"
down_revision = "0004_lease_holder"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_enrichment",
        sa.Column("media_id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("entities", sa.JSON(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("segment_labels", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("models", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("media_id"),
    )
    op.create_index("ix_media_enrichment_tenant_id", "media_enrichment", ["tenant_id"])
    op.create_table(
        "taxonomy",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "name"),
    )


def downgrade() -> None:
    op.drop_table("taxonomy")
    op.drop_index("ix_media_enrichment_tenant_id", table_name="media_enrichment")
    op.drop_table("media_enrichment")
