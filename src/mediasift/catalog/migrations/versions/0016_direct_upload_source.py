"""direct_upload.source and .replaced: a direct upload names what its media follows, as POST /v1/media does

Revision ID: 0016_direct_upload_source
Revises: 0015_sentence_vectors
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_direct_upload_source"
down_revision = "0015_sentence_vectors"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("direct_upload") as batch:
        batch.add_column(sa.Column("source", sa.Text(), nullable=True))
        batch.add_column(sa.Column("replaced", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("direct_upload") as batch:
        batch.drop_column("replaced")
        batch.drop_column("source")
