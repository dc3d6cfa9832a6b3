"""A local Binance-spot-compatible venue for tests and benchmarks: loopback only, signed
requests verified, orders with partial fills, and fault injection."""

from tests.venue.book import SYMBOLS, BookOrder, VenueBook
from tests.venue.client import ccxt_config, ccxt_exchange
from tests.venue.faults import Fault
from tests.venue.server import API_KEY, SECRET, LocalVenue

__all__ = ["API_KEY", "SECRET", "SYMBOLS", "BookOrder", "Fault", "LocalVenue", "VenueBook",
           "ccxt_config", "ccxt_exchange"]
