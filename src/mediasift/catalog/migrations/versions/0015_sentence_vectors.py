"""segment.sentence_vectors: each sentence of a prose segment embedded alone (float16, n × dim)

Revision ID: 0015_sentence_vectors
Revises: 0014_products
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_sentence_vectors"
down_revision = "0014_products"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("segment") as batch:
        batch.add_column(sa.Column("sentence_vectors", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("segment") as batch:
        batch.drop_column("sentence_vectors")
