"""Random event sequences: the appender's chain always verifies, and any one tampering is
found at the right seq with the right kind."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.adapters.store.audit import AuditAppender, Head, chain_hash
from gateway.services.audit_verify import Anchor, verify_rows

from .chain import T0, as_row, locate_in

text = st.text(min_size=0, max_size=12)
event = st.fixed_dictionaries({
    "kind": st.sampled_from(["order.proposed", "order.approved", "halt.set", "access.denied",
                             "producer.added", "odd\"kind\\"]),
    "actor": st.one_of(st.sampled_from(["producer:bot1", "operator:tina", "system:limits"]),
                       text),
    "order_id": st.one_of(st.none(), st.from_regex(r"ord_[0-9a-f]{4}", fullmatch=True), text),
    "reason": st.one_of(st.none(), text),
    "payload": st.dictionaries(text, st.one_of(
        st.integers(), st.booleans(), st.none(), text,
        st.decimals(allow_nan=False, allow_infinity=False, places=6).map(Decimal)), max_size=4),
    "rolled_back": st.booleans(),  # the job failed: its savepoint and records are undone
})


def chain(events: list[dict[str, Any]]) -> list[Any]:
    appender = AuditAppender(Head(0, "0" * 64))
    for i, e in enumerate(events):
        mark = appender.mark()
        appender.append(T0 + timedelta(milliseconds=i), e["kind"], e["actor"],
                        order_id=e["order_id"], reason=e["reason"], payload=e["payload"])
        if e["rolled_back"]:
            appender.reset(mark)
    return [as_row(r) for r in appender.rows]


@settings(max_examples=150, deadline=None)
@given(st.lists(event, max_size=30))
def test_any_sequence_of_appends_verifies(events: list[dict[str, Any]]) -> None:
    rows = chain(events)
    report = verify_rows(rows, [Anchor(r[0], r[3]) for r in rows[::3]])
    assert report.ok, report.broken
    assert report.records == len(rows)


@settings(max_examples=200, deadline=None)
@given(st.lists(event.map(lambda e: {**e, "rolled_back": False}), min_size=3, max_size=30),
       st.sampled_from(["edit", "delete", "insert", "reorder"]), st.data())
def test_one_tampering_is_found_at_its_seq(events: list[dict[str, Any]], how: str,
                                           data: st.DataObject) -> None:
    rows = chain(events)
    n = len(rows)
    k = data.draw(st.integers(1, n - 1))  # not the last: a cut tail needs an anchor
    expected = (k, {"edit": "edited", "delete": "deleted", "insert": "inserted",
                    "reorder": "reordered"}[how])
    if how == "edit":
        s, body, *rest = rows[k - 1]
        rows[k - 1] = (s, body[:-1] + " }", *rest)
    elif how == "delete":
        del rows[k - 1]
    elif how == "insert":
        prev = rows[k - 2][3] if k > 1 else "0" * 64
        body = rows[-1][1]
        forged = (k, body, prev, chain_hash(prev, k, body), *rows[-1][4:])
        rows = [*rows[:k - 1], forged, *[(r[0] + 1, *r[1:]) for r in rows[k - 1:]]]
    else:
        j = data.draw(st.integers(k + 1, n))
        a, b = rows[k - 1], rows[j - 1]
        if a[1:] == b[1:]:
            return  # identical records: swapping them changes nothing observable
        rows[k - 1], rows[j - 1] = (k, *b[1:]), (j, *a[1:])
    report = verify_rows(rows, (), locate_in(rows))
    assert report.broken is not None
    assert (report.broken.seq, report.broken.kind) == expected, report.broken.message
