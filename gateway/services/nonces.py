"""Seen request nonces, in the database so a replay is refused by every gateway process.

A nonce is claimed in a write batch: the batch probes all its nonces in one query and
inserts the new ones together (gateway/adapters/store/nonces_repo.py). A proposal claims its
request's nonce inside its own job, so signing costs the intake path no extra transaction.
"""

from __future__ import annotations

from datetime import datetime

from gateway.adapters.store.uow import UnitOfWork


class NonceClaim:
    """A writer job (buffered) recording one request nonce; True if it was fresh."""

    buffered = True

    def __init__(self, key_id: str, nonce: str, expires_at: datetime) -> None:
        self.key_id = key_id
        self.nonce = nonce
        self.expires_at = expires_at
        self.nonce_probe = (key_id, nonce)

    def __call__(self, uow: UnitOfWork) -> bool:
        return uow.claim_nonce(self.key_id, self.nonce, self.expires_at)
