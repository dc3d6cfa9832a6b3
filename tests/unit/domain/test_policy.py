"""policy.evaluate and Decision: every finding reported, default deny, limits respected."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.domain.checks import (
    ALL_CHECKS,
    check_max_order_notional,
    check_max_position,
    check_order_shape,
    check_symbol_allowlist,
)
from gateway.domain.decision import CheckResult, Decision
from gateway.domain.limits import Limits
from gateway.domain.orders import OrderType, Proposal, Side
from gateway.domain.policy import evaluate as evaluate_all
from gateway.domain.risk import RiskSnapshot

from .support import limits, proposal, repo_limits, snapshot

# These properties are about the allowlist, order shape, notional and position checks; the
# other checks (collar, venue filters, throttles ...) have their own tables in test_checks.
CORE = (check_symbol_allowlist, check_order_shape, check_max_order_notional,
        check_max_position)


def evaluate(p: Proposal, lim: Limits, snap: RiskSnapshot, checks: tuple = CORE) -> Decision:  # type: ignore[type-arg]
    return evaluate_all(p, lim, snap, checks)


def test_the_full_policy_runs_every_check_in_reading_order() -> None:
    names = [c.name for c in evaluate_all(proposal(), limits(), snapshot()).checks]
    assert names[:5] == ["symbol_allowlist", "venue_declared", "venue_symbols",
                         "venue_connected", "order_shape"]
    assert len(names) == len(ALL_CHECKS) == len(set(names))

D = Decimal
CHECK_NAMES = ["symbol_allowlist", "order_shape", "max_order_notional", "max_position"]


def ok(name: str) -> CheckResult:
    return CheckResult(name, True, None, None, "fine")


def bad(name: str, message: str = "no") -> CheckResult:
    return CheckResult(name, False, None, None, message)


# --- Decision ------------------------------------------------------------------------------


def test_a_decision_with_no_checks_does_not_pass() -> None:
    decision = Decision(())

    assert not decision.passed


def test_a_decision_passes_only_when_every_check_passed() -> None:
    assert Decision((ok("a"), ok("b"))).passed
    assert not Decision((ok("a"), bad("b"))).passed
    assert not Decision((bad("a"),)).passed


def test_a_decision_lists_every_failure_in_its_summary() -> None:
    decision = Decision((bad("a", "too big"), ok("b"), bad("c", "too soon")))

    assert [c.name for c in decision.failures] == ["a", "c"]
    assert decision.summary() == "a: too big; c: too soon"


def test_a_passing_decision_says_so() -> None:
    assert Decision((ok("a"),)).summary() == "all checks passed"


def test_check_result_as_dict_renders_decimals_as_plain_text() -> None:
    result = CheckResult("max_order_notional", False, D("1E+5"), D("2.50"), "over")

    assert result.as_dict() == {
        "name": "max_order_notional",
        "passed": False,
        "observed": "100000",
        "limit": "2.5",
        "message": "over",
    }


# --- evaluate ------------------------------------------------------------------------------


def test_evaluate_runs_the_core_checks_in_order() -> None:
    decision = evaluate(proposal(), limits(), snapshot())

    assert [c.name for c in decision.checks] == CHECK_NAMES


def test_evaluate_passes_a_proposal_within_every_limit() -> None:
    p = proposal(symbol="BTC/USDT", quantity="0.25", limit_price="60000")

    decision = evaluate(p, repo_limits(), snapshot(positions={"BTC/USDT": "0.25"}))

    assert decision.passed
    assert decision.summary() == "all checks passed"
    assert all(c.passed for c in decision.checks)


def test_evaluate_reports_every_finding_not_just_the_first_failure() -> None:
    # Arrange: wrong symbol and zero quantity; the notional (0) alone is fine.
    p = proposal(symbol="btc/usdt", quantity="0", limit_price="30000")

    # Act
    decision = evaluate(p, repo_limits(), snapshot())

    # Assert
    assert not decision.passed
    assert [(c.name, c.passed) for c in decision.checks] == [
        ("symbol_allowlist", False),
        ("order_shape", False),
        ("max_order_notional", True),
        ("max_position", False),
    ]
    assert [c.name for c in decision.failures] == [
        "symbol_allowlist",
        "order_shape",
        "max_position",
    ]


def test_evaluate_reports_notional_and_position_failures_together() -> None:
    p = proposal(symbol="BTC/USDT", quantity="1", limit_price="30000")

    decision = evaluate(p, repo_limits(), snapshot())

    assert [c.name for c in decision.failures] == ["max_order_notional", "max_position"]
    assert "max_order_notional: notional 30000 USDT" in decision.summary()


def test_evaluate_with_no_checks_denies() -> None:
    decision = evaluate(proposal(), limits(), snapshot(), checks=())

    assert decision.checks == ()
    assert not decision.passed


def test_evaluate_runs_exactly_the_checks_it_is_given() -> None:
    calls: list[Proposal] = []

    def spy(p: Proposal, lim: Limits, snap: RiskSnapshot) -> CheckResult:
        calls.append(p)
        return ok("spy")

    p = proposal()
    decision = evaluate(p, limits(), snapshot(), checks=(spy, spy))

    assert calls == [p, p]
    assert decision.passed


def test_a_check_that_cannot_decide_refuses_and_every_other_check_still_reports() -> None:
    def check_broken(p: Proposal, lim: Limits, snap: RiskSnapshot) -> CheckResult:
        raise ArithmeticError("no way to tell")

    decision = evaluate(proposal(), limits(), snapshot(),
                        checks=(lambda *_: ok("first"), check_broken, lambda *_: ok("last")))

    assert [(c.name, c.passed) for c in decision.checks] == [
        ("first", True), ("broken", False), ("last", True)]
    assert "could not be evaluated (no way to tell)" in decision.checks[1].message
    assert not decision.passed


@pytest.mark.parametrize("quantity", ["Infinity", "-Infinity"])
def test_evaluate_denies_an_infinite_quantity(quantity: str) -> None:
    decision = evaluate(proposal(quantity=quantity), limits(), snapshot())

    assert not decision.passed
    assert "order_shape" in [c.name for c in decision.failures]


@pytest.mark.parametrize("quantity", ["NaN", "sNaN"])
def test_evaluate_denies_a_nan_quantity_instead_of_raising(quantity: str) -> None:
    decision = evaluate(proposal(quantity=quantity), limits(), snapshot())

    assert not decision.passed


# --- the policy as a whole -----------------------------------------------------------------

LISTED = ["BTC/USDT", "ETH/USDT"]


def decimals(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(
        min_value=D(low), max_value=D(high), places=places, allow_nan=False, allow_infinity=False
    )


# Strategies built once: constructing them inside each draw dominates the run time.
MAX_POSITIONS = decimals("0.0001", "50", 4)
NOTIONAL_CAPS = decimals("0.01", "100000", 2)
ANY_SYMBOL = st.sampled_from([*LISTED, "SOL/USDT"])
HELD = st.dictionaries(ANY_SYMBOL, decimals("-60", "60", 4))
RESERVED = st.dictionaries(ANY_SYMBOL, decimals("0", "50", 4))
REFERENCE_PRICES = st.dictionaries(ANY_SYMBOL, decimals("0.01", "5000", 2))
PRICES = decimals("0.01", "5000", 2)
LIMIT_PRICES = PRICES | decimals("-1", "1", 2)
QUANTITIES = decimals("0.0001", "5", 4) | decimals("-1", "60", 4)
PROPOSAL_SYMBOLS = st.sampled_from([*LISTED, *LISTED, *LISTED, "SOL/USDT", "btc/usdt"])


@st.composite
def random_limits(draw: st.DrawFn) -> Limits:
    symbols = {}
    for symbol in LISTED:
        entry: dict[str, Decimal] = {"max_position": draw(MAX_POSITIONS)}
        if draw(st.booleans()):
            entry["max_order_notional"] = draw(NOTIONAL_CAPS)
        symbols[symbol] = entry
    return Limits.model_validate({"max_order_notional": draw(NOTIONAL_CAPS), "symbols": symbols})


@st.composite
def random_snapshots(draw: st.DrawFn) -> RiskSnapshot:
    return RiskSnapshot(
        positions=draw(HELD),
        reserved_buy=draw(RESERVED),
        reserved_sell=draw(RESERVED),
        reference_prices=draw(REFERENCE_PRICES),
    )


@st.composite
def random_proposals(draw: st.DrawFn) -> Proposal:
    order_type = draw(st.sampled_from(list(OrderType)))
    price = draw(LIMIT_PRICES) if order_type is OrderType.LIMIT else None
    if draw(st.integers(0, 9)) == 0:  # now and then, a malformed shape
        price = draw(st.none() | PRICES)
    return Proposal(
        producer="bot",
        symbol=draw(PROPOSAL_SYMBOLS),
        side=draw(st.sampled_from(list(Side))),
        type=order_type,
        quantity=draw(QUANTITIES),
        limit_price=price,
    )


@settings(max_examples=150, deadline=None)
@given(random_proposals(), random_limits(), random_snapshots())
def test_a_passing_decision_never_breaches_position_or_notional_limits(
    p: Proposal, lim: Limits, snap: RiskSnapshot
) -> None:
    # Act
    decision = evaluate(p, lim, snap)

    # Assert
    assert [c.name for c in decision.checks] == CHECK_NAMES
    if not decision.passed:
        return
    symbol_limits = lim.symbols[p.symbol]  # an unlisted symbol never passes
    assert p.quantity > 0
    after = snap.worst_case_after(p.symbol, p.side, p.quantity)
    assert abs(after) <= symbol_limits.max_position or abs(after) <= abs(snap.position(p.symbol))
    caps = [lim.max_order_notional, symbol_limits.max_order_notional]
    cap = min(c for c in caps if c is not None)
    price = p.limit_price if p.limit_price is not None else snap.reference_prices[p.symbol]
    assert price > 0
    assert p.quantity * price <= cap


@settings(max_examples=150, deadline=None)
@given(random_proposals(), random_limits(), random_snapshots())
def test_a_proposal_within_every_limit_passes(p: Proposal, lim: Limits, snap: RiskSnapshot) -> None:
    # Arrange: the rules, restated independently of the check modules.
    listed = p.symbol in lim.symbols
    if p.type is OrderType.LIMIT:
        well_formed = p.quantity > 0 and p.limit_price is not None and p.limit_price > 0
        price = p.limit_price
    else:
        well_formed = p.quantity > 0 and p.limit_price is None
        price = snap.reference_prices.get(p.symbol)
    within = False
    if listed and well_formed and price is not None:
        own = lim.symbols[p.symbol]
        cap = min(lim.max_order_notional, own.max_order_notional or lim.max_order_notional)
        signed = p.quantity if p.side is Side.BUY else -p.quantity
        reserved = (snap.reserved_buy if p.side is Side.BUY else snap.reserved_sell).get(
            p.symbol, D(0)
        )
        held = snap.positions.get(p.symbol, D(0))
        after = held + (reserved if p.side is Side.BUY else -reserved) + signed
        # Over the cap, an order may still shrink the position, but never flip it.
        shrinks = abs(after) < abs(held) and (after == 0 or (after > 0) == (held > 0))
        within = p.quantity * price <= cap and (abs(after) <= own.max_position or shrinks)

    # Act / Assert
    assert evaluate(p, lim, snap).passed is within
