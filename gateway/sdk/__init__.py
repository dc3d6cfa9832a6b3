"""The Python SDK for signal bots. Needs httpx, pydantic and cryptography (requests are signed,
and scope documents verified, with Ed25519) beyond the standard library.

    from gateway.sdk import GatewayClient, LimitRejected, Halted

    with GatewayClient("http://127.0.0.1:8787", "gwk_....secret") as gw:
        try:
            order = gw.propose("BTC/USDT", "buy", "0.01", limit_price="95000").wait(timeout=300)
            print(order.state, order.reason)          # filled / denied "too big" / expired
        except LimitRejected as exc:
            print([c["message"] for c in exc.failed])  # every check that refused
        except Halted as exc:
            print("halted:", exc.reason)

Requests are signed with Ed25519 (see gateway/signing.py or the README).
"""

from gateway.api.schemas import OrderOut as Order

from .aclient import AsyncGatewayClient
from .auth import ProducerAuth
from .client import GatewayClient
from .errors import (
    Conflict,
    Forbidden,
    GatewayError,
    Halted,
    LimitRejected,
    NotFound,
    Quarantined,
    RateLimited,
    Unauthorized,
    Unavailable,
    ValidationError,
)
from .handle import OrderHandle
from .scope import ScopeDocumentInvalid, verify_scope
from .signing import sign

__all__ = [
    "AsyncGatewayClient", "Conflict", "Forbidden", "GatewayClient", "GatewayError", "Halted",
    "LimitRejected", "NotFound", "Order", "OrderHandle", "ProducerAuth", "Quarantined",
    "RateLimited", "ScopeDocumentInvalid", "Unauthorized", "Unavailable", "ValidationError",
    "sign", "verify_scope",
]
