"""venue baselines: the venue's holdings when the gateway began tracking them

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('venue_baselines',
    sa.Column('venue', sa.String(length=64), nullable=False),
    sa.Column('amounts', sa.Text(), nullable=False),
    sa.Column('fills_after', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('venue')
    )


def downgrade() -> None:
    op.drop_table('venue_baselines')
