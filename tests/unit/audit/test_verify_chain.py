"""The chain walk names the first broken record and the kind of change, for each tampering."""

from __future__ import annotations

import pytest

from gateway.adapters.store.audit import GENESIS, AuditAppender, Head, chain_hash
from gateway.services.audit_verify import Anchor, AnchorError, ChainRow, verify_rows

from .chain import T0, as_row, build, locate_in, rehash

N = 12


def walk(rows: list[ChainRow], anchors: tuple[Anchor, ...] = ()) -> tuple[int, str] | None:
    report = verify_rows(rows, anchors, locate_in(rows))
    return None if report.broken is None else (report.broken.seq, report.broken.kind)


def edit_body(rows: list[ChainRow], seq: int) -> list[ChainRow]:
    out = list(rows)
    s, body, *rest = out[seq - 1]
    out[seq - 1] = (s, body.replace('"why"', '"because"').replace("null", '"added"', 1), *rest)
    return out


def test_an_untouched_chain_verifies_and_reports_its_head() -> None:
    rows = build(N)
    report = verify_rows(rows)
    assert report.ok and report.records == N
    assert report.head == Anchor(N, rows[-1][3])


def test_an_empty_chain_verifies() -> None:
    assert verify_rows([]).ok
    assert verify_rows([]).head == Anchor(0, GENESIS)


def test_an_edited_body_is_named_as_edited_at_its_seq() -> None:
    assert walk(edit_body(build(N), 5)) == (5, "edited")


def test_an_edited_filter_column_is_named_as_edited() -> None:
    rows = build(N)
    s, body, prev, digest, kind, _actor, order_id = rows[6]
    rows[6] = (s, body, prev, digest, kind, "producer:someone-else", order_id)
    assert walk(rows) == (7, "edited")


def test_an_edit_with_its_own_hash_recomputed_is_caught_by_the_next_link() -> None:
    rows = edit_body(build(N), 4)
    s, body, prev, _, *rest = rows[3]
    rows[3] = (s, body, prev, chain_hash(prev, s, body), *rest)
    assert walk(rows) == (4, "rewritten")


@pytest.mark.parametrize("seq", [1, 6, N - 1])
def test_a_deleted_record_is_named_as_the_first_missing_seq(seq: int) -> None:
    rows = build(N)
    del rows[seq - 1]
    assert walk(rows) == (seq, "deleted")


def test_an_inserted_record_is_named_even_when_later_records_are_renumbered() -> None:
    rows = build(N)
    at = 5
    forged_body = rows[0][1]
    forged = (at, forged_body, rows[at - 2][3], chain_hash(rows[at - 2][3], at, forged_body),
              *rows[0][4:])
    shifted = [(r[0] + 1, *r[1:]) for r in rows[at - 1:]]
    assert walk([*rows[:at - 1], forged, *shifted]) == (at, "inserted")


@pytest.mark.parametrize(("a", "b"), [(3, 8), (5, 6), (1, 2)])
def test_two_swapped_records_are_named_as_reordered_at_the_earlier_seq(a: int, b: int) -> None:
    rows = build(N)
    ra, rb = rows[a - 1], rows[b - 1]
    rows[a - 1], rows[b - 1] = (a, *rb[1:]), (b, *ra[1:])
    assert walk(rows) == (a, "reordered")


def test_a_truncated_tail_is_caught_by_a_kept_anchor() -> None:
    rows = build(N)
    anchor = Anchor(N, rows[-1][3])
    assert walk(rows[:-3]) is None  # the chain alone cannot know its own end
    assert walk(rows[:-3], (anchor,)) == (N - 2, "truncated")
    assert walk([], (anchor,)) == (1, "truncated")


def test_a_whole_chain_rewrite_is_caught_by_a_kept_anchor() -> None:
    rows = build(N)
    anchor = Anchor(N - 2, rows[N - 3][3])
    forged = rehash(edit_body(rows, 3), start=2)
    assert walk(forged) is None  # internally consistent
    assert walk(forged, (anchor,)) == (N - 2, "rewritten")


def test_a_chain_that_does_not_start_at_genesis_is_named_as_rewritten() -> None:
    rows = build(N)
    s, body, _, _, *rest = rows[0]
    fake_prev = "f" * 64
    rows[0] = (s, body, fake_prev, chain_hash(fake_prev, s, body), *rest)
    assert walk(rows) == (1, "rewritten")


def test_anchors_parse_as_printed_and_refuse_anything_else() -> None:
    a = Anchor(42, "ab" * 32)
    assert Anchor.parse(f" {a}\n") == a
    for bad in ("42", "x:" + "ab" * 32, "42:" + "ab" * 31, "42:" + "zz" * 32):
        with pytest.raises(AnchorError, match="SEQ:HASH"):
            Anchor.parse(bad)


def test_a_filter_column_rewritten_into_its_escaped_form_is_still_caught() -> None:
    appender = AuditAppender(Head(0, GENESIS))
    appender.append(T0, "order.proposed", 'producer:a"b')
    [(seq, body, prev, digest, kind, _, order_id)] = [as_row(r) for r in appender.rows]
    assert verify_rows([(seq, body, prev, digest, kind, 'producer:a"b', order_id)]).ok
    report = verify_rows([(seq, body, prev, digest, kind, 'producer:a\\"b', order_id)])
    assert report.broken is not None and report.broken.kind == "edited"


def test_an_edited_prev_hash_column_is_named_as_edited_not_reordered() -> None:
    rows = build(N)
    s, body, _, digest, *rest = rows[5]
    rows[5] = (s, body, digest, digest, *rest)
    assert walk(rows) == (6, "edited")
