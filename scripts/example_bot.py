"""The smallest complete signal bot: propose, then hear what the human decided.

    GATEWAY_PRODUCER_KEY=gwk_....secret python scripts/example_bot.py
"""

from gateway.sdk import GatewayClient, Halted, LimitRejected

with GatewayClient("http://127.0.0.1:8787") as gw:  # credential from GATEWAY_PRODUCER_KEY
    mid = {p.symbol: p.mid for p in gw.prices().prices}["BTC/USDT"]
    try:
        handle = gw.propose("BTC/USDT", "buy", "0.001", limit_price=mid.quantize(1),
                            rationale="example: buy a little at the mid")
        order = handle.wait(timeout=600)  # approved then filled, denied, or expired
        print(order.state, order.reason or "", order.average_fill_price or "")
    except LimitRejected as exc:
        print("refused:", [c["message"] for c in exc.failed])
    except Halted as exc:
        print("trading is halted:", exc.reason)
