"""job.lease_holder: the process that holds a job's lease (queue/holder.py)

Revision ID: 0004_lease_holder
Revises: 0003_operations
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_lease_holder"
down_revision = "0003_operations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Lets a restarted embedded server take back at once the jobs its killed predecessor held,
    # instead of waiting for their leases to run out.
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("lease_holder", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.drop_column("lease_holder")
