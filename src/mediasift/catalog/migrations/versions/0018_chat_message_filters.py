"""chat_message.filters: the narrowing a turn gave, as written (a chat's history shows where it asked)

Revision ID: 0018_chat_message_filters
Revises: 0017_chat_user
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_chat_message_filters"
down_revision = "0017_chat_user"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chat_message") as batch:
        batch.add_column(sa.Column("filters", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chat_message") as batch:
        batch.drop_column("filters")
