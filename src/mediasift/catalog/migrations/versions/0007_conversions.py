"""conversion: media written in other formats (services/conversions.py)

Revision ID: 0007_conversions
Revises: 0005_enrichment
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_conversions"
down_revision = "0006_food"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversion",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("media_id", sa.String(length=26), nullable=False),
        sa.Column("job_id", sa.String(length=26), nullable=False),
        sa.Column("target", sa.String(length=32), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("cache_key", sa.String(length=64), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("key", sa.Text(), nullable=True),
        sa.Column("bytes", sa.BigInteger(), nullable=True),
        sa.Column("info", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "cache_key", name="uq_conversion_tenant_cache_key"),
    )
    op.create_index("ix_conversion_tenant_id", "conversion", ["tenant_id"])
    op.create_index("ix_conversion_media_id", "conversion", ["media_id"])
    op.create_index("ix_conversion_job_id", "conversion", ["job_id"])


def downgrade() -> None:
    op.drop_index("ix_conversion_job_id", table_name="conversion")
    op.drop_index("ix_conversion_media_id", table_name="conversion")
    op.drop_index("ix_conversion_tenant_id", table_name="conversion")
    op.drop_table("conversion")
