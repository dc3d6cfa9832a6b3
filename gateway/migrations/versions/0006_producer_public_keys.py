"""producers sign with Ed25519: keep their public keys, drop their secrets

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29

Until 0005 the gateway verified producers' HMAC signatures and so kept each producer's
secret in `principals.secret`: anyone who read the database or a backup could sign as any
bot. From here a producer's Ed25519 key is derived from its credential (gateway/signing.py)
and only the public key is stored. Existing credentials keep working: each public key is
derived here from the stored secret, and the secret column is dropped.

The downgrade cannot bring secrets back: producers need `gateway producers rotate-key` after
one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway import signing

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('principals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_key', sa.String(length=64), nullable=True))
    principals = sa.table('principals', sa.column('name', sa.String),
                          sa.column('secret', sa.String), sa.column('public_key', sa.String))
    conn = op.get_bind()
    rows = conn.execute(sa.select(principals.c.name, principals.c.secret)
                        .where(principals.c.secret.is_not(None))).all()
    for name, secret in rows:
        conn.execute(principals.update().where(principals.c.name == name)
                     .values(public_key=signing.public_key(secret).hex()))
    with op.batch_alter_table('principals', schema=None) as batch_op:
        batch_op.drop_column('secret')


def downgrade() -> None:
    with op.batch_alter_table('principals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secret', sa.String(length=128), nullable=True))
        batch_op.drop_column('public_key')
