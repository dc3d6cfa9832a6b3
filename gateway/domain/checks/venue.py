"""Where an order goes: a declared venue (default deny), a symbol that venue may trade, and
the venue this gateway is connected to (an order for another venue can never be sent)."""

from __future__ import annotations

from functools import lru_cache

from ..decision import CheckResult
from ..limits import Limits
from ..orders import Proposal
from ..risk import RiskSnapshot
from ._bind import Step, bound
from ._result import ok, refuse

DECLARED, SYMBOLS, CONNECTED = "venue_declared", "venue_symbols", "venue_connected"


@lru_cache(maxsize=256)
def _connected(venue: str | None) -> CheckResult:
    # Depends only on the venue; findings are frozen. Bounded: only the connected one passes.
    return ok(CONNECTED, venue, venue, "goes to the connected venue")


def order_venue(p: Proposal, snap: RiskSnapshot) -> str | None:
    """The venue an order goes to: its own, else the connected one (None: unknown)."""
    return p.venue if p.venue is not None else snap.venue


def _bind_declared(limits: Limits, symbol: str) -> Step:
    venues = limits.venues
    if venues is None:
        return _undeclared
    # The passing findings depend only on the venue: built once per limits version.
    declared = {v: ok(DECLARED, v, "declared", "venue is declared in limits.yaml")
                for v in venues}
    shown = ", ".join(sorted(venues)) or "none"

    def venue_declared(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
        venue = p.venue if p.venue is not None else snap.venue
        found = declared.get(venue)  # type: ignore[arg-type]
        if found is not None:
            return found
        if venue is None:
            return refuse(DECLARED, None, "declared", "the connected venue is unknown: refused")
        return refuse(DECLARED, venue, "declared", f"venue {venue!r} is not declared in "
                      f"limits.yaml (default deny); declared: {shown}")

    return venue_declared


def _undeclared(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    # No `venues:` section: the connected venue is the one declared venue.
    venue = order_venue(p, snap)
    if p.venue is None or p.venue == snap.venue:
        return ok(DECLARED, venue, "connected venue", "the connected venue (no venues: "
                  "section in limits.yaml)")
    return refuse(DECLARED, venue, snap.venue, f"venue {venue!r} is not declared: without a "
                  "venues: section only the connected venue is used")


def _bind_symbols(limits: Limits, symbol: str) -> Step:
    venues = limits.venues
    if venues is None:
        return ok(SYMBOLS, symbol, "allowlist", "every allowlisted symbol (no venues: section)")
    # The venues that trade this symbol, each with its passing finding.
    trades = {v: ok(SYMBOLS, symbol, v, "the symbol may trade on this venue")
              for v, rules in venues.items() if rules.trades(symbol)}

    def venue_symbols(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
        venue = p.venue if p.venue is not None else snap.venue
        found = trades.get(venue)  # type: ignore[arg-type]
        if found is not None:
            return found
        rules = None if venue is None else venues.get(venue)
        if rules is None:
            return refuse(SYMBOLS, symbol, None, f"venue {venue!r} is not declared: it trades "
                          "nothing here")
        allowed = ", ".join(sorted(rules.symbols or ())) or "none"
        return refuse(SYMBOLS, symbol, venue, f"{symbol} may not trade on venue {venue!r}; "
                      f"it trades: {allowed}")

    return venue_symbols


def check_venue_connected(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    if p.venue is None or p.venue == snap.venue:
        return _connected(snap.venue)
    if snap.venue is None:
        return refuse(CONNECTED, p.venue, None, "the connected venue is unknown, so an order "
                      f"for {p.venue!r} cannot be sent: refused")
    return refuse(CONNECTED, p.venue, snap.venue, f"this gateway is connected to {snap.venue!r}, "
                  f"not {p.venue!r}: the order could never be sent; omit venue or send it to "
                  f"the gateway connected to {p.venue!r}")


check_venue_declared = bound("venue_declared")(_bind_declared)
check_venue_symbols = bound("venue_symbols")(_bind_symbols)
