"""Request nonces claimed inside write batches: probed once a batch, inserted with it.

A nonce only has to be remembered while its timestamp is fresh; after that the timestamp
check refuses the request anyway, so expired rows are pruned now and then.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, bindparam, delete, select

from .bulk import BulkInsert
from .tables import nonces
from .uow import BatchCache, UnitOfWork

PRUNE_EVERY_S = 10.0
# Built once (building a statement costs more than running it).
_KNOWN = select(nonces.c.key_id, nonces.c.nonce).where(
    nonces.c.key_id.in_(bindparam("key_ids", expanding=True)),
    nonces.c.nonce.in_(bindparam("nonces", expanding=True)))
_BULK = BulkInsert(nonces)
_PRUNE = delete(nonces).where(nonces.c.expires_at < bindparam("now"))


def known(conn: Connection, pairs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    wanted = set(pairs)
    if not wanted:
        return set()
    rows = conn.execute(_KNOWN, {"key_ids": sorted({k for k, _ in wanted}),
                                 "nonces": sorted({n for _, n in wanted})})
    return {(r.key_id, r.nonce) for r in rows} & wanted


def flush(conn: Connection, uow: UnitOfWork, cache: BatchCache) -> None:
    if uow.new_nonces:
        _BULK.execute(conn, uow.new_nonces)
        uow.new_nonces = []
    last = cache.nonces_pruned_at
    if last is None or (uow.now - last).total_seconds() > PRUNE_EVERY_S:
        conn.execute(_PRUNE, {"now": uow.now})
        cache.nonces_pruned_at = uow.now
