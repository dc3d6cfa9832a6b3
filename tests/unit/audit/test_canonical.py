"""Canonical JSON written with orjson must be, byte for byte, what the standard library's
sorted, compact, UTF-8 form was: audit bodies are hashed as written, and anyone re-deriving
one must get the same text."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.adapters.store.audit import Head
from gateway.adapters.store.canonical import Encoded, canonical
from gateway.domain.decision import CheckResult
from gateway.domain.money import to_text


def reference(obj: object) -> str:
    """The definition: the standard library's canonical form (what every record used)."""

    def default(value: object) -> object:
        if isinstance(value, Decimal):
            return to_text(value)
        if isinstance(value, datetime):
            return value.isoformat()
        raise TypeError(type(value).__name__)

    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=default,
                      ensure_ascii=False)


texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)  # no lone surrogates
scalars = (st.none() | st.booleans() | texts
           | st.integers(min_value=-(2**63), max_value=2**63 - 1)
           | st.decimals(allow_nan=False, allow_infinity=False, places=8)
           | st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5))])))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(texts, inner, max_size=4), max_leaves=20)


@given(st.dictionaries(texts, values, max_size=6))
def test_canonical_is_exactly_the_standard_librarys_sorted_compact_form(obj: object) -> None:
    assert canonical(obj) == reference(obj)


@given(st.lists(st.dictionaries(texts, values, max_size=4), max_size=4), texts)
def test_embedded_encoded_text_reads_as_if_the_value_itself_were_encoded(
        inner: list[object], key: str) -> None:
    assert canonical({key: Encoded(canonical(inner)), "z": 1}) == reference({key: inner, "z": 1})


def test_values_orjson_refuses_fall_back_to_the_same_form() -> None:
    for obj in ({"big": 2**70, "n": Decimal("1.50")}, {1: "int keys", 2: [2**64]}):
        assert canonical(obj) == reference(obj)


def test_anything_else_is_refused_as_before() -> None:
    with pytest.raises(TypeError):
        canonical({"x": object()})
    with pytest.raises(TypeError):  # a dataclass is not silently turned into an object
        canonical({"x": Head(1, "0" * 64)})


def test_check_results_encode_with_exact_decimals() -> None:
    c = CheckResult("max_order_notional", False, Decimal("1E+5"), Decimal("2.50"), "over")
    assert canonical([c.as_dict()]) == ('[{"limit":"2.5","message":"over","name":'
                                        '"max_order_notional","observed":"100000",'
                                        '"passed":false}]')
