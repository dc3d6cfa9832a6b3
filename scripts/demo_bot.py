"""A demo signal bot: proposes small orders around the market, now and then one that a
limit refuses, and prints what the gateway decided. Talks only HTTP, like any bot would.

    GATEWAY_URL=http://127.0.0.1:8787 GATEWAY_TOKEN=gwp_... python scripts/demo_bot.py
"""

from __future__ import annotations

import os
import random
import sys
import time
import uuid
from decimal import ROUND_DOWN, Decimal

import httpx

SIZES = {"BTC/USDT": Decimal("0.005"), "ETH/USDT": Decimal("0.2"), "SOL/USDT": Decimal("3")}
IDEAS = ["momentum breakout on the 5m", "mean reversion after a 2-sigma move",
         "funding-rate skew", "order-book imbalance", "volume spike at resistance"]


def propose(client: httpx.Client, rng: random.Random, prices: dict[str, Decimal]) -> None:
    symbol = rng.choice(sorted(SIZES))
    side = rng.choice(["buy", "sell"])
    oversized = rng.random() < 0.15  # a greedy signal: the limits should refuse it
    qty = SIZES[symbol] * (Decimal(200) if oversized else Decimal(rng.randint(1, 4)))
    # Near the market, sometimes through it so it fills at once on the paper venue.
    offset = Decimal(rng.randint(-15, 25)) / Decimal(10_000)
    sign = 1 if side == "buy" else -1
    price = (prices[symbol] * (1 + sign * offset)).quantize(Decimal("0.01"), ROUND_DOWN)
    body = {"symbol": symbol, "side": side, "type": "limit", "quantity": str(qty),
            "limit_price": str(price), "idempotency_key": uuid.uuid4().hex,
            "rationale": rng.choice(IDEAS), "confidence": str(Decimal(rng.randint(50, 95)) / 100)}
    r = client.post("/v1/orders", json=body)
    if r.status_code in (200, 201):
        o = r.json()
        print(f"bot: queued  {o['id']} {side} {qty} {symbol} @ {price}", flush=True)
    else:
        err = r.json().get("error", {})
        print(f"bot: refused {side} {qty} {symbol} @ {price}: {err.get('message')}", flush=True)


def main() -> int:
    url = os.environ.get("GATEWAY_URL", "http://127.0.0.1:8787")
    token = os.environ.get("GATEWAY_TOKEN")
    if not token:
        print("demo_bot: set GATEWAY_TOKEN to a producer token", file=sys.stderr)
        return 2
    interval = float(os.environ.get("DEMO_BOT_INTERVAL", "4"))
    count = int(os.environ.get("DEMO_BOT_COUNT", "0"))  # 0: until stopped
    rng = random.Random(int(os.environ.get("DEMO_BOT_SEED", "42")))
    client = httpx.Client(base_url=url, timeout=10,
                          headers={"Authorization": f"Bearer {token}"})
    sent = 0
    while count == 0 or sent < count:
        try:
            data = client.get("/v1/prices").json()["prices"]
            prices = {p["symbol"]: Decimal(p["mid"]) for p in data}
            if prices.keys() >= SIZES.keys():
                propose(client, rng, prices)
                sent += 1
        except httpx.HTTPError as exc:
            print(f"bot: gateway unreachable ({exc}); retrying", flush=True)
        time.sleep(interval)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
