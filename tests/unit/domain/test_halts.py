"""halts.HaltBook: which halt, if any, stops an order of a producer on a symbol."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.domain.halts import FLATTEN_PRODUCER, Halt, HaltBook, HaltScope, refusal

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SYMBOLS = ["BTC/USDT", "ETH/USDT", "SOL/USDT"]
PRODUCERS = ["bot-a", "bot-b", "bot-c"]


def h(scope: HaltScope, target: str = "", reason: str = "drill") -> Halt:
    return Halt(scope, target, reason, "operator:rita", T0)


GLOBAL = h(HaltScope.GLOBAL)
BTC = h(HaltScope.SYMBOL, "BTC/USDT", "BTC venue outage")
BOT_A = h(HaltScope.PRODUCER, "bot-a", "bot-a misbehaves")


@pytest.mark.parametrize("halts,symbol,producer,expected", [
    ((), "BTC/USDT", "bot-a", None),
    ((GLOBAL,), "ETH/USDT", "bot-b", GLOBAL),
    ((BTC,), "BTC/USDT", "bot-b", BTC),
    ((BTC,), "ETH/USDT", "bot-b", None),
    ((BOT_A,), "ETH/USDT", "bot-a", BOT_A),
    ((BOT_A,), "ETH/USDT", "bot-b", None),
    ((BOT_A, BTC), "BTC/USDT", "bot-a", BTC),  # the symbol's halt is named before the bot's
    ((BOT_A, BTC, GLOBAL), "BTC/USDT", "bot-a", GLOBAL),  # the broadest first
])
def test_blocking_names_the_broadest_halt_covering_the_order(
        halts: tuple[Halt, ...], symbol: str, producer: str, expected: Halt | None) -> None:
    assert HaltBook.of(halts).blocking(symbol, producer) == expected


def test_flatten_orders_are_never_blocked_by_a_halt() -> None:
    book = HaltBook.of([GLOBAL, BTC])

    assert book.blocking("BTC/USDT", FLATTEN_PRODUCER) is None


def test_with_and_without_replace_and_remove_one_scope_only() -> None:
    book = HaltBook.of([BTC]).with_halt(GLOBAL).with_halt(h(HaltScope.SYMBOL, "BTC/USDT", "2"))

    assert [x.reason for x in book.halts] == ["drill", "2"]
    assert book.without(HaltScope.GLOBAL, "").halts == (book.halts[1],)
    assert book.global_halt == GLOBAL and book.scoped == (book.halts[1],)


def test_refusal_says_what_is_halted_and_why() -> None:
    assert refusal(GLOBAL) == "trading is halted: drill"
    assert refusal(BTC) == "trading for symbol BTC/USDT is halted: BTC venue outage"


halts_strategy = st.lists(st.one_of(
    st.just(GLOBAL),
    st.sampled_from(SYMBOLS).map(lambda s: h(HaltScope.SYMBOL, s)),
    st.sampled_from(PRODUCERS).map(lambda p: h(HaltScope.PRODUCER, p)),
), unique_by=lambda x: (x.scope, x.target), max_size=5)


@given(halts_strategy, st.sampled_from(SYMBOLS), st.sampled_from(PRODUCERS))
def test_an_order_is_blocked_exactly_when_some_halt_covers_it(
        halts: list[Halt], symbol: str, producer: str) -> None:
    book = HaltBook.of(halts)
    covering = [x for x in halts if x.scope is HaltScope.GLOBAL or x.target in (symbol, producer)]

    found = book.blocking(symbol, producer)

    assert (found is not None) == bool(covering)
    assert found is None or found in covering
    if GLOBAL in halts:
        assert found == GLOBAL
