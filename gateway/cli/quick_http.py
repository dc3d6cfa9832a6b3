"""One JSON request over the standard library: the first call of `gateway halt`.

httpx costs a tenth of a second or more to import; an emergency stop should spend its first
milliseconds asking the server, not loading a client library.
"""

from __future__ import annotations

import http.client
import json
import os
from typing import Any
from urllib.parse import urlsplit

from gateway.endpoint import client_url

from .output import CliError


class Unreachable(Exception):
    """No answer (refused, timed out, reset) or a 5xx: the caller may fall back."""


def post(url: str | None, token: str | None, path: str, body: dict[str, Any],
         timeout: float) -> Any:
    token = token or os.environ.get("GATEWAY_TOKEN")
    if not token:
        raise CliError("no operator token: pass --token or set GATEWAY_TOKEN "
                       "(`gateway operators add NAME --role risk` issues one)", 2)
    parts = urlsplit(client_url(url))
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = cls(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        conn.request("POST", (parts.path.rstrip("/") + path), body=json.dumps(body),
                     headers={"Authorization": f"Bearer {token}",
                              "Content-Type": "application/json"})
        response = conn.getresponse()
        status, raw = response.status, response.read()
    except (OSError, http.client.HTTPException) as exc:
        raise Unreachable(f"{type(exc).__name__}: {exc}") from exc
    finally:
        conn.close()
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if status >= 500:
        raise Unreachable(f"{status} {raw[:200]!r}")
    if status >= 400:
        err = data.get("error") if isinstance(data, dict) else None
        message = err.get("message") if isinstance(err, dict) else raw[:200].decode(
            errors="replace")
        raise CliError(f"{status} {message}")
    return data
