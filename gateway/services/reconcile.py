"""Reconciliation: the gateway's books against the venue's, as plain values.

Pure: given both sides, it names every mismatch. The executor fetches, calls this, audits
each new mismatch as `venue.mismatch` and, if configured, halts trading.

Two comparisons. Open orders: ours against the venue's list. Holdings: a spot venue reports
balances, not positions, and an account may hold more than the gateway ever traded, so what
the venue should hold is a baseline (its holdings when the gateway started tracking them)
plus the gateway's own fills since; anything else moved them (a trade, a deposit or a
withdrawal behind the gateway's back, or a fill the gateway missed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from gateway.domain.holdings import Baseline, NetFlows, units
from gateway.domain.markets import Market
from gateway.domain.orders import Order, OrderState
from gateway.ports.exchange import VenueOrder

GATEWAY_PREFIX = "gg-"  # every client order id the gateway sends starts so (see ids.py)
ZERO = Decimal(0)

__all__ = ["Baseline", "Mismatch", "NetFlows", "compare", "compare_holdings", "settled"]


@dataclass(frozen=True, slots=True)
class Mismatch:
    kind: str
    detail: str
    client_order_id: str | None = None
    order_id: str | None = None
    currency: str | None = None
    expected: Decimal | None = None  # holdings: what the gateway's books say
    held: Decimal | None = None      # holdings: what the venue says

    @property
    def key(self) -> tuple[str, str, str]:
        """Identity for "already reported": a holdings mismatch is the same one for as long
        as the difference stays the same, whatever trading moves both sides by."""
        if self.currency is not None and self.expected is not None and self.held is not None:
            return (self.kind, self.currency, str((self.held - self.expected).normalize()))
        return (self.kind, self.client_order_id or "", self.detail)


def compare(ours: Iterable[Order], venue_open: Iterable[VenueOrder],
            busy: set[str]) -> tuple[list[Mismatch], list[Order]]:
    """Mismatches, and our open orders the venue no longer lists (to be looked up: most have
    simply filled or been cancelled since we last asked). `busy` order ids are mid-send."""
    mine = {o.client_order_id: o for o in ours if o.client_order_id}
    found: list[Mismatch] = []
    listed: set[str] = set()
    for vo in venue_open:
        cid = vo.client_order_id
        listed.add(cid)
        order = mine.get(cid)
        if not cid.startswith(GATEWAY_PREFIX):
            found.append(Mismatch("foreign_open_order", f"{vo.side.value} {vo.amount} "
                                  f"{vo.symbol} not placed by the gateway", cid))
        elif order is None:
            found.append(Mismatch("open_at_venue_only",
                                  f"{vo.symbol} open at the venue, not open here", cid))
        elif order.id not in busy and order.state is not OrderState.SENDING \
                and vo.filled < order.filled_quantity:
            found.append(Mismatch("fills_differ", f"venue filled {vo.filled}, gateway "
                                  f"{order.filled_quantity}", cid, order.id))
    missing = [o for cid, o in mine.items()
               if cid not in listed and o.id not in busy
               and o.state in (OrderState.SUBMITTED, OrderState.PARTIALLY_FILLED)]
    return found, missing


def missing_at_venue(order: Order) -> Mismatch:
    assert order.client_order_id is not None
    return Mismatch("missing_at_venue", f"{order.state.value} here, unknown to the venue",
                    order.client_order_id, order.id)


# -- holdings ---------------------------------------------------------------------------


def compare_holdings(baseline: Baseline, flows: NetFlows, held: Mapping[str, Decimal],
                     markets: Mapping[str, Market]) -> list[Mismatch]:
    """Each currency whose venue holding differs from baseline plus our net fills by more
    than the venue's rounding could explain: one unit of its precision per fill that
    touched it (none when nothing did)."""
    unit = units(markets.values())
    found = []
    for currency in sorted(set(baseline.amounts) | set(flows.change) | set(held)):
        expected = baseline.amounts.get(currency, ZERO) + flows.change.get(currency, ZERO)
        actual = held.get(currency, ZERO)
        tolerance = unit.get(currency, ZERO) * flows.fills.get(currency, 0)
        if abs(actual - expected) > tolerance:
            found.append(Mismatch(
                "holdings_differ",
                f"the venue holds {actual} {currency}; the gateway expects {expected} (its "
                f"baseline {baseline.amounts.get(currency, ZERO)} plus its own fills), "
                f"off by {actual - expected}", currency=currency, expected=expected,
                held=actual))
    return found


def settled(ours: Iterable[Order], venue_open: Iterable[VenueOrder]) -> bool:
    """Whether holdings read between our books (`ours`, read first) and the venue's open
    orders (read last) can be compared: nothing of ours was mid-send, and the venue lists
    exactly our open orders with exactly the fills we had recorded, so none of their fills
    landed in between. (Orders claimed meanwhile are the caller's check: see
    HoldingsCheck.)"""
    mine = {o.client_order_id: o for o in ours if o.client_order_id}
    if any(o.state is OrderState.SENDING for o in mine.values()):
        return False
    listed = {vo.client_order_id: vo for vo in venue_open
              if vo.client_order_id.startswith(GATEWAY_PREFIX)}
    return listed.keys() == mine.keys() and all(
        listed[cid].filled == o.filled_quantity for cid, o in mine.items())
