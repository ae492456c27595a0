"""media.quality (the quality assessment: overall score, reasons, measures)

Revision ID: 0010_quality
Revises: 0006_food
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_quality"
down_revision = "0009_nutrition"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("media") as batch:
        batch.add_column(sa.Column("quality", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("media") as batch:
        batch.drop_column("quality")
