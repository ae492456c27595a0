"""chat.user_id: a chat is its user's (read, continued, listed and deleted by them alone)

Revision ID: 0017_chat_user
Revises: 0016_direct_upload_source
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_chat_user"
down_revision = "0016_direct_upload_source"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chat") as batch:
        batch.add_column(sa.Column("user_id", sa.String(64), nullable=True))
        batch.create_index("ix_chat_tenant_user", ["tenant_id", "user_id"])


def downgrade() -> None:
    with op.batch_alter_table("chat") as batch:
        batch.drop_index("ix_chat_tenant_user")
        batch.drop_column("user_id")
