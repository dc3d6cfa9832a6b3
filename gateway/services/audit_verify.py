"""Walk the audit chain and name its first broken link, and which kind of change broke it.

The walk is one pass over rows in seq order, hashing the stored body text as it was
written (never re-serialised JSON), so it streams any number of records at hashing speed.
Only when a link fails does it look further (at the record before, or up the table by
hash) to tell an edit from a deletion, an insertion or a reordering.

A chain that is internally consistent can still have been rewritten whole or cut short;
a kept anchor (`seq:hash`, printed by `gateway audit anchor`) catches both. Long intact
chains are walked on several cores (audit_parallel); every break is diagnosed here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Engine, select

from gateway.adapters.store.audit import GENESIS
from gateway.adapters.store.tables import audit_events

# seq, body, prev_hash, hash, kind, actor, order_id: what the walk reads of each record.
ChainRow = tuple[int, str, str, str, str, str, "str | None"]
Locate = Callable[[str], "int | None"]  # a record's current seq by its hash
BreakKind = Literal["edited", "deleted", "inserted", "reordered", "rewritten", "truncated"]
STREAM_ROWS = 20_000


class AnchorError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Anchor:
    """A position in the chain and the hash there: kept elsewhere, it pins history."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Anchor:
        seq, _, digest = text.strip().partition(":")
        digest = digest.lower()
        if not (seq.isdigit() and len(digest) == 64
                and all(c in "0123456789abcdef" for c in digest)):
            raise AnchorError(f"anchor {text!r} is not SEQ:HASH (a seq, 64 hex "
                              "digits); copy it exactly as `gateway audit anchor` printed it")
        return cls(int(seq), digest)


@dataclass(frozen=True, slots=True)
class Break:
    seq: int  # the first record that cannot be trusted
    kind: BreakKind
    message: str


@dataclass(frozen=True, slots=True)
class Report:
    records: int  # how many records were read
    head: Anchor  # the last record verified intact (seq 0 and the genesis hash if none)
    broken: Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _columns_exact(body: str, kind: str, actor: str, order_id: str | None) -> bool:
    """The slow, exact form of the column check, for names that JSON escapes."""
    dump = json.dumps
    return body.startswith(f'{{"actor":{dump(actor, ensure_ascii=False)},"kind":'
                           f'{dump(kind, ensure_ascii=False)},"order_id":'
                           f'{dump(order_id, ensure_ascii=False)},')


def _hash(prev_hash: str, seq: int, body: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{seq}\n{body}".encode()).hexdigest()


def _diagnose(row: ChainRow, prev_seq: int, prev_hash: str, before_prev: str | None,
              locate: Locate | None) -> Break:
    seq, body, link, digest = row[:4]
    if seq > prev_seq + 1:
        gap = f"seq {prev_seq + 1}" if seq == prev_seq + 2 else f"seqs {prev_seq + 1}..{seq - 1}"
        return Break(prev_seq + 1, "deleted", f"{gap} missing: the chain jumps from seq "
                     f"{prev_seq} to seq {seq} (records were deleted)")
    if seq <= prev_seq:
        return Break(seq, "inserted", f"seq {seq} comes after seq {prev_seq}: a record was "
                     "inserted outside the sequence")
    intact = _hash(link, seq, body) == digest
    if link == prev_hash:
        what = ("its kind/actor/order_id columns differ from its hashed body" if intact
                else "its content no longer matches its hash")
        return Break(seq, "edited", f"seq {seq} was edited: {what}")
    if _hash(prev_hash, seq, body) == digest:
        return Break(seq, "edited", f"seq {seq} was edited: its prev_hash column was changed "
                     "(its content and place are intact)")
    if before_prev is not None and link == before_prev:
        return Break(prev_seq, "inserted", f"seq {prev_seq} was inserted: seq {seq} links to "
                     f"seq {prev_seq - 1}, skipping it")
    at = locate(link) if locate is not None else None
    if at is not None and at != prev_seq:
        return Break(seq, "reordered", f"seq {seq} is out of order: it links to the record "
                     f"now at seq {at}, not to seq {prev_seq} (records were reordered)")
    if intact and prev_seq > 0:
        return Break(prev_seq, "rewritten", f"seq {prev_seq} was rewritten: its hash was "
                     f"recomputed, but seq {seq} still links to the original")
    if intact:
        return Break(seq, "rewritten", "seq 1 does not start from the genesis hash: the "
                     "start of the chain was rewritten")
    return Break(seq, "edited", f"seq {seq} was edited: neither its content nor its link "
                 f"match seq {prev_seq}")


def verify_rows(rows: Iterable[ChainRow], anchors: Iterable[Anchor] = (),
                locate: Locate | None = None, start: Anchor = Anchor(0, GENESIS)) -> Report:
    """Check every record's hash, link and position, then the kept anchors.

    `start` is the record before the first row (the genesis by default; a range's
    predecessor when several workers share the walk).
    """
    kept = {a.seq: a.hash for a in anchors}
    prev_seq, prev_hash, before_prev = start.seq, start.hash, None
    count = 0
    sha256 = hashlib.sha256
    for row in rows:
        count += 1
        seq, body, link, digest, kind, actor, order_id = row
        # The indexed columns (used to filter) must say what the hashed body says. Canonical
        # JSON sorts keys, so actor, kind and order_id lead the body; for names JSON does not
        # escape (no backslash results) a string prefix is exact, and far cheaper than parsing.
        oid = "null" if order_id is None else f'"{order_id}"'
        prefix = f'{{"actor":"{actor}","kind":"{kind}","order_id":{oid},'
        # The fast path: one hash and a few comparisons per record.
        if (seq != prev_seq + 1 or link != prev_hash
                or sha256(f"{link}\n{seq}\n{body}".encode()).hexdigest() != digest
                or not ((body.startswith(prefix) and "\\" not in prefix)
                        or _columns_exact(body, kind, actor, order_id))):
            broken = _diagnose(row, prev_seq, prev_hash, before_prev, locate)
            return Report(count, Anchor(prev_seq, prev_hash), broken)
        if seq in kept and kept[seq] != digest:
            return Report(count, Anchor(prev_seq, prev_hash), Break(
                seq, "rewritten", f"seq {seq} does not match the kept anchor: the chain was "
                f"rewritten up to seq {seq} (every hash recomputed)"))
        prev_seq, before_prev, prev_hash = seq, prev_hash, digest
    beyond = [s for s in kept if s > prev_seq]
    if beyond:
        last = max(beyond)
        return Report(count, Anchor(prev_seq, prev_hash), Break(
            prev_seq + 1, "truncated", f"the chain ends at seq {prev_seq} but an anchor was "
            f"kept at seq {last}: records {prev_seq + 1}..{last} were deleted"))
    return Report(count, Anchor(prev_seq, prev_hash), None)


_CHAIN_SQL = "SELECT seq, body, prev_hash, hash, kind, actor, order_id FROM audit_events"


def stream_chain(engine: Engine, batch: int = STREAM_ROWS,
                 seqs: tuple[int, int] | None = None) -> Iterator[ChainRow]:
    """Every record in seq order, in batches, straight from the driver's cursor.

    The driver's plain tuples cost a fraction of SQLAlchemy rows, and at a million records
    that is most of the walk's time. PostgreSQL uses a server-side (named) cursor so the
    server streams too; a SQLite statement reads one consistent WAL snapshot.
    """
    with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
        driver = conn.connection.driver_connection
        if engine.dialect.name == "postgresql":
            cursor = driver.cursor(name="audit_verify")  # type: ignore[union-attr]
        else:
            cursor = driver.cursor()  # type: ignore[union-attr]
        try:
            # Whole numbers from our own code, formatted so one text serves both paramstyles.
            where = ("" if seqs is None
                     else f" WHERE seq >= {int(seqs[0])} AND seq <= {int(seqs[1])}")
            cursor.execute(f"{_CHAIN_SQL}{where} ORDER BY seq")
            while rows := cursor.fetchmany(batch):
                yield from rows
        finally:
            cursor.close()


def locator(engine: Engine) -> Locate:
    """Find a record by hash; only used after a link has failed, so a scan is fine."""
    def locate(digest: str) -> int | None:
        with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
            found = conn.execute(select(audit_events.c.seq)
                                 .where(audit_events.c.hash == digest).limit(1)).scalar()
        return None if found is None else int(found)
    return locate


def verify(engine: Engine, anchors: Iterable[Anchor] = (), workers: int | None = None) -> Report:
    """Verify the whole chain: on several cores when it is long, and whenever anything is
    wrong, by the one sequential walk that names the first break precisely."""
    from .audit_parallel import verify_parallel

    anchors = list(anchors)
    report = verify_parallel(engine, anchors, workers)
    return report or verify_rows(stream_chain(engine), anchors, locator(engine))


def head(engine: Engine) -> Anchor:
    """The current end of the chain, to keep elsewhere as an anchor."""
    t = audit_events.c
    with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
        row = conn.execute(select(t.seq, t.hash).order_by(t.seq.desc()).limit(1)).first()
    return Anchor(0, GENESIS) if row is None else Anchor(int(row.seq), str(row.hash))
