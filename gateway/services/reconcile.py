"""Reconciliation: the gateway's open orders against the venue's, as plain values.

Pure: given both sides, it names every mismatch. The executor fetches, calls this, audits
each new mismatch as `venue.mismatch` and, if configured, halts trading.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gateway.domain.orders import Order, OrderState
from gateway.ports.exchange import VenueOrder

GATEWAY_PREFIX = "gg-"  # every client order id the gateway sends starts so (see ids.py)


@dataclass(frozen=True, slots=True)
class Mismatch:
    kind: str
    client_order_id: str
    order_id: str | None
    detail: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.client_order_id, self.detail)


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
            found.append(Mismatch("foreign_open_order", cid, None,
                                  f"{vo.side.value} {vo.amount} {vo.symbol} not placed by "
                                  "the gateway"))
        elif order is None:
            found.append(Mismatch("open_at_venue_only", cid, None,
                                  f"{vo.symbol} open at the venue, not open here"))
        elif order.id not in busy and order.state is not OrderState.SENDING \
                and vo.filled < order.filled_quantity:
            found.append(Mismatch("fills_differ", cid, order.id,
                                  f"venue filled {vo.filled}, gateway {order.filled_quantity}"))
    missing = [o for cid, o in mine.items()
               if cid not in listed and o.id not in busy
               and o.state in (OrderState.SUBMITTED, OrderState.PARTIALLY_FILLED)]
    return found, missing


def missing_at_venue(order: Order) -> Mismatch:
    assert order.client_order_id is not None
    return Mismatch("missing_at_venue", order.client_order_id, order.id,
                    f"{order.state.value} here, unknown to the venue")

