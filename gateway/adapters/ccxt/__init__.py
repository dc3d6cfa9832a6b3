"""The ccxt venue: one adapter for any ccxt exchange id. Importing this package does not
import ccxt; the first call on a CcxtExchange does."""

from gateway.adapters.ccxt.config import CcxtConfig, Secret, load_credentials
from gateway.adapters.ccxt.exchange import CcxtExchange

__all__ = ["CcxtConfig", "CcxtExchange", "Secret", "load_credentials"]
