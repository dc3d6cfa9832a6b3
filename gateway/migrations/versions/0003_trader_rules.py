"""trader's rules: venues and jurisdictions, scope versions, credential expiry, stop guards

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

Orders record the venue they go to, the producer's scope version they were admitted under
and their origin (protective exits raised by the gateway); principals carry a jurisdiction,
a credential expiry and a scope version; stop_guards holds the symbols the stop watch has
switched to reduce-only until an operator clears them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('venue', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('scope_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('origin', sa.String(length=16), nullable=True))
    with op.batch_alter_table('principals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('jurisdiction', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('key_issued_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('scope_version', sa.Integer(), nullable=False,
                                      server_default='1'))
    op.create_table('stop_guards',
    sa.Column('symbol', sa.String(length=32), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=96), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('figures', sa.Text(), nullable=False),
    sa.Column('last_exit_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('symbol')
    )


def downgrade() -> None:
    op.drop_table('stop_guards')
    with op.batch_alter_table('principals', schema=None) as batch_op:
        batch_op.drop_column('scope_version')
        batch_op.drop_column('key_issued_at')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('jurisdiction')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('origin')
        batch_op.drop_column('scope_version')
        batch_op.drop_column('venue')
