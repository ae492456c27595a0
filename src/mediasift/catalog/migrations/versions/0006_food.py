"""food (the nutrition table, shared reference data)

Revision ID: 0006_food
Revises: 0005_enrichment
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_food"
down_revision = "0005_enrichment"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "food",
        sa.Column("food_id", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_es", sa.String(length=300), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("nutrients", sa.JSON(), nullable=False),
        sa.Column("source_table", sa.String(length=200), nullable=False),
        sa.Column("source_row", sa.String(length=200), nullable=False),
        sa.Column("provenance", sa.Text(), nullable=True),
        sa.Column("table_version", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("food_id"),
    )


def downgrade() -> None:
    op.drop_table("food")
