"""Where an order goes: a declared venue (default deny), a symbol that venue may trade, and
the venue this gateway is connected to (an order for another venue can never be sent)."""

from __future__ import annotations

from functools import lru_cache

from gateway.domain.checks._result import ok, refuse
from gateway.domain.decision import CheckResult
from gateway.domain.limits import Limits
from gateway.domain.orders import Proposal
from gateway.domain.risk import RiskSnapshot

DECLARED, SYMBOLS, CONNECTED = "venue_declared", "venue_symbols", "venue_connected"


# The passing findings depend only on the venue (and symbol): built once each, since
# findings are frozen. Bounded: only declared venues and allowlisted symbols pass.
@lru_cache(maxsize=256)
def _declared(venue: str) -> CheckResult:
    return ok(DECLARED, venue, "declared", "venue is declared in limits.yaml")


@lru_cache(maxsize=1024)
def _trades(symbol: str, venue: str) -> CheckResult:
    return ok(SYMBOLS, symbol, venue, "the symbol may trade on this venue")


@lru_cache(maxsize=256)
def _connected(venue: str | None) -> CheckResult:
    return ok(CONNECTED, venue, venue, "goes to the connected venue")


def order_venue(p: Proposal, snap: RiskSnapshot) -> str | None:
    """The venue an order goes to: its own, else the connected one (None: unknown)."""
    return p.venue if p.venue is not None else snap.venue


def check_venue_declared(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    venue = order_venue(p, snap)
    if limits.venues is None:
        # No `venues:` section: the connected venue is the one declared venue.
        if p.venue is None or p.venue == snap.venue:
            return ok(DECLARED, venue, "connected venue", "the connected venue (no venues: "
                      "section in limits.yaml)")
        return refuse(DECLARED, venue, snap.venue, f"venue {venue!r} is not declared: without a "
                      "venues: section only the connected venue is used")
    if venue is None:
        return refuse(DECLARED, None, "declared", "the connected venue is unknown: refused")
    if venue in limits.venues:
        return _declared(venue)
    declared = ", ".join(sorted(limits.venues)) or "none"
    return refuse(DECLARED, venue, "declared", f"venue {venue!r} is not declared in limits.yaml "
                  f"(default deny); declared: {declared}")


def check_venue_symbols(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    venue = order_venue(p, snap)
    rules = None if limits.venues is None or venue is None else limits.venues.get(venue)
    if limits.venues is None:
        return ok(SYMBOLS, p.symbol, "allowlist", "every allowlisted symbol (no venues: section)")
    if rules is None:
        return refuse(SYMBOLS, p.symbol, None, f"venue {venue!r} is not declared: it trades "
                      "nothing here")
    if rules.trades(p.symbol):
        return _trades(p.symbol, venue)
    allowed = ", ".join(sorted(rules.symbols or ())) or "none"
    return refuse(SYMBOLS, p.symbol, venue, f"{p.symbol} may not trade on venue {venue!r}; "
                  f"it trades: {allowed}")


def check_venue_connected(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    if p.venue is None or p.venue == snap.venue:
        return _connected(snap.venue)
    if snap.venue is None:
        return refuse(CONNECTED, p.venue, None, "the connected venue is unknown, so an order "
                      f"for {p.venue!r} cannot be sent: refused")
    return refuse(CONNECTED, p.venue, snap.venue, f"this gateway is connected to {snap.venue!r}, "
                  f"not {p.venue!r}: the order could never be sent; omit venue or send it to "
                  f"the gateway connected to {p.venue!r}")
