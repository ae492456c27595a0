"""media (tenant_id, source_uri) index: a bucket event finds the media of its object by key

Revision ID: 0014_products
Revises: 0013_workflows
"""

from alembic import op

revision = "0014_products"
down_revision = "0013_workflows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_media_tenant_source", "media", ["tenant_id", "source_uri"])


def downgrade() -> None:
    op.drop_index("ix_media_tenant_source", table_name="media")
