"""media_nutrition (a media's nutrition results and corrections) and food_name_vector (the food
table's name embeddings, computed once per model)

Revision ID: 0009_nutrition
Revises: 0006_food
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_nutrition"
down_revision = "0007_conversions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_nutrition",
        sa.Column("media_id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("corrections", sa.JSON(), nullable=False),
        sa.Column("model_versions", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("analysed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("media_id"),
    )
    op.create_index("ix_media_nutrition_tenant_id", "media_nutrition", ["tenant_id"])
    op.create_table(
        "food_name_vector",
        sa.Column("model_id", sa.String(length=200), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("model_id", "text_sha256"),
    )


def downgrade() -> None:
    op.drop_table("food_name_vector")
    op.drop_index("ix_media_nutrition_tenant_id", table_name="media_nutrition")
    op.drop_table("media_nutrition")
