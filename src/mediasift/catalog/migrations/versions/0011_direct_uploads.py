"""direct_upload: uploads that go straight to storage (services/direct_uploads.py)

Revision ID: 0011_direct_uploads
Revises: 0010_quality
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_direct_uploads"
down_revision = "0010_quality"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "direct_upload",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("collection", sa.String(length=200), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("bucket", sa.String(length=255), nullable=True),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("multipart_id", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("media_id", sa.String(length=26), nullable=True),
        sa.Column("job_id", sa.String(length=26), nullable=True),
        sa.Column("duplicate", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_direct_upload_tenant_id", "direct_upload", ["tenant_id"])


def downgrade() -> None:
    op.drop_index("ix_direct_upload_tenant_id", table_name="direct_upload")
    op.drop_table("direct_upload")
