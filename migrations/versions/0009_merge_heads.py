"""Merge the bank API and bank monitoring branches of the schema.

Revision ID: 0009_merge
Revises: 0006_bank, 0008_bank_watch
"""

revision = "0009_merge"
down_revision = ("0006_bank", "0008_bank_watch")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
