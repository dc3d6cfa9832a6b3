"""Venues and jurisdictions, sizing by equity and stop-loss levels: each rule at its
boundaries (exactly at the limit passes, one smallest step over refuses)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from gateway.domain.checks.equity_share import (
    check_max_order_equity_share,
    check_max_position_equity_share,
)
from gateway.domain.checks.producer_scope import ProducerScope, scope_checks
from gateway.domain.checks.stop_loss import check_stop_loss
from gateway.domain.checks.venue import (
    check_venue_connected,
    check_venue_declared,
    check_venue_symbols,
)
from gateway.domain.decision import CheckResult
from gateway.domain.limits import Limits
from gateway.domain.orders import Proposal, Side
from gateway.domain.risk import RiskSnapshot

from .support import STEP, proposal

D = Decimal
BUY, SELL = Side.BUY, Side.SELL


def rules(**extra: object) -> Limits:
    return Limits.model_validate({
        "max_order_notional": "25000",
        "symbols": {"BTC/USDT": {"max_position": "1", "max_position_notional": "60000"},
                    "ETH/USDT": {"max_position": "8"}},
        **extra,
    })


VENUES = rules(venues={"paper": {"jurisdictions": ["*"]},
                       "binance": {"jurisdictions": ["GB", "DE"], "symbols": ["BTC/USDT"]}})


def snap(venue: str | None = "paper", **fields: object) -> RiskSnapshot:
    return replace(RiskSnapshot(reference_prices={"BTC/USDT": D("40000")}, venue=venue),
                   **fields)  # type: ignore[arg-type]


def at(p: Proposal, venue: str | None) -> Proposal:
    return replace(p, venue=venue)


# --- venues --------------------------------------------------------------------------------


@pytest.mark.parametrize(("limits", "ordered", "connected", "passed"), [
    pytest.param(VENUES, None, "paper", True, id="default-venue-declared"),
    pytest.param(VENUES, "binance", "paper", True, id="named-declared-venue"),
    pytest.param(VENUES, "kraken", "paper", False, id="undeclared-venue-default-deny"),
    pytest.param(VENUES, None, "kraken", False, id="connected-venue-undeclared"),
    pytest.param(VENUES, None, None, False, id="connected-venue-unknown"),
    pytest.param(rules(), None, "fake", True, id="no-venues-section-connected"),
    pytest.param(rules(), "kraken", "fake", False, id="no-venues-section-other"),
])
def test_only_declared_venues_are_used(limits: Limits, ordered: str | None,
                                       connected: str | None, passed: bool) -> None:
    result = check_venue_declared(at(proposal(), ordered), limits, snap(connected))

    assert result.passed is passed
    if not passed and limits.venues is not None and connected is not None:
        assert "not declared" in result.message


@pytest.mark.parametrize(("symbol", "venue", "passed"), [
    ("BTC/USDT", "binance", True),
    ("ETH/USDT", "binance", False),  # binance here trades BTC/USDT only
    ("ETH/USDT", "paper", True),  # no symbols list: every allowlisted symbol
])
def test_a_venue_trades_only_its_symbols(symbol: str, venue: str, passed: bool) -> None:
    result = check_venue_symbols(at(proposal(symbol=symbol), venue), VENUES, snap("paper"))

    assert result.passed is passed
    if not passed:
        assert "may not trade on venue 'binance'" in result.message


@pytest.mark.parametrize(("ordered", "connected", "passed"), [
    (None, "paper", True), ("paper", "paper", True), ("binance", "paper", False),
    ("binance", None, False),
])
def test_an_order_for_another_venue_than_the_connected_one_cannot_be_sent(
        ordered: str | None, connected: str | None, passed: bool) -> None:
    result = check_venue_connected(at(proposal(), ordered), VENUES, snap(connected))

    assert result.passed is passed


def producer_checks(scope: ProducerScope, p: Proposal, limits: Limits,
                    s: RiskSnapshot) -> dict[str, CheckResult]:
    return {c.__name__.removeprefix("check_"): c(p, limits, s) for c in scope_checks(scope, 0)}


@pytest.mark.parametrize(("jurisdiction", "venue", "passed"), [
    ("GB", "binance", True), ("DE", "binance", True),
    ("US", "binance", False), (None, "binance", False),
    ("US", "paper", True), (None, "paper", True),  # "*": from anywhere
])
def test_a_venue_serves_only_its_jurisdictions(jurisdiction: str | None, venue: str,
                                               passed: bool) -> None:
    scope = ProducerScope(jurisdiction=jurisdiction)

    result = producer_checks(scope, at(proposal(), venue), VENUES, snap())["producer_jurisdiction"]

    assert result.passed is passed
    if not passed:
        assert result.observed == jurisdiction
        assert result.limit == "DE, GB"
        assert ("jurisdiction US" in result.message) if jurisdiction else (
            "no jurisdiction on record" in result.message)


def test_a_producer_uses_only_its_own_venues() -> None:
    scope = ProducerScope(venues=frozenset({"paper"}), jurisdiction="GB")

    found = producer_checks(scope, at(proposal(), "binance"), VENUES, snap())

    assert not found["producer_venues"].passed
    assert "outside this producer's scope; it may use: paper" in found["producer_venues"].message
    assert producer_checks(scope, proposal(), VENUES, snap())["producer_venues"].passed


# --- sizing by equity ----------------------------------------------------------------------

EQUITY = rules(account_equity="100000", max_order_equity_share="0.1",
               max_position_equity_share="0.3")


@pytest.mark.parametrize(("quantity", "price", "passed"), [
    pytest.param("0.25", "40000", True, id="exactly-10pct-of-equity"),
    pytest.param(D("0.25") + STEP, "40000", False, id="one-step-over"),
    pytest.param("0.25", D("40000") + STEP, False, id="price-one-step-over"),
])
def test_order_size_is_capped_by_a_share_of_equity(quantity: str | Decimal, price: str | Decimal,
                                                   passed: bool) -> None:
    result = check_max_order_equity_share(proposal(quantity=quantity, limit_price=price),
                                          EQUITY, snap(equity=D("100000")))

    assert result.passed is passed
    assert result.limit == D("10000")
    # Both figures: the share of equity, and the absolute cap it sits beside.
    assert "10% of equity 100000 = 10000" in result.message
    assert "absolute cap 25000; the equity share is tighter" in result.message


def test_the_absolute_cap_is_named_when_it_is_the_tighter() -> None:
    result = check_max_order_equity_share(proposal(quantity="0.1"), EQUITY,
                                          snap(equity=D("1000000")))

    assert result.passed
    assert "absolute cap 25000; the absolute cap is tighter" in result.message


def test_equity_follows_losses_so_the_cap_shrinks() -> None:
    result = check_max_order_equity_share(proposal(quantity="0.25", limit_price="40000"),
                                          EQUITY, snap(equity=D("99999")))

    assert not result.passed
    assert result.limit == D("9999.9")


@pytest.mark.parametrize(("position", "quantity", "passed"), [
    pytest.param("0.5", "0.25", True, id="exactly-30pct-worst-case"),
    pytest.param("0.5", D("0.25") + STEP, False, id="one-step-over"),
    pytest.param("0.9", "0.1", False, id="already-over-and-growing"),
])
def test_position_value_is_capped_by_a_share_of_equity(position: str, quantity: str | Decimal,
                                                       passed: bool) -> None:
    s = snap(equity=D("100000"), positions={"BTC/USDT": D(position)})

    result = check_max_position_equity_share(proposal(quantity=quantity), EQUITY, s)

    assert result.passed is passed
    assert result.limit == D("30000")


def test_an_over_the_cap_position_may_still_be_reduced() -> None:
    s = snap(equity=D("100000"), positions={"BTC/USDT": D("0.9")})

    assert check_max_position_equity_share(proposal(side=SELL, quantity="0.1"), EQUITY, s).passed


@pytest.mark.parametrize("check", [check_max_order_equity_share,
                                   check_max_position_equity_share])
def test_unknown_equity_refuses(check: object) -> None:
    result = check(proposal(), EQUITY, snap(equity=None))  # type: ignore[operator]

    assert not result.passed
    assert "unknown" in result.message


def test_an_equity_share_without_account_equity_is_an_invalid_file() -> None:
    with pytest.raises(ValueError, match="account_equity"):
        rules(max_order_equity_share="0.1")


# --- stop-loss levels ----------------------------------------------------------------------

STOPS = rules(symbols={"BTC/USDT": {"max_position": "1", "stop_loss_share": "0.05"},
                       "ETH/USDT": {"max_position": "8", "stop_loss_distance": "100"}})


def held(symbol: str, quantity: str, entry: str, ref: str,
         stopped: frozenset[str] = frozenset()) -> RiskSnapshot:
    return RiskSnapshot(positions={symbol: D(quantity)}, entry_prices={symbol: D(entry)},
                        reference_prices={symbol: D(ref)}, stopped=stopped)


@pytest.mark.parametrize(("symbol", "quantity", "entry", "ref", "passed"), [
    # BTC long, 5% of entry value: reached at 38000.
    pytest.param("BTC/USDT", "0.5", "40000", "38000.01", True, id="long-one-tick-before"),
    pytest.param("BTC/USDT", "0.5", "40000", "38000", False, id="long-exactly-at-level"),
    pytest.param("BTC/USDT", "-0.5", "40000", "41999.99", True, id="short-one-tick-before"),
    pytest.param("BTC/USDT", "-0.5", "40000", "42000", False, id="short-exactly-at-level"),
    # ETH, price distance 100 from entry 2000.
    pytest.param("ETH/USDT", "2", "2000", "1900.01", True, id="distance-one-tick-before"),
    pytest.param("ETH/USDT", "2", "2000", "1900", False, id="distance-exactly-at-level"),
])
def test_a_bot_cannot_widen_a_position_at_its_stop_level(symbol: str, quantity: str, entry: str,
                                                         ref: str, passed: bool) -> None:
    widen = BUY if D(quantity) > 0 else SELL
    p = proposal(symbol=symbol, side=widen, quantity="0.01", limit_price=ref)

    result = check_stop_loss(p, STOPS, held(symbol, quantity, entry, ref))

    assert result.passed is passed
    if not passed:
        assert "past its stop level" in result.message


def test_shrinking_a_position_past_its_stop_always_passes() -> None:
    p = proposal(side=SELL, quantity="0.5", limit_price="30000")

    assert check_stop_loss(p, STOPS, held("BTC/USDT", "0.5", "40000", "30000")).passed


def test_a_stopped_symbol_is_reduce_only_even_after_the_price_recovers() -> None:
    s = held("BTC/USDT", "0.5", "40000", "41000", stopped=frozenset({"BTC/USDT"}))

    widen = check_stop_loss(proposal(quantity="0.01", limit_price="41000"), STOPS, s)
    shrink = check_stop_loss(proposal(side=SELL, quantity="0.01", limit_price="41000"), STOPS, s)

    assert not widen.passed and "gateway stops clear BTC/USDT" in widen.message
    assert shrink.passed


def test_a_stop_level_without_a_reference_price_cannot_be_decided() -> None:
    from gateway.domain.policy import evaluate

    s = RiskSnapshot(positions={"BTC/USDT": D("0.5")}, entry_prices={"BTC/USDT": D("40000")})

    decision = evaluate(proposal(quantity="0.01"), STOPS, s, (check_stop_loss,))

    assert not decision.passed  # fail closed


@pytest.mark.parametrize(("ref", "passed"), [("38800.01", True), ("38800", False)])
def test_a_producer_may_carry_a_tighter_stop_of_its_own(ref: str, passed: bool) -> None:
    scope = ProducerScope(stop_loss_share=D("0.03"))
    s = held("BTC/USDT", "0.5", "40000", ref)

    result = producer_checks(scope, proposal(quantity="0.01", limit_price=ref), STOPS,
                             s)["producer_stop_loss"]

    assert result.passed is passed
