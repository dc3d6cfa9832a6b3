"""In-process fault switches of the paper venue, for tests."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Faults:
    """Set on `PaperExchange.faults`; each counter is consumed by one create_order call.

    unavailable_before_send: the create never reaches the venue: VenueUnavailable, nothing
        is recorded.
    timeout_after_accept: the venue handles the create in full (records and commits the order
        if it is valid) and then the reply is lost: the caller gets OutcomeUnknown whatever
        the answer was, and must resolve it with fetch_order by client order id.
    down: while True, every call except close() raises VenueUnavailable.
    """

    unavailable_before_send: int = 0
    timeout_after_accept: int = 0
    down: bool = False
