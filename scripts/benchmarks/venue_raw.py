"""Signed Binance-style calls to the local venue, without ccxt: the benchmark's own view of
the venue's books (how many orders are open) and its direct-to-venue baseline."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any
from urllib.parse import urlencode

import httpx

from scripts.benchmarks.harness import HarnessError


class RawVenue:
    def __init__(self, url: str) -> None:
        from tests.venue import API_KEY, SECRET

        self._secret = SECRET.encode()
        self.client = httpx.Client(base_url=url, timeout=30,
                                   headers={"X-MBX-APIKEY": API_KEY})

    def call(self, method: str, path: str, **params: str) -> Any:
        query = urlencode({**params, "timestamp": str(int(time.time() * 1000)),
                           "recvWindow": "10000"})
        signature = hmac.new(self._secret, query.encode(), hashlib.sha256).hexdigest()
        r = self.client.request(method, f"{path}?{query}&signature={signature}")
        if r.status_code != 200:
            raise HarnessError(f"venue {method} {path}: {r.status_code} {r.text[:300]}")
        return r.json()

    def open_count(self, symbol: str) -> int:
        return len(self.call("GET", "/api/v3/openOrders", symbol=symbol))

    def place_resting(self, symbol: str, price: str, quantity: str, count: int) -> None:
        for n in range(count):
            self.call("POST", "/api/v3/order", symbol=symbol, side="BUY", type="LIMIT",
                      timeInForce="GTC", quantity=quantity, price=price,
                      newClientOrderId=f"direct-{time.time_ns()}-{n}")

    def cancel_all(self, symbol: str) -> int:
        return len(self.call("DELETE", "/api/v3/openOrders", symbol=symbol))

    def close(self) -> None:
        self.client.close()
