"""A demo signal bot: proposes small orders around the market, now and then one that a
limit refuses, and prints what the gateway decided. Uses nothing but the SDK.

    GATEWAY_URL=http://127.0.0.1:8787 GATEWAY_TOKEN=gwk_....secret python scripts/demo_bot.py
"""

from __future__ import annotations

import os
import random
import sys
import time
from decimal import ROUND_DOWN, Decimal

from gateway.sdk import GatewayClient, GatewayError, Halted, LimitRejected, Unavailable

SIZES = {"BTC/USDT": Decimal("0.005"), "ETH/USDT": Decimal("0.2"), "SOL/USDT": Decimal("3")}
IDEAS = ["momentum breakout on the 5m", "mean reversion after a 2-sigma move",
         "funding-rate skew", "order-book imbalance", "volume spike at resistance"]


def propose(gw: GatewayClient, rng: random.Random, prices: dict[str, Decimal]) -> None:
    symbol = rng.choice(sorted(SIZES))
    side = rng.choice(["buy", "sell"])
    oversized = rng.random() < 0.15  # a greedy signal: the limits should refuse it
    qty = SIZES[symbol] * (Decimal(200) if oversized else Decimal(rng.randint(1, 4)))
    # Near the market, sometimes through it so it fills at once on the paper venue.
    offset = Decimal(rng.randint(-15, 25)) / Decimal(10_000)
    sign = 1 if side == "buy" else -1
    price = (prices[symbol] * (1 + sign * offset)).quantize(Decimal("0.01"), ROUND_DOWN)
    what = f"{side} {qty} {symbol} @ {price}"
    try:
        handle = gw.propose(symbol, side, qty, limit_price=price, rationale=rng.choice(IDEAS),
                            confidence=Decimal(rng.randint(50, 95)) / 100)
        print(f"bot: queued  {handle.id} {what}", flush=True)
    except LimitRejected as exc:
        reasons = "; ".join(f"{c['name']}: {c['message']}" for c in exc.failed)
        print(f"bot: refused {what}: {reasons}", flush=True)
    except Halted as exc:
        print(f"bot: halted ({exc.reason}); waiting", flush=True)


def main() -> int:
    url = os.environ.get("GATEWAY_URL", "http://127.0.0.1:8787")
    credential = os.environ.get("GATEWAY_TOKEN")
    if not credential:
        print("demo_bot: set GATEWAY_TOKEN to a producer credential", file=sys.stderr)
        return 2
    interval = float(os.environ.get("DEMO_BOT_INTERVAL", "4"))
    count = int(os.environ.get("DEMO_BOT_COUNT", "0"))  # 0: until stopped
    rng = random.Random(int(os.environ.get("DEMO_BOT_SEED", "42")))
    sent = 0
    with GatewayClient(url, credential) as gw:
        while count == 0 or sent < count:
            try:
                prices = {p.symbol: p.mid for p in gw.prices().prices}
                if prices.keys() >= SIZES.keys():
                    propose(gw, rng, prices)
                    sent += 1
            except Unavailable as exc:
                print(f"bot: gateway unreachable ({exc}); retrying", flush=True)
            except GatewayError as exc:
                print(f"bot: {exc.code}: {exc}", flush=True)
                if exc.status in (401, 403):
                    return 1
            time.sleep(interval)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
