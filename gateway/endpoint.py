"""Where clients find the server. Kept free of heavy imports: `gateway halt` reads it first."""

from __future__ import annotations

import os

DEFAULT_URL = "http://127.0.0.1:8787"


def client_url(explicit: str | None = None) -> str:
    """Where clients find the server: --url, then GATEWAY_URL, then the default."""
    return explicit or os.environ.get("GATEWAY_URL") or DEFAULT_URL
