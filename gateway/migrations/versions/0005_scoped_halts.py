"""scoped halts, the rule behind an automatic halt, and when a producer was quarantined

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

`halts` holds halts of one symbol or one producer beside the global halt (which stays in
gateway_state). `gateway_state.halt_rule` names the automatic rule that halted trading.
`principals.quarantined_at` lets every process count a burst of quarantines.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('halts',
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('target', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=96), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('scope', 'target')
    )
    with op.batch_alter_table('gateway_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('halt_rule', sa.String(length=64), nullable=True))
    with op.batch_alter_table('principals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quarantined_at', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('principals', schema=None) as batch_op:
        batch_op.drop_column('quarantined_at')
    with op.batch_alter_table('gateway_state', schema=None) as batch_op:
        batch_op.drop_column('halt_rule')
    op.drop_table('halts')
